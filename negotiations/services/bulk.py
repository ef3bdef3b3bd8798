"""Bulk writes for the spreadsheet importer (``negotiations.interchange``).

The importer validates every row first, then hands the resolved values here. They write with
``bulk_create`` / ``bulk_update`` plus django-simple-history's bulk history (or straight
inserts of the validated rows), so a 10,000-row file lands in one transaction in seconds while
every row still gets its audit record (user and reason).
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from ..choices import Visibility
from ..models import (
    Agreement,
    ChapterProgress,
    ProgressNote,
    Round,
    RoundSource,
    Source,
    StatusEvent,
    StatusEventSource,
)
from .agreements import agreement_status_recompute


@dataclass
class BulkResult:
    """What a bulk write did, for the import report."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    agreements: set = field(default_factory=set)


def sources_for_urls(*, urls: Iterable[str], user=None, reason: str = "") -> dict[str, Source]:
    """The Source for each URL, creating (titled by its URL) the ones the tracker lacks."""
    wanted = {url for url in urls if url}
    found: dict[str, Source] = {}
    for source in Source.objects.filter(url__in=wanted).order_by("pk"):
        found.setdefault(source.url, source)
    missing = [Source(url=url, title=url) for url in sorted(wanted - set(found))]
    for source in bulk_create_with_history(
        missing, Source, batch_size=500, default_user=user, default_change_reason=reason
    ):
        found[source.url] = source
    return found


def _citations_bulk_add(citation_model, owner_field: str, pairs: Iterable[tuple[int, Source]], *, user, reason) -> None:
    """Add the (owner id, source) citations that do not exist yet; never removes any."""
    pairs = {(owner_id, source.pk) for owner_id, source in pairs}
    if not pairs:
        return
    owner_ids = {owner_id for owner_id, _ in pairs}
    existing = set(
        citation_model.objects.filter(**{f"{owner_field}_id__in": owner_ids}).values_list(
            f"{owner_field}_id", "source_id"
        )
    )
    new = [
        citation_model(**{f"{owner_field}_id": owner_id, "source_id": source_id})
        for owner_id, source_id in sorted(pairs - existing)
    ]
    bulk_create_with_history(new, citation_model, batch_size=500, default_user=user, default_change_reason=reason)


def _split_changes(objects: list, existing: dict, fields: list[str]) -> tuple[list, list, int]:
    """Separate new objects from changed existing ones (copied onto the stored instance)."""
    new, changed, unchanged = [], [], 0
    if objects:
        # Compare foreign keys by id (``venue_id``): reading ``venue`` would query each row.
        fields = [type(objects[0][1])._meta.get_field(name).attname for name in fields]
    for key, obj in objects:
        current = existing.get(key)
        if current is None:
            new.append(obj)
            continue
        if all(getattr(current, name) == getattr(obj, name) for name in fields):
            unchanged += 1
            obj.pk = current.pk
            continue
        for name in fields:
            setattr(current, name, getattr(obj, name))
        current.version = (current.version or 0) + 1
        changed.append(current)
        obj.pk = current.pk
    return new, changed, unchanged


def _adapters(fields) -> list:
    """One function per field turning a Python value into a query parameter for this database."""
    ops = connection.ops
    adapt = {"DateTimeField": ops.adapt_datetimefield_value, "DateField": ops.adapt_datefield_value}
    return [adapt.get(f.get_internal_type(), _same) for f in fields]


def _same(value):
    return value


def insert_many(model, rows: list[dict]) -> None:
    """Insert ``rows`` (attname → value): COPY on PostgreSQL, ``executemany`` elsewhere.

    ``bulk_create`` compiles every value through the ORM (about half a millisecond per round
    and history row here); the import's rows are already validated and typed, so they go
    straight to the driver. Runs inside the caller's transaction like any other query.
    """
    if not rows:
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key or f.attname in rows[0]]
    adapters = _adapters(fields)
    quote = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(model._meta.db_table),
        ", ".join(quote(f.column) for f in fields),
        ", ".join(["%s"] * len(fields)),
    )
    names = [f.attname for f in fields]
    params = [[a(row[n]) for a, n in zip(adapters, names, strict=True)] for row in rows]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY: PostgreSQL's bulk load, far faster than INSERTs (psycopg 3 adapts the values).
            columns = ", ".join(quote(f.column) for f in fields)
            # The driver's own cursor: its errors are wrapped here into Django's (IntegrityError…).
            copy_sql = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"
            with connection.wrap_database_errors, cursor.cursor.copy(copy_sql) as copy:
                for row in params:
                    copy.write_row(row)
        else:
            cursor.executemany(sql, params)


