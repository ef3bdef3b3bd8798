"""Helpers every service uses: the audit-trail stamp, optimistic concurrency, citations."""

from collections.abc import Iterable

from django.db import transaction
from django.db.models import F, Model
from django.utils.translation import gettext as _


class ConcurrencyConflict(Exception):
    """Raised when a record changed after the user loaded it (optimistic concurrency).

    ``current`` is the record as it is now in the database, so the caller can show what
    changed meanwhile.
    """

    def __init__(self, current: Model):
        self.current = current
        super().__init__(_("This record was changed by someone else after you opened it."))


def history_stamp(instance: Model, *, user=None, reason: str = "") -> Model:
    """Tell django-simple-history who makes the next save or delete of ``instance``, and why."""
    if user is not None and getattr(user, "is_authenticated", False):
        instance._history_user = user
    if reason:
        instance._change_reason = reason
    return instance


def version_claim(instance: Model, *, expected_version: int | None) -> None:
    """Bump ``instance.version`` if it still equals ``expected_version``; else raise a conflict.

    Must run inside the transaction that saves the instance. ``expected_version=None`` skips
    the check (imports and curators' bulk actions).
    """
    model = type(instance)
    if expected_version is None:
        model.objects.filter(pk=instance.pk).update(version=F("version") + 1)
    else:
        claimed = model.objects.filter(pk=instance.pk, version=expected_version).update(version=F("version") + 1)
        if not claimed:
            raise ConcurrencyConflict(model.objects.get(pk=instance.pk))
    instance.version = model.objects.values_list("version", flat=True).get(pk=instance.pk)


def version_check(*, instance: Model, expected_version: int | None) -> Model:
    """Lock ``instance``'s row and raise ``ConcurrencyConflict`` if its version moved on.

    Unlike :func:`version_claim` it does not bump the version: the write that follows does
    (only when it changes something). Must run inside the caller's transaction.
    """
    locked = type(instance).objects.select_for_update().get(pk=instance.pk)
    if expected_version is not None and locked.version != expected_version:
        raise ConcurrencyConflict(locked)
    return locked


def record_update(instance: Model, fields: dict, *, expected_version: int | None, user, reason: str) -> Model:
    """Set ``fields`` on a versioned record, validate, bump its version and save, in one
    transaction; ``ConcurrencyConflict`` if it changed since ``expected_version``."""
    with transaction.atomic():
        version_check(instance=instance, expected_version=expected_version)
        for name, value in fields.items():
            setattr(instance, name, value)
        instance.full_clean()
        version_claim(instance, expected_version=None)
        history_stamp(instance, user=user, reason=reason)
        instance.save()
    return instance


def record_delete(instance: Model, *, expected_version: int | None, user, reason: str) -> None:
    """Delete a record, stamped in the history; a versioned one only if it is still at
    ``expected_version`` (when given)."""
    with transaction.atomic():
        if hasattr(instance, "version"):
            version_check(instance=instance, expected_version=expected_version)
        history_stamp(instance, user=user, reason=reason)
        instance.delete()


# --- Sources ----------------------------------------------------------------------------


def citations_set(*, owner: Model, sources: Iterable, user=None, reason: str = "") -> None:
    """Attach sources to an agreement, status event or round (adding, never removing).

    Each item is a ``Source`` or a ``(source, note, conflicting)`` tuple.
    """
    citation_model = owner.citations.model
    owner_field = owner.citations.field.name
    for item in sources:
        source, note, conflicting = item if isinstance(item, tuple) else (item, "", False)
        citation = citation_model.objects.filter(**{owner_field: owner, "source": source}).first()
        if citation is None:
            citation = citation_model(**{owner_field: owner, "source": source})
        elif (citation.note, citation.conflicting) == (note, conflicting):
            continue
        citation.note, citation.conflicting = note, conflicting
        history_stamp(citation, user=user, reason=reason)
        citation.save()
