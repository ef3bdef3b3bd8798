"""Database router that sends reads to replicas and writes to the primary."""

import random

from django.conf import settings
from django.db import connections


class ReplicaRouter:
    """Reads go to a random replica listed in ``DATABASE_REPLICA_URLS``; writes to ``default``.

    With no replicas configured every query goes to ``default``. Objects read from a replica
    can be related to objects on the primary because all aliases hold the same data.
    """

    def _replicas(self) -> list[str]:
        return [alias for alias in settings.DATABASES if alias.startswith("replica")]

    def db_for_read(self, model, **hints):
        replicas = self._replicas()
        # Inside a transaction on the primary, read what that transaction sees (and can lock).
        if not replicas or connections["default"].in_atomic_block:
            return "default"
        return random.choice(replicas)

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"
