"""The record's data version: one counter that every write to the record moves on.

Pages, exports, feeds and API reads are a function of the record (plus language, URL and
audience), so the counter is all a validator needs: their ``ETag`` is derived from it, and the
shared cache keeps rendered pages and counts under keys that contain it. A write makes every
key new at once; nothing has to know which page showed what.

The counter lives in the database (``DataVersion``, one row), so every worker and every
process (site, API, admin, ``import_csv``, ``seed``, ``import_all``) sees the same value. It is
bumped by the database connection itself: every statement that writes a watched table (the
record's tables and the accounts' roles) first bumps the counter in the same transaction, so it
commits or rolls back with the write, and no door can forget it. A write outside a transaction
bumps right after it, never before: a reader must never see the new version with the old data.

Taking the counter's row lock first also orders the locks of concurrent writers (they queue on
it) instead of letting them deadlock on each other's rows.
"""

from __future__ import annotations

import datetime as dt
import re
from contextlib import contextmanager
from contextvars import ContextVar
from typing import NamedTuple

from django.db import connection as default_connection
from django.db import connections, router
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate, pre_migrate
from django.utils import timezone

from .dates import cursor_datetime

TABLE = "negotiations_dataversion"

# Tables whose rows pages and API reads show or depend on. ``auth_user`` is not watched: a
# sign-in stamps ``last_login`` there, and names or rights of accounts reach pages only through
# the watched role and editing-rights tables.
_WATCHED = re.compile(r"^(negotiations_(?!dataversion\b)\w+|auth_user_groups|auth_group\w*)$")
_WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)
# SELECT ... FOR UPDATE (Django writes it in capitals) locks rows like a write: the version's
# lock must come first there too.
_LOCKING_READ_TABLE = re.compile(r'\bFROM\s+"?(\w+)"?')


class Version(NamedTuple):
    number: int
    changed_at: dt.datetime | None


# Off while migrations run: the table may not exist yet, and no one is reading.
_active = True
# Set by the HTTP middleware for the duration of one read request: that request's view of the
# version, read once (the selectors' cached counts use it too).
_request_version: ContextVar[Version | None] = ContextVar("tracker_request_version", default=None)


def writes_watched_table(sql: str) -> bool:
    match = _WRITE.match(sql) or (_LOCKING_READ_TABLE.search(sql) if " FOR UPDATE" in sql else None)
    return bool(match and _WATCHED.match(match.group(1)))


def bump(connection=default_connection) -> None:
    """Move the version on (in the current transaction, if any)."""
    quote = connection.ops.quote_name
    changed_at = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(TABLE)} SET {quote('version')} = {quote('version')} + 1, {quote('changed_at')} = %s "
            f"WHERE {quote('id')} = 1",
            [changed_at],
        )
        if cursor.rowcount == 0:  # the row went with a flush of the database
            cursor.execute(
                f"INSERT INTO {quote(TABLE)} ({quote('id')}, {quote('version')}, {quote('changed_at')}) "
                "VALUES (1, 1, %s)",
                [changed_at],
            )


def _bump_on_write(execute, sql, params, many, context):
    connection = context["connection"]
    if not _active or not isinstance(sql, str) or not writes_watched_table(sql):
        return execute(sql, params, many, context)
    if connection.in_atomic_block:
        bump(connection)  # first: it commits or rolls back with the write
        return execute(sql, params, many, context)
    result = execute(sql, params, many, context)
    bump(connection)  # autocommit: after the write, so the new version never shows old data
    return result


def _install(sender, connection, **kwargs):
    if _bump_on_write not in connection.execute_wrappers:
        connection.execute_wrappers.append(_bump_on_write)


def _pause(sender, **kwargs):
    global _active
    _active = False


def _resume(sender, using="default", **kwargs):
    """After ``migrate`` (once per release): data migrations and the new release's templates
    change what pages show, so the version moves on then too."""
    global _active
    _active = True
    if getattr(sender, "label", None) != "negotiations":
        return  # sent once per app: bump once
    connection = connections[using]
    if TABLE in connection.introspection.table_names():
        bump(connection)


def connect_signals() -> None:
    """Bump the version on every connection's writes (called from the app's ``ready``)."""
    connection_created.connect(_install, dispatch_uid="data_version_install")
    pre_migrate.connect(_pause, dispatch_uid="data_version_pause")
    post_migrate.connect(_resume, dispatch_uid="data_version_resume")
    # A connection opened before ready() (rare: management commands' checks) gets it too.
    for connection in connections.all(initialized_only=True):
        _install(None, connection)


def read() -> Version:
    """The version as the database holds it now (one query, on the database reads go to).

    Plain SQL: every public read starts here, and the same read through the ORM took about
    ten times as long (3.6-5.8 ms against 0.34-0.37 ms per call on SQLite, on this two-core
    machine at a load average of 16; the ORM's cost is building the query).
    """
    from .models import DataVersion

    connection = connections[router.db_for_read(DataVersion)]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {quote('version')}, {quote('changed_at')} FROM {quote(TABLE)} WHERE {quote('id')} = 1")
        row = cursor.fetchone()
    if row is None:
        return Version(0, None)
    number, changed_at = row
    return Version(int(number), cursor_datetime(changed_at))


def current() -> Version:
    """The version for this request (read once per request), or read now outside one."""
    return _request_version.get() or read()


def pin(version: Version):
    """From now on in this context, ``current()`` answers ``version`` without a query; returns
    the token for ``unpin``."""
    return _request_version.set(version)


def unpin(token) -> None:
    _request_version.reset(token)


@contextmanager
def pinned(version: Version):
    """Within the block, ``current()`` answers ``version`` without a query."""
    token = pin(version)
    try:
        yield version
    finally:
        unpin(token)
