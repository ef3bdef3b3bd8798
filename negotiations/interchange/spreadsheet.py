"""Cells that a spreadsheet would run as a formula, made safe in every CSV the tracker writes
and restored by the importer (OWASP, "CSV injection").

A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a
leading apostrophe, which spreadsheets read as "this is text" and do not show. So does a cell
that already starts with an apostrophe: that keeps the rule reversible, since every written cell
that starts with an apostrophe then carries exactly one added apostrophe, which
:func:`restore_cell` takes off again (export → import is lossless). Plain numbers (``-12``,
``+3.5``, ``-1,200``) stay as they are: a spreadsheet computes nothing from them.

Not defusedcsv: it leaves a leading tab or carriage return alone, rewrites ``|`` inside the
cells it changes and leaves cells that already start with an apostrophe alone, so an importer
could not tell a neutralised cell from a typed one.
"""

import re

FORMULA_TRIGGERS = frozenset("=+-@\t\r")
TEXT_MARKER = "'"
PLAIN_NUMBER = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d+)?(?:[eE][+-]?\d+)?")


def neutralise_cell(value):
    """The cell as written to a CSV file (non-text values unchanged)."""
    if not isinstance(value, str) or not value:
        return value
    first = value[0]
    if first == TEXT_MARKER or (first in FORMULA_TRIGGERS and not _is_plain_number(value)):
        return TEXT_MARKER + value
    return value


def restore_cell(text: str) -> str:
    """The value a CSV cell written by :func:`neutralise_cell` stands for."""
    return text[1:] if text.startswith(TEXT_MARKER) else text


def _is_plain_number(value: str) -> bool:
    return any(char.isdigit() for char in value) and PLAIN_NUMBER.fullmatch(value) is not None
