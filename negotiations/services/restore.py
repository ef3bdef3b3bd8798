"""Restoring a backup (``negotiations.backup``) into an empty database: ``import_all``'s writer.

Every record comes back as it was written: its id (links to a round or a note keep working),
its created/updated times and its version. Every cell is checked first (type, choices,
length, references), and every problem is reported with file, line and column; only a backup
without one is written, in one transaction. Each restored record gets one "created" row in
the audit trail, stamped with the restore's time, user and reason.

User accounts and groups are not in a backup; they are named by username and group name.
A named group that the target lacks is created empty (a group grants nothing until a curator
adds members; the Curator and Official roles come from the migrations). A named account that
the target lacks is a refusal listing every such account, unless ``create_missing_users`` is
given: then each is created inactive, with an unusable password, for a curator to activate.
Nothing named in the backup is ever dropped silently.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.color import no_style
from django.db import DatabaseError, connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.models import HistoricalRecords

from ..backup.files import Backup, BackupError
from ..backup.tables import FALSE, TABLES, TEXT_FIELDS, TRUE, reference_key, text_from_cell
from .bulk import created_history_insert, insert_many

INTEGER = re.compile(r"-?\d+")


@dataclass
class RestoreReport:
    counts: dict[str, int] = field(default_factory=dict)
    users_created: list[str] = field(default_factory=list)
    groups_created: list[str] = field(default_factory=list)


class _BadCell(Exception):
    pass


def tables_in_use() -> list[str]:
    """The backup tables that already hold records here."""
    return [table.name for table in TABLES if table.model._base_manager.exists()]


def backup_restore(*, backup: Backup, create_missing_users: bool = False, user=None, reason: str = "") -> RestoreReport:
    """Write every record of ``backup`` into this empty database, all or nothing."""
    report = RestoreReport()
    reason = reason or _("Restored from the backup written at %(when)s") % {"when": backup.manifest.get("written_at")}
    with transaction.atomic():
        used = tables_in_use()
        if used:
            raise BackupError(
                [
                    _(
                        "The database is not empty (%(tables)s hold records): a backup is restored only into an "
                        "empty database, so that nothing here is overwritten or mixed with it. Create a new "
                        "database and run migrate, then import again."
                    )
                    % {"tables": ", ".join(used)}
                ]
            )
        accounts = _accounts_resolve(backup, create_missing_users, report)
        records = _records_parse(backup, accounts)
        try:
            _records_write(records, user=user, reason=reason)
        except DatabaseError as error:
            raise BackupError([_("The database refused the backup: %(error)s") % {"error": error}]) from None
        report.counts = {name: len(rows) for name, rows in records.items()}
    return report


# --- Accounts ---------------------------------------------------------------------------


def _names_referenced(backup: Backup, model) -> set[str]:
    names = set()
    for table in TABLES:
        data = backup.tables[table.name]
        for f in table.fields:
            if f.is_relation and f.related_model is model and f.name in data.columns:
                position = data.columns.index(f.name)
                names.update(cells[position] for _line, cells in data.rows if cells[position])
    return names


def _accounts_resolve(backup: Backup, create_missing_users: bool, report: RestoreReport) -> dict:
    """Map the usernames and group names the backup names to this database's ids, creating
    missing groups, and missing users only when asked to."""
    user_model = get_user_model()
    username = user_model.USERNAME_FIELD
    usernames = _names_referenced(backup, user_model)
    users = dict(user_model._base_manager.filter(**{f"{username}__in": usernames}).values_list(username, "pk"))
    missing = sorted(usernames - set(users))
    if missing and not create_missing_users:
        raise BackupError(
            [
                _(
                    "The backup names %(count)s user account(s) that this database does not have: %(names)s. "
                    "Accounts are not part of the backup: create them first (or copy them over as "
                    "docs/deployment.md, “Backups”, shows), or import again with --create-missing-users to "
                    "create them as inactive accounts without a usable password, for a curator to activate."
                )
                % {"count": len(missing), "names": ", ".join(missing)}
            ]
        )
    for name in missing:
        account = user_model(**{username: name}, is_active=False)
        account.set_unusable_password()
        account.save()
        users[name] = account.pk
    report.users_created = missing

    group_names = _names_referenced(backup, Group)
    groups = dict(Group.objects.filter(name__in=group_names).values_list("name", "pk"))
    for name in sorted(group_names - set(groups)):
        groups[name] = Group.objects.create(name=name).pk
        report.groups_created.append(name)
    return {user_model: users, Group: groups}


# --- Parsing ----------------------------------------------------------------------------


def _records_parse(backup: Backup, accounts: dict) -> dict[str, list[dict]]:
    """Every table's records as typed values by attname, references resolved to ids."""
    keys: dict = dict(accounts)  # model -> {reference cell: id}
    records: dict[str, list[dict]] = {}
    problems: list[str] = []
    for table in TABLES:
        data = backup.tables[table.name]
        file_name = backup.file_name(table.name)
        positions = {c: i for i, c in enumerate(data.columns)}
        key_name = reference_key(table.model)
        if table.model._meta.pk.name in positions:
            # This table's own references first: an agreement may name a predecessor further down.
            id_at, key_at = positions[table.model._meta.pk.name], positions.get(key_name)
            keys[table.model] = {
                (cells[id_at] if key_at is None else cells[key_at]): cells[id_at] for _line, cells in data.rows
            }
        rows = []
        for line, cells in data.rows:
            record = {}
            for f, nullable_text in zip(table.fields, table.nullable_text, strict=True):
                position = positions.get(f.name)
                try:
                    if position is None:
                        record[f.attname] = f.get_default()
                    elif f.is_relation:
                        record[f.attname] = _reference(f, cells[position], keys)
                    elif nullable_text:
                        record[f.attname] = _value(f, text_from_cell(cells[position]))
                    else:
                        record[f.attname] = _value(f, cells[position])
                except _BadCell as problem:
                    problems.append(f"{file_name}, " + _("line %(line)s") % {"line": line} + f", {f.name}: {problem}")
            rows.append(record)
        records[table.name] = rows
    if problems:
        raise BackupError(problems)
    return records


