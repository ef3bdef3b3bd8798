"""Writing a backup directory and reading it back, checked against its manifest.

A backup is one file per table (CSV or JSON) and ``manifest.json``: the format version, when
it was written, whether confidential notes are in it, and each file's row count and SHA-256.
The manifest is written last, so a directory without one holds no complete backup.
"""

from __future__ import annotations

import hashlib
import json
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..choices import Visibility
from ..interchange.reader import ImportFileError, RowError, csv_lines
from ..interchange.writer import csv_pieces
from .tables import NOTES, TABLES, cell_from_json

FORMAT = "trade-negotiation-tracker backup"
# Raise on any change a reader of an older version would misread; a missing column is not one
# (it restores as the field's default).
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
FORMATS = ("csv", "json")
NOT_INCLUDED = [
    "user accounts and groups (named by username and group name; see docs/deployment.md)",
    "the audit trail (django-simple-history)",
    "API tokens and sign-in lock-outs",
]


class BackupError(Exception):
    """The backup cannot be read or restored here; ``problems`` says why. Nothing was written."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass
class TableData:
    """One table as read: its file's columns and its records as ``(line, cells)``."""

    columns: list[str]
    rows: list[tuple[int, list[str]]] = field(default_factory=list)


@dataclass
class Backup:
    manifest: dict
    tables: dict[str, TableData]
    file_format: str

    def file_name(self, table: str) -> str:
        return f"{table}.{self.file_format}"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def backup_write(directory: Path, *, include_confidential: bool, file_format: str = "csv") -> dict:
    """Write every table into ``directory`` (created if needed) and return the manifest.

    All tables are read in one transaction, so the files agree with each other even while
    people keep writing (on PostgreSQL a read-only repeatable-read snapshot, which blocks nobody).
    """
    directory.mkdir(parents=True, exist_ok=True)
    (directory / MANIFEST).unlink(missing_ok=True)
    files = {}
    with _snapshot():
        written_at = timezone.now()
        for table in TABLES:
            queryset = table.queryset()
            if table.name == NOTES and not include_confidential:
                queryset = queryset.filter(visibility=Visibility.PUBLIC)
            path = directory / f"{table.name}.{file_format}"
            count = _table_write(path, table, table.values(queryset), file_format)
            files[path.name] = {"table": table.name, "rows": count, "sha256": _sha256(path)}
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "written_at": written_at.isoformat(),
        "file_format": file_format,
        "confidential_notes_included": include_confidential,
        "confidential_notes": (
            "included: keep this backup where only curators can read it"
            if include_confidential
            else "absent: written without --include-confidential, so notes.csv holds public notes only"
        ).replace("notes.csv", f"notes.{file_format}"),
        "not_included": NOT_INCLUDED,
        "files": files,
    }
    (directory / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return manifest


@contextmanager
def _snapshot():
    """One consistent read of the primary database that blocks no writer."""
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.in_atomic_block:  # the caller's transaction already is one
        yield
    elif connection.vendor == "postgresql":
        with transaction.atomic(using=DEFAULT_DB_ALIAS):
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield
    elif connection.vendor == "sqlite":
        # A deferred transaction reads one snapshot of the WAL without taking the write lock,
        # which the tracker's IMMEDIATE transactions would hold for the whole export.
        with connection.cursor() as cursor:
            cursor.execute("BEGIN DEFERRED")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("COMMIT")
    else:
        with transaction.atomic(using=DEFAULT_DB_ALIAS):
            yield


def _table_write(path: Path, table, values, file_format: str) -> int:
    count = 0

    def counted(rows):
        nonlocal count
        for row in rows:
            count += 1
            yield row

    with path.open("w", encoding="utf-8", newline="") as handle:
        if file_format == "csv":
            for piece in csv_pieces(table.columns, (table.cells(row) for row in counted(values))):
                handle.write(piece)
        else:
            handle.write("[")
            for row in counted(values):
                record = table.json_record(row)
                handle.write(("\n" if count == 1 else ",\n") + json.dumps(record, ensure_ascii=False))
            handle.write("\n]\n")
    return count


def backup_read(directory: Path) -> Backup:
    """Read and check a backup: manifest, version, every file's checksum and row count, and
    each file's columns. Raises :class:`BackupError` listing every problem."""
    manifest = _manifest_read(directory)
    file_format = manifest["file_format"]
    listed = manifest["files"]
    problems = []
    expected = {f"{table.name}.{file_format}": table for table in TABLES}
    for name in listed:
        if name not in expected:
            problems.append(_("The manifest lists %(file)s, which is no table of this tracker.") % {"file": name})
    tables = {}
    for name, table in expected.items():
        entry = listed.get(name)
        path = directory / name
        if not isinstance(entry, dict):
            problems.append(_("The manifest lists no %(file)s.") % {"file": name})
            continue
        if not path.is_file():
            problems.append(_("%(file)s is missing.") % {"file": name})
            continue
        found = _sha256(path)
        if found != entry.get("sha256"):
            problems.append(
                _(
                    "%(file)s does not match its checksum in the manifest: it was changed or damaged after the "
                    "backup was written (expected SHA-256 %(expected)s, found %(found)s)."
                )
                % {"file": name, "expected": entry.get("sha256"), "found": found}
            )
            continue
        try:
            data = _table_read(path, file_format)
        except ImportFileError as error:
            problems.extend(f"{name}, {e}" for e in error.errors)
            continue
        if len(data.rows) != entry.get("rows"):
            problems.append(
                _("%(file)s holds %(found)s records; the manifest says %(expected)s.")
                % {"file": name, "found": len(data.rows), "expected": entry.get("rows")}
            )
        unknown = [c for c in data.columns if c not in table.columns]
        if unknown:
            problems.append(
                _("%(file)s has columns this tracker does not have (%(columns)s): restoring would lose them.")
                % {"file": name, "columns": ", ".join(unknown)}
            )
        tables[table.name] = data
    if problems:
        raise BackupError(problems)
    return Backup(manifest=manifest, tables=tables, file_format=file_format)


def _manifest_read(directory: Path) -> dict:
    path = directory / MANIFEST
    if not path.is_file():
        raise BackupError([_("%(path)s is missing: this is not a complete backup.") % {"path": path}])
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BackupError([_("%(path)s is not readable JSON: %(error)s") % {"path": path, "error": error}]) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError([_("%(path)s is not the manifest of a tracker backup.") % {"path": path}])
    version = manifest.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise BackupError([_("The manifest's format version is not a positive whole number.")])
    if version > FORMAT_VERSION:
        raise BackupError(
            [
                _(
                    "This backup is in format version %(version)s, written by a newer tracker; this tracker reads "
                    "format versions up to %(supported)s. Upgrade the tracker, then import again."
                )
                % {"version": version, "supported": FORMAT_VERSION}
            ]
        )
    if manifest.get("file_format") not in FORMATS or not isinstance(manifest.get("files"), dict):
        raise BackupError([_("The manifest names no file format or no files.")])
    return manifest


def _table_read(path: Path, file_format: str) -> TableData:
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as error:
        raise ImportFileError([_row_error(0, _("not UTF-8 text (byte %(pos)s)") % {"pos": error.start})]) from None
    if file_format == "json":
        try:
            records = json.loads(text)
        except (json.JSONDecodeError, RecursionError) as error:
            raise ImportFileError([_row_error(getattr(error, "lineno", 0), _("not valid JSON"))]) from None
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            raise ImportFileError([_row_error(0, _("a table is a JSON list of objects, one per record"))])
        columns = list(dict.fromkeys(key for record in records for key in record))
        rows = [(n, [cell_from_json(r.get(c)) for c in columns]) for n, r in enumerate(records, 1)]
        return TableData(columns=columns, rows=rows)
    lines = csv_lines(text)
    try:
        _line, columns = next(lines)
    except StopIteration:
        raise ImportFileError([_row_error(1, _("empty file; the first line names the columns"))]) from None
    data = TableData(columns=columns)
    for line, cells in lines:
        if len(cells) != len(columns):
            raise ImportFileError(
                [
                    _row_error(
                        line,
                        _("%(found)s cells, expected %(expected)s") % {"found": len(cells), "expected": len(columns)},
                    )
                ]
            )
        data.rows.append((line, cells))
    return data


def _row_error(line: int, message: str) -> RowError:
    return RowError(line, "", message)
