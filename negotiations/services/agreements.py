"""Agreements and their status timeline."""

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from ..choices import DatePrecision
from ..models import Agreement, AgreementParty, Source, StatusEvent, StatusEventSource
from ..timeline import latest_actual_event
from . import bulk
from .common import (
    AlreadyExists,
    citations_set,
    history_stamp,
    reason_check,
    record_delete,
    save_checked,
    version_claim,
)

# --- Agreement status -------------------------------------------------------------------


def agreement_status_recompute(*, agreement: Agreement) -> Agreement:
    """Derive ``current_status`` and ``status_date`` from the latest *actual* status event.

    Planned events never count; "latest" is in timeline order (``timeline.event_order_key``: an
    event known to the year or month counts from its period's end; same-day events by ``sequence``). This is
    the only place that writes the derived fields; every path that changes status events
    calls it inside the same transaction.
    """
    with transaction.atomic():
        locked = Agreement.objects.select_for_update().get(pk=agreement.pk)
        latest = latest_actual_event(StatusEvent.objects.filter(agreement=locked, planned=False))
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
    reason = reason_check(reason)
    with transaction.atomic():
        # The agreement's lock orders concurrent events of the same day (their ``sequence``).
        list(Agreement.objects.select_for_update().filter(pk=agreement.pk).values_list("pk", flat=True))
        event = StatusEvent(
            agreement=agreement,
            status=status,
            date=date,
            date_precision=date_precision,
            planned=planned,
            sequence=_next_sequence(agreement, date) if sequence is None else sequence,
            note=note,
        )
        event.full_clean(validate_constraints=False)
        history_stamp(event, user=user, reason=reason)
        save_checked(event)
        citations_set(owner=event, sources=sources, user=user, reason=reason)
        agreement_status_recompute(agreement=agreement)
    return event


def status_event_update(
    *, event: StatusEvent, expected_version: int | None = None, user=None, reason: str = "", **fields
) -> StatusEvent:
    """Change a status event (date, status, planned…, even its agreement) and recompute the
    status of its agreement, and of the one it left."""
    reason = reason_check(reason)
    with transaction.atomic():
        version_claim(event, expected_version=expected_version)
        left = StatusEvent.objects.values_list("agreement_id", flat=True).get(pk=event.pk)
        for name, value in fields.items():
            setattr(event, name, value)
        event.full_clean(validate_constraints=False)
        history_stamp(event, user=user, reason=reason)
        save_checked(event)
        agreement_status_recompute(agreement=event.agreement)
        if left != event.agreement_id:
            agreement_status_recompute(agreement=Agreement.objects.get(pk=left))
    return event


def status_event_delete(
    *, event: StatusEvent, expected_version: int | None = None, user=None, reason: str = ""
) -> None:
    """Remove a status event and recompute the agreement's status.

    With ``expected_version`` the delete is refused with ``ConcurrencyConflict`` if the event
    changed since the caller read it.
    """
    with transaction.atomic():
        if expected_version is not None:
            version_claim(event, expected_version=expected_version)
        agreement = event.agreement
        history_stamp(event, user=user, reason=reason)
        event.delete()
        agreement_status_recompute(agreement=agreement)


# --- Agreements -------------------------------------------------------------------------


def _assign_changed(instance, fields: dict) -> bool:
    """Set ``fields`` on ``instance``; True if any value differs from what it had."""
    changed = False
    for name, value in fields.items():
        if getattr(instance, name) != value:
            setattr(instance, name, value)
            changed = True
    return changed


COVERAGE_BLANK = {"rounds_coverage": "", "coverage_note": "", "coverage_checked_on": None}


def agreement_upsert(
    *,
    slug: str,
    name: str,
    kind: str,
    parties: Iterable,
    short_name: str = "",
    spanish_name: str = "",
    predecessor: Agreement | None = None,
    predecessor_relation: str = "",
    summary: str = "",
    sources: Iterable = (),
    coverage: dict | None = None,
    editors: Iterable | None = None,
    editor_groups: Iterable | None = None,
    create_only: bool = False,
    user=None,
    reason: str = "",
) -> tuple[Agreement, bool]:
    """Create the agreement with ``slug``, or bring it in line with the given values.

    The parties become exactly ``parties`` (Party objects). ``coverage`` holds any of
    ``rounds_coverage``, ``coverage_note`` and ``coverage_checked_on`` (the rest blank); without
    it the agreement's coverage stays as it was; so do its editing rights without ``editors`` or
    ``editor_groups``. Saves, and so writes history, only when something changed; returns
    ``(agreement, created)``.
    """
    fields = {
        "name": name,
        "short_name": short_name,
        "spanish_name": spanish_name,
        "kind": kind,
        "predecessor": predecessor,
        "predecessor_relation": predecessor_relation,
        "summary": summary,
    }
    if coverage is not None:  # callers that do not know about coverage leave it as it is
        fields |= {name: coverage.get(name, COVERAGE_BLANK[name]) for name in COVERAGE_BLANK}
    with transaction.atomic():
        agreement = Agreement.objects.filter(slug=slug).first()
        created = agreement is None
        if created:
            agreement = Agreement(slug=slug)
        elif create_only:
            raise AlreadyExists(agreement, "slug", _("An agreement with this slug already exists."))
        fields_changed = _assign_changed(agreement, fields)
        if created:
            _agreement_save(agreement, user=user, reason=reason)
        if _editors_set(agreement, editors=editors, editor_groups=editor_groups) or (fields_changed and not created):
            _agreement_save(agreement, user=user, reason=reason)
        _parties_set(agreement, parties, user=user, reason=reason)
        citations_set(owner=agreement, sources=sources, user=user, reason=reason)
    return agreement, created


