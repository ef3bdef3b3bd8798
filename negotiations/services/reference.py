"""Reference data (parties, chapters, sources): kept by curators, without a version."""

from django.db import transaction
from django.db.models import Model

from .common import history_stamp, record_delete


def reference_save(*, instance: Model, user=None, reason: str = "", **fields) -> Model:
    """Create or change a party, chapter or source after full validation."""
    with transaction.atomic():
        for name, value in fields.items():
            setattr(instance, name, value)
        instance.full_clean()
        history_stamp(instance, user=user, reason=reason)
        instance.save()
    return instance


def reference_delete(*, instance: Model, user=None, reason: str = "") -> None:
    """Delete a party, chapter or source; raises ``ProtectedError`` while it is still used."""
    record_delete(instance, expected_version=None, user=user, reason=reason)
