"""Decoding an interchange file: CSV or JSON bytes into ``(line, row)`` pairs, with its header
checked against the kind's columns. Problems are :class:`RowError` with the line they are on."""

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass

from django.utils.translation import gettext as _

from tracker.input_guard import CONTROL_CHARACTERS, control_message, nul_message

from .columns import COLUMNS, LIST_SEPARATOR, OPTIONAL_COLUMNS
from .spreadsheet import restore_cell


@dataclass(frozen=True)
class RowError:
    """One problem: the line of the file (1 is the header; for JSON the record number), the
    column (empty for a whole-file or whole-row problem) and the reason."""

    line: int
    column: str
    message: str

    def __str__(self):
        where = _("line %(line)s") % {"line": self.line}
        if self.column:
            where += f", {self.column}"
        return f"{where}: {self.message}"


class ImportFileError(Exception):
    """The file as a whole cannot be read (format, encoding, header)."""

    def __init__(self, errors: list[RowError]):
        self.errors = errors
        super().__init__("; ".join(str(e) for e in errors))


def _cell(value) -> str:
    """JSON values as the text a spreadsheet cell would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return LIST_SEPARATOR.join(_cell(item) for item in value)
    return str(value)


MAX_JSON_DEPTH = 32  # a record is a list of objects of values or lists: far less deep
MAX_REPORTED = 20  # errors listed for one file


def _deepest_line(text: str) -> int | None:
    """The line where JSON nesting passes MAX_JSON_DEPTH (strings skipped), or None."""
    depth, line, in_string, escaped = 0, 1, False, False
    for char in text:
        if char == "\n":
            line += 1
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                return line
        elif char in "]}":
            depth -= 1
    return None


def _unsafe_characters(rows: list[tuple[int, dict[str, str]]]) -> list[RowError]:
    """NUL and other control characters (tab and line breaks aside) in any cell."""
    errors = []
    for line, row in rows:
        for column, value in row.items():
            if column != "__error__" and CONTROL_CHARACTERS.search(value):
                message = nul_message() if "\x00" in value else control_message()
                errors.append(RowError(line, column, message))
                if len(errors) >= MAX_REPORTED:
                    return errors
    return errors


def read_rows(data: bytes, *, fmt: str, kind: str) -> list[tuple[int, dict[str, str]]]:
    """Decode a CSV or JSON file into ``(line, row)`` pairs after checking its columns; a file
    with a NUL or other control character in a cell is refused whole, with each place named."""
    rows = _decode_rows(data, fmt=fmt, kind=kind)
    errors = _unsafe_characters(rows)
    if errors:
        raise ImportFileError(errors)
    return rows


def _decode_rows(data: bytes, *, fmt: str, kind: str) -> list[tuple[int, dict[str, str]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ImportFileError(
            [RowError(line, "", _("The file is not UTF-8 text (byte %(pos)s).") % {"pos": error.start})]
        ) from None
    if fmt == "json":
        deep = _deepest_line(text)
        if deep is not None:
            raise ImportFileError(
                [RowError(deep, "", _("Nested more than %(depth)s levels deep.") % {"depth": MAX_JSON_DEPTH})]
            )
        try:
            records = json.loads(text)
        except json.JSONDecodeError as error:
            raise ImportFileError(
                [RowError(error.lineno, "", _("Not valid JSON: %(msg)s") % {"msg": error.msg})]
            ) from None
        if isinstance(records, dict) and isinstance(records.get("rows"), list):
            records = records["rows"]
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            raise ImportFileError([RowError(0, "", _("A JSON import is a list of objects, one per row."))])
        header = list(dict.fromkeys(key for record in records for key in record)) if records else COLUMNS[kind]
        _check_header(header, kind, line=0)
        return [(index, {k: _cell(v).strip() for k, v in record.items()}) for index, record in enumerate(records, 1)]
    lines = csv_lines(text)
    try:
        _line, header = next(lines)
    except StopIteration:
        raise ImportFileError(
            [RowError(1, "", _("The file is empty; the first line must name the columns."))]
        ) from None
    header = [name.strip().lower() for name in header]
    _check_header(header, kind, line=1)
    rows = []
    for line, cells in lines:
        if not any(cell.strip() for cell in cells):
            continue  # blank lines (often at the end of a spreadsheet export)
        if len(cells) != len(header):
            rows.append(
                (
                    line,
                    {
                        "__error__": _("%(found)s cells, expected %(expected)s")
                        % {"found": len(cells), "expected": len(header)}
                    },
                )
            )
            continue
        rows.append((line, {name: cell.strip() for name, cell in zip(header, cells, strict=True)}))
    return rows


def csv_lines(text: str) -> Iterator[tuple[int, list[str]]]:
    """Every record of CSV ``text`` as ``(line, cells)``, the line being where the record ends.

    The tracker's one CSV reader, the counterpart of ``writer.csv_pieces``: whatever that writer
    does to a cell (quoting it, making a formula-like cell safe for spreadsheets) is undone here,
    so the interchange importer and the backup restore, which both read through it, get back
    exactly the values written."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        for cells in reader:
            yield reader.line_num, [restore_cell(cell) for cell in cells]
    except csv.Error as error:
        raise ImportFileError([RowError(reader.line_num, "", _("Unreadable CSV: %(msg)s") % {"msg": error})]) from None


def _check_header(header: list[str], kind: str, *, line: int) -> None:
    required, optional = COLUMNS[kind], OPTIONAL_COLUMNS[kind]
    errors = []
    seen = set()
    for name in header:
        if name in seen:
            errors.append(RowError(line, name, _("Column “%(name)s” appears twice.") % {"name": name}))
        seen.add(name)
        if name not in required and name not in optional:
            errors.append(
                RowError(
                    line,
                    name,
                    _("Unknown column “%(name)s” for %(kind)s; the columns are: %(columns)s.")
                    % {"name": name, "kind": kind, "columns": ", ".join(required + optional)},
                )
            )
    errors.extend(
        RowError(line, name, _("Missing column “%(name)s”.") % {"name": name}) for name in required if name not in seen
    )
    if errors:
        raise ImportFileError(errors)