def _agreement_save(agreement: Agreement, *, user, reason: str) -> None:
    # The slug is the database's to check (``save_checked``: a taken one is ``AlreadyExists``).
    agreement.full_clean(
        exclude=["parties", "editors", "editor_groups"], validate_unique=False, validate_constraints=False
    )
    history_stamp(agreement, user=user, reason=reason)
    save_checked(agreement)


def _parties_set(agreement: Agreement, parties: Iterable, *, user, reason: str) -> None:
    """Make the agreement's parties exactly ``parties``, each link added or removed in the history."""
    wanted = {party.pk: party for party in parties}
    existing = {link.party_id: link for link in agreement.agreement_parties.all()}
    for party_id, link in existing.items():
        if party_id not in wanted:
            history_stamp(link, user=user, reason=reason)
            link.delete()
    for party_id, party in wanted.items():
        if party_id not in existing:
            link = AgreementParty(agreement=agreement, party=party)
            history_stamp(link, user=user, reason=reason)
            link.save()


def _editors_set(agreement: Agreement, *, editors: Iterable | None, editor_groups: Iterable | None) -> bool:
    """Who may edit the agreement (``None`` keeps it); says whether it changed.

    Written without history of its own (simple-history would add a version for each set of
    rows added or removed): the caller then saves the agreement, whose one history version
    holds the new rights, so a grant reads as one change ("editors: added ana")."""
    changed = False
    agreement.skip_history_when_saving = True
    try:
        for relation, wanted in (("editors", editors), ("editor_groups", editor_groups)):
            if wanted is None:
                continue
            manager = getattr(agreement, relation)
            before = set(manager.values_list("pk", flat=True))
            manager.set(wanted)
            changed |= before != set(manager.values_list("pk", flat=True))
    finally:
        del agreement.skip_history_when_saving
    return changed


def agreement_update(
    *,
    agreement: Agreement,
    expected_version: int | None = None,
    parties: Iterable | None = None,
    editors: Iterable | None = None,
    editor_groups: Iterable | None = None,
    user=None,
    reason: str = "",
    **fields,
) -> Agreement:
    """Change an agreement's own fields (slug too), and its parties or editing rights when
    given; refused with ``ConcurrencyConflict`` if it changed since ``expected_version``.

    ``fields`` may already be set on ``agreement`` (an admin form assigns them before saving).
    """
    reason = reason_check(reason)
    with transaction.atomic():
        version_claim(agreement, expected_version=expected_version)
        for name, value in fields.items():
            setattr(agreement, name, value)
        # The rights first: the agreement's saved version then records them with its fields.
        _editors_set(agreement, editors=editors, editor_groups=editor_groups)
        _agreement_save(agreement, user=user, reason=reason)
        if parties is not None:
            _parties_set(agreement, parties, user=user, reason=reason)
    return agreement


def agreement_delete(*, agreement: Agreement, expected_version: int | None = None, user=None, reason: str = "") -> None:
    """Delete an agreement with its timeline, rounds, progress and notes (they are owned by it)."""
    record_delete(agreement, expected_version=expected_version, user=user, reason=reason)


# --- The importer's bulk fast path (see services/bulk.py for the rules it keeps) ----------


STATUS_EVENT_IMPORT_FIELDS = ["planned", "note", "date_precision"]


def status_events_bulk_write(
    *, events: list[tuple[StatusEvent, list[Source]]], user=None, reason: str = ""
) -> bulk.BulkResult:
    """Upsert validated status events by (agreement, date, status) and recompute each agreement.

    New events go after the existing ones of the same day, in the order of the file.
    """
    result = bulk.BulkResult()
    with transaction.atomic():
        agreement_ids = {obj.agreement_id for obj, _ in events}
        stored = list(StatusEvent.objects.select_for_update().filter(agreement_id__in=agreement_ids))
        existing = {(e.agreement_id, e.date, e.status): e for e in stored}
        keyed = [((obj.agreement_id, obj.date, obj.status), obj) for obj, _ in events]
        new, changed, result.unchanged = bulk.split_changes(keyed, existing, STATUS_EVENT_IMPORT_FIELDS)
        top: dict[tuple[int, dt.date], int] = {}
        for e in stored:
            day = (e.agreement_id, e.date)
            top[day] = max(top.get(day, -1), e.sequence)
        for obj in new:
            day = (obj.agreement_id, obj.date)
            obj.sequence = top[day] = top.get(day, -1) + 1
        fast = (lambda *key: key, ["agreement_id", "date", "status"], {"agreement_id__in": agreement_ids})
        bulk.bulk_write(StatusEvent, new, changed, STATUS_EVENT_IMPORT_FIELDS, user=user, reason=reason, fast=fast)
        result.created, result.updated = len(new), len(changed)
        by_key = {**existing, **{(e.agreement_id, e.date, e.status): e for e in new}}
        pairs = [(by_key[(o.agreement_id, o.date, o.status)].pk, s) for o, sources in events for s in sources]
        bulk.citations_bulk_add(StatusEventSource, "event", pairs, user=user, reason=reason)
        for agreement in Agreement.objects.filter(pk__in=agreement_ids):
            agreement_status_recompute(agreement=agreement)
        result.agreements = agreement_ids
    return result