def _reference(f: models.ForeignKey, cell: str, keys: dict):
    if cell == "":
        if f.null:
            return None
        raise _BadCell(_("a value is required"))
    found = keys.get(f.related_model, {}).get(cell)
    if found is None:
        target = f.related_model._meta.verbose_name
        raise _BadCell(_("no %(target)s “%(key)s” in the backup") % {"target": target, "key": cell})
    if isinstance(found, str):
        if not INTEGER.fullmatch(found):
            raise _BadCell(_("“%(key)s” names a record whose id is not a number") % {"key": cell})
        return int(found)
    return found


def _value(f: models.Field, cell: str | None):
    """The value of ``cell`` for field ``f``, checked as strictly as the writer wrote it."""
    if cell is None or cell == "" and f.null and f.get_internal_type() not in TEXT_FIELDS:
        return None
    kind = f.get_internal_type()
    try:
        if kind == "BooleanField":
            if cell not in (TRUE, FALSE):
                raise ValueError
            value = cell == TRUE
        elif kind == "DateTimeField":
            value = dt.datetime.fromisoformat(cell)
            if timezone.is_naive(value):
                raise ValueError
        elif kind == "DateField":
            if len(cell) != 10:
                raise ValueError
            value = dt.date.fromisoformat(cell)
        elif kind.endswith(("IntegerField", "AutoField")):
            if not INTEGER.fullmatch(cell):
                raise ValueError
            value = int(cell)
        else:
            value = cell
    except ValueError:
        raise _BadCell(_("“%(value)s” is not a valid %(kind)s") % {"value": cell[:50], "kind": kind}) from None
    if f.choices and value not in {choice for choice, _label in f.flatchoices} and not (value == "" and f.blank):
        raise _BadCell(_("“%(value)s” is not one of the choices") % {"value": cell[:50]})
    if f.max_length and isinstance(value, str) and len(value) > f.max_length:
        raise _BadCell(_("longer than %(max)s characters") % {"max": f.max_length})
    return value


# --- Writing ----------------------------------------------------------------------------


def _records_write(records: dict[str, list[dict]], *, user, reason: str) -> None:
    now = timezone.now()
    for table in TABLES:
        insert_many(table.model, records[table.name])
    # Foreign keys are checked at commit; check them now, while a refusal can still be reported.
    connection.check_constraints(table_names=[t.model._meta.db_table for t in TABLES])
    with connection.cursor() as cursor:
        # Ids were written as they are in the backup: new records continue after the highest.
        for sql in connection.ops.sequence_reset_sql(no_style(), [t.model for t in TABLES]):
            cursor.execute(sql)
    for table in TABLES:
        if hasattr(table.model, "history") and records[table.name]:
            created_history_insert(table.model, records[table.name], when=now, user=user, reason=reason)
    _m2m_history_insert(when=now)


def _m2m_history_insert(*, when) -> None:
    """Many-to-many fields kept in the audit trail (an agreement's editors): each restored
    "created" row records the links the record was restored with."""
    for table in TABLES:
        model = table.model
        for m2m in model._meta.many_to_many:
            history_link = HistoricalRecords.m2m_models.get(m2m)
            if history_link is None:
                continue
            owner = m2m.m2m_field_name()
            links = list(m2m.remote_field.through._base_manager.values())
            if not links:
                continue
            history_ids = dict(
                model.history.filter(
                    history_date=when, history_type="+", id__in={link[f"{owner}_id"] for link in links}
                ).values_list("id", "history_id")
            )
            history_link.objects.bulk_create(
                [history_link(history_id=history_ids[link[f"{owner}_id"]], **link) for link in links],
                batch_size=500,
            )
