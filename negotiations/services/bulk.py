"""The bulk fast path's machinery, for the spreadsheet importer and the backup restore.

An import writes thousands of rows at once; one service call per row would take minutes (a
20,000-row rounds file: seconds here). So each row type's bulk write lives beside its one
writer, in the module that owns the row type and its rules: ``round_log.rounds_bulk_write``,
``progress.chapter_progress_bulk_write``, ``agreements.status_events_bulk_write``. They apply
the same rules as the per-row writers:

- the model's rules: the importer has checked each row against them before handing it over
  (the model's ``clean()`` where it has one, what ``clean_fields()`` would refuse, the
  file-wide natural keys), and the database's constraints still hold;
- the version: a changed row's ``version`` is bumped (:func:`split_changes`), so a form or API
  client holding the old one gets a conflict; imports do not check it (documented upsert);
- the audit trail: every created or changed row gets its history record, with the acting user
  and the reason (django-simple-history's bulk history, or :func:`created_history_insert`);
- the data version (HTTP caching): the connection bumps it on every write statement; COPY goes
  past the connection, but each bulk write starts with a locking read or an insert the
  connection sees, in the same transaction;
- everything in one transaction; a status event write recomputes its agreement's status.

This module holds what they share: creating sources by URL, adding citations, telling new rows
from changed ones, and inserting validated rows with their history straight through the driver.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import connection
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from ..models import Source


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


def citations_bulk_add(citation_model, owner_field: str, pairs: Iterable[tuple[int, Source]], *, user, reason) -> None:
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


def split_changes(objects: list, existing: dict, fields: list[str]) -> tuple[list, list, int]:
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


def bulk_write(model, new: list, changed: list, fields: list[str], *, user, reason: str, fast=None) -> None:
    """Create ``new`` and update ``changed`` (their ``fields``, version and ``updated_at``),
    each with its history record; ``fast``: (key, key fields, scope) to insert through
    :func:`_fast_create_with_history` instead of ``bulk_create``."""
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
