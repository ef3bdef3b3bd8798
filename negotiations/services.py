"""Business rules: every write that enforces a rule or touches several rows goes through here.

Views, forms, serializers, the admin, importers and management commands call these functions;
they do not re-implement them. Each function takes keyword-only arguments, runs in one
transaction, and stamps the audit trail (django-simple-history) with the acting user and an
optional reason.
"""

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.db.models import F, Max, Model
from django.utils.translation import gettext as _

from .choices import DatePrecision
from .models import Agreement, StatusEvent


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


# --- Agreement status -------------------------------------------------------------------


def agreement_status_recompute(*, agreement: Agreement) -> Agreement:
    """Derive ``current_status`` and ``status_date`` from the latest *actual* status event.

    Planned events never count. Events on the same date are ordered by ``sequence``. This is
    the only place that writes the derived fields; every path that changes status events
    calls it inside the same transaction.
    """
    with transaction.atomic():
        locked = Agreement.objects.select_for_update().get(pk=agreement.pk)
        latest = (
            StatusEvent.objects.filter(agreement=locked, planned=False).order_by("-date", "-sequence", "-id").first()
        )
        new_values = {
            "current_status": latest.status if latest else "",
            "status_date": latest.date if latest else None,
            "status_date_precision": latest.date_precision if latest else "",
        }
        if any(getattr(locked, field) != value for field, value in new_values.items()):
            for field, value in new_values.items():
                setattr(locked, field, value)
            history_stamp(locked, reason=_("Status recomputed from the timeline"))
            locked.save(update_fields=[*new_values, "updated_at"])
    for field in ("current_status", "status_date", "status_date_precision"):
        setattr(agreement, field, getattr(locked, field))
    return agreement


def _next_sequence(agreement: Agreement, date: dt.date) -> int:
    highest = StatusEvent.objects.filter(agreement=agreement, date=date).aggregate(top=Max("sequence"))["top"]
    return 0 if highest is None else highest + 1


def status_event_record(
    *,
    agreement: Agreement,
    status: str,
    date: dt.date,
    date_precision: str = DatePrecision.DAY,
    planned: bool = False,
    sequence: int | None = None,
    note: str = "",
    sources: Iterable = (),
    user=None,
    reason: str = "",
) -> StatusEvent:
    """Add a dated status event to an agreement's timeline and recompute its current status.

    ``sources`` holds ``Source`` objects or ``(source, note, conflicting)`` tuples. Without a
    ``sequence`` the event goes after the others of the same day.
    """
    with transaction.atomic():
        event = StatusEvent(
            agreement=agreement,
            status=status,
            date=date,
            date_precision=date_precision,
            planned=planned,
            sequence=_next_sequence(agreement, date) if sequence is None else sequence,
            note=note,
        )
        event.full_clean()
        history_stamp(event, user=user, reason=reason)
        event.save()
        citations_set(owner=event, sources=sources, user=user, reason=reason)
        agreement_status_recompute(agreement=agreement)
    return event


def status_event_update(
    *, event: StatusEvent, expected_version: int | None = None, user=None, reason: str = "", **fields
) -> StatusEvent:
    """Change a status event (date, status, planned…) and recompute the agreement's status."""
    with transaction.atomic():
        version_claim(event, expected_version=expected_version)
        for name, value in fields.items():
            setattr(event, name, value)
        event.full_clean()
        history_stamp(event, user=user, reason=reason)
        event.save()
        agreement_status_recompute(agreement=event.agreement)
    return event


def status_event_delete(*, event: StatusEvent, user=None, reason: str = "") -> None:
    """Remove a status event and recompute the agreement's status."""
    with transaction.atomic():
        agreement = event.agreement
        history_stamp(event, user=user, reason=reason)
        event.delete()
        agreement_status_recompute(agreement=agreement)


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