def _fast_create_with_history(model, objects: list, key, key_fields: list[str], scope: dict, *, user, reason) -> None:
    """Insert new, validated ``objects`` and their "created" history rows; set their pks.

    The pks are read back by natural key (``key(obj)`` must equal ``key`` of the stored
    values of ``key_fields``) among the rows of ``scope`` newer than the highest pk before.
    """
    if not objects:
        return
    now = timezone.now()
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    for obj in objects:
        for f in fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                setattr(obj, f.attname, now)
    before = model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    insert_many(model, [{f.attname: getattr(obj, f.attname) for f in fields} for obj in objects])
    stored = model.objects.filter(pk__gt=before, **scope).values_list("pk", *key_fields)
    pks = {key(*values[1:]): values[0] for values in stored}
    for obj in objects:
        obj.pk = pks[key(*[getattr(obj, name) for name in key_fields])]
        obj._state.adding = False
    created_history_insert(model, [obj.__dict__ for obj in objects], when=now, user=user, reason=reason)


def created_history_insert(model, rows: list[dict], *, when, user, reason: str) -> None:
    """Insert a "created" audit-trail row for each stored record of ``model`` given as
    ``rows`` (attname → value), stamped ``when`` with the acting user and reason."""
    history = model.history.model
    extra = {
        "history_date": when,
        "history_change_reason": reason or None,
        "history_type": "+",
        "history_user_id": user.pk if getattr(user, "is_authenticated", False) else None,
    }
    source_fields = [
        f.attname for f in history._meta.concrete_fields if f.attname not in extra and f.attname != "history_id"
    ]
    insert_many(history, [{**{n: row[n] for n in source_fields}, **extra} for row in rows])


def _write(model, new: list, changed: list, fields: list[str], *, user, reason: str, fast=None) -> None:
    if fast is not None:
        _fast_create_with_history(model, new, *fast, user=user, reason=reason)
    else:
        bulk_create_with_history(new, model, batch_size=500, default_user=user, default_change_reason=reason)
    if changed:
        extra = ["version"]
        if any(f.name == "updated_at" for f in model._meta.fields):
            now = timezone.now()
            for obj in changed:
                obj.updated_at = now
            extra.append("updated_at")
        bulk_update_with_history(
            changed, model, [*fields, *extra], batch_size=500, default_user=user, default_change_reason=reason
        )


ROUND_IMPORT_FIELDS = [
    "kind",
    "title",
    "venue",
    "venue_note",
    "format",
    "start_date",
    "end_date",
    "date_precision",
    "dates_note",
    "status",
    "summary",
    "chief_negotiators",
]


def round_key(agreement_id: int, number: int | None, kind: str, title: str) -> tuple:
    """A round's natural key: agreement + number, or agreement + kind + title without a number."""
    return (agreement_id, number, None, None) if number is not None else (agreement_id, None, kind, title)


def _round_key(r: Round) -> tuple:
    return round_key(r.agreement_id, r.number, r.kind, r.title)


def rounds_bulk_write(
    *, rounds: list[tuple[Round, list[Source]]], user=None, reason: str = ""
) -> tuple[BulkResult, dict[tuple[int, int], Round]]:
    """Upsert validated, unsaved rounds by natural key and add their sources (never removing one).

    Returns the result and the stored rounds by natural key.
    """
    result = BulkResult()
    with transaction.atomic():
        agreement_ids = {obj.agreement_id for obj, _ in rounds}
        existing = {}
        for r in Round.objects.select_for_update().filter(agreement_id__in=agreement_ids).order_by("pk"):
            existing.setdefault(_round_key(r), r)
        keyed = [(_round_key(obj), obj) for obj, _ in rounds]
        new, changed, result.unchanged = _split_changes(keyed, existing, ROUND_IMPORT_FIELDS)
        fast = (round_key, ["agreement_id", "number", "kind", "title"], {"agreement_id__in": agreement_ids})
        _write(Round, new, changed, ROUND_IMPORT_FIELDS, user=user, reason=reason, fast=fast)
        result.created, result.updated = len(new), len(changed)
        stored = {**existing, **{_round_key(obj): obj for obj in new}}
        pairs = [(stored[_round_key(obj)].pk, source) for obj, sources in rounds for source in sources]
        _citations_bulk_add(RoundSource, "round", pairs, user=user, reason=reason)
        result.agreements = agreement_ids
    return result, stored


