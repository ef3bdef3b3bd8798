"""Database router that sends reads to replicas and writes to the primary."""

import random
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import connections

# Set while a request must read its own writes (see tracker.middleware.ReadAfterWriteMiddleware).
# A ContextVar rather than a thread-local: it follows the request into asgiref's threads and
# async tasks, and each request starts from the default.
_reads_from_primary: ContextVar[bool] = ContextVar("tracker_reads_from_primary", default=False)


# Set for one request by the HTTP cache (negotiations/http_cache.py): all of that request's
# reads from the same replica, so the data version it reads and the data it shows are one
# replica's snapshot, never a newer version over an older replica's rows.
_request_replica: ContextVar[str | None] = ContextVar("tracker_request_replica", default=None)


def replica_aliases() -> list[str]:
    """The database aliases settings.py made from ``DATABASE_REPLICA_URLS``."""
    return [alias for alias in settings.DATABASES if alias.startswith("replica")]


def reading_from_primary() -> bool:
    """Whether reads in the current context are pinned to ``default``."""
    return _reads_from_primary.get()


@contextmanager
def reads_from_one_replica(alias: str | None = None):
    """Send every read made inside the block (outside transactions and pins) to one replica:
    ``alias``, or one chosen at random."""
    replicas = replica_aliases()
    if alias is None and replicas:
        alias = random.choice(replicas)
    token = _request_replica.set(alias)
    try:
        yield
    finally:
        _request_replica.reset(token)


def current_replica() -> str | None:
    """The replica ``reads_from_one_replica`` chose for the current block, if any."""
    return _request_replica.get()


@contextmanager
def reads_from_primary():
    """Send every read made inside the block to ``default``, then restore the previous state."""
    token = _reads_from_primary.set(True)
    try:
        yield
    finally:
        _reads_from_primary.reset(token)


class ReplicaRouter:
    """Reads go to a random replica listed in ``DATABASE_REPLICA_URLS``; writes to ``default``.

    Reads also go to ``default`` inside a transaction and inside ``reads_from_primary()`` (which
    the middleware uses for a user who has just written). With no replicas configured every query
    goes to ``default``. Objects read from a replica can be related to objects on the primary
    because all aliases hold the same data.
    """

    def db_for_read(self, model, **hints):
        replicas = replica_aliases()
        # Inside a transaction on the primary, read what that transaction sees (and can lock);
        # when pinned, read what this user just wrote, which a lagging replica may not have yet.
        if not replicas or connections["default"].in_atomic_block or reading_from_primary():
            return "default"
        chosen = _request_replica.get()
        return chosen if chosen in replicas else random.choice(replicas)

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"