def chapter_progress_bulk_write(
    *,
    progress: list[ChapterProgress],
    confidential_notes: list[ProgressNote],
    user=None,
    reason: str = "",
) -> BulkResult:
    """Upsert validated progress rows by (round, chapter); add confidential notes not yet there.

    A confidential note is added once: the same text on the same round and chapter is not
    duplicated when a file is imported again.
    """
    result = BulkResult()
    with transaction.atomic():
        round_ids = {obj.round_id for obj in progress} | {n.round_id for n in confidential_notes}
        existing = {
            (p.round_id, p.chapter_id): p
            for p in ChapterProgress.objects.select_for_update().filter(round_id__in=round_ids)
        }
        keyed = [((obj.round_id, obj.chapter_id), obj) for obj in progress]
        new, changed, result.unchanged = _split_changes(keyed, existing, ["status", "note"])
        fast = (lambda *key: key, ["round_id", "chapter_id"], {"round_id__in": round_ids})
        _write(ChapterProgress, new, changed, ["status", "note"], user=user, reason=reason, fast=fast)
        result.created, result.updated = len(new), len(changed)
        have = set(
            ProgressNote.objects.filter(round_id__in=round_ids, visibility=Visibility.CONFIDENTIAL).values_list(
                "round_id", "chapter_id", "text"
            )
        )
        notes = [n for n in confidential_notes if (n.round_id, n.chapter_id, n.text) not in have]
        for note in notes:
            note.author = user if getattr(user, "is_authenticated", False) else None
        bulk_create_with_history(notes, ProgressNote, batch_size=500, default_user=user, default_change_reason=reason)
        result.created += len(notes)
    return result


STATUS_EVENT_IMPORT_FIELDS = ["planned", "note", "date_precision"]


def status_events_bulk_write(
    *, events: list[tuple[StatusEvent, list[Source]]], user=None, reason: str = ""
) -> BulkResult:
    """Upsert validated status events by (agreement, date, status) and recompute each agreement.

    New events go after the existing ones of the same day, in the order of the file.
    """
    result = BulkResult()
    with transaction.atomic():
        agreement_ids = {obj.agreement_id for obj, _ in events}
        stored = list(StatusEvent.objects.select_for_update().filter(agreement_id__in=agreement_ids))
        existing = {(e.agreement_id, e.date, e.status): e for e in stored}
        keyed = [((obj.agreement_id, obj.date, obj.status), obj) for obj, _ in events]
        new, changed, result.unchanged = _split_changes(keyed, existing, STATUS_EVENT_IMPORT_FIELDS)
        top: dict[tuple[int, dt.date], int] = {}
        for e in stored:
            day = (e.agreement_id, e.date)
            top[day] = max(top.get(day, -1), e.sequence)
        for obj in new:
            day = (obj.agreement_id, obj.date)
            obj.sequence = top[day] = top.get(day, -1) + 1
        fast = (lambda *key: key, ["agreement_id", "date", "status"], {"agreement_id__in": agreement_ids})
        _write(StatusEvent, new, changed, STATUS_EVENT_IMPORT_FIELDS, user=user, reason=reason, fast=fast)
        result.created, result.updated = len(new), len(changed)
        by_key = {**existing, **{(e.agreement_id, e.date, e.status): e for e in new}}
        pairs = [(by_key[(o.agreement_id, o.date, o.status)].pk, s) for o, sources in events for s in sources]
        _citations_bulk_add(StatusEventSource, "event", pairs, user=user, reason=reason)
        for agreement in Agreement.objects.filter(pk__in=agreement_ids):
            agreement_status_recompute(agreement=agreement)
        result.agreements = agreement_ids
    return result
