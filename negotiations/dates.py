"""Dates that are known only to the month or the year.

A partial date is stored as a real ``date`` (the first day of the period it names) beside a
:class:`~negotiations.choices.DatePrecision`; it is always shown and exported with that
precision, so "Aug 2017" never turns into "1 Aug 2017".

Shown dates follow the reader's language ("3–5 Nov 2025" / "3–5 nov 2025", "Aug 2017" /
"ago 2017"); exports, the API and the import format use the ISO forms, whatever the language.
"""

import calendar
import datetime as dt
import re

from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.dates import MONTHS_3
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .choices import DatePrecision

PLAUSIBLE_MIN = dt.date(1900, 1, 1)
PLAUSIBLE_MAX = dt.date(2100, 12, 31)

_PARTIAL_DATE = re.compile(r"^(?P<year>\d{4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2}))?)?$")


def parse_partial_date(text: str) -> tuple[dt.date, str]:
    """Parse ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` into ``(date, precision)``.

    Raises ``ValueError`` with a readable message for anything else.
    """
    match = _PARTIAL_DATE.match(text.strip())
    if not match:
        raise ValueError(_("“%(value)s” is not a date; use YYYY, YYYY-MM or YYYY-MM-DD.") % {"value": text})
    year, month, day = match.group("year", "month", "day")
    precision = DatePrecision.DAY if day else DatePrecision.MONTH if month else DatePrecision.YEAR
    try:
        value = dt.date(int(year), int(month or 1), int(day or 1))
    except ValueError:
        raise ValueError(_("“%(value)s” is not a valid calendar date.") % {"value": text}) from None
    return value, precision


def range_precision(start_precision: str | None, end_precision: str | None) -> str | None:
    """The one precision of a date range (a round stores one): the end date must be written
    with the start date's. Raises ``ValueError`` with a readable message otherwise."""
    if start_precision and end_precision and start_precision != end_precision:
        raise ValueError(_("Write the end date with the same precision as the start date."))
    return start_precision or end_precision


def format_partial_date_iso(value: dt.date | None, precision: str) -> str:
    """The inverse of :func:`parse_partial_date`: ``2017-08`` for August 2017."""
    if value is None:
        return ""
    if precision == DatePrecision.YEAR:
        return f"{value:%Y}"
    if precision == DatePrecision.MONTH:
        return f"{value:%Y-%m}"
    return value.isoformat()


# Shown dates are Django's date formats "j M Y", "M Y" and "j M" ("3 Nov 2025"), except that
# Spanish writes abbreviated months in lower case ("3 nov 2025", "ago 2017": the "b" format
# character). Month names come from Django's own catalog for the language. Written out here:
# Django's general formatter costs about 25 µs a date, and a chapter page shows some 180.
_LOWER_CASE_MONTHS = frozenset({"es"})


def _month(value: dt.date) -> str:
    """The month's abbreviation in the reader's language: "Nov" ("M"), "nov" in Spanish ("b")."""
    name = str(MONTHS_3[value.month])
    return name if (get_language() or "en").split("-")[0] in _LOWER_CASE_MONTHS else name.title()


def format_partial_date(value: dt.date | None, precision: str) -> str:
    """Human form with the real precision: ``3 Nov 2025``, ``Aug 2017`` or ``2012`` (in Spanish
    ``3 nov 2025``, ``ago 2017``, ``2012``)."""
    if value is None:
        return ""
    if precision == DatePrecision.YEAR:
        return str(value.year)
    if precision == DatePrecision.MONTH:
        return f"{_month(value)} {value.year:04d}"
    return f"{value.day} {_month(value)} {value.year:04d}"


def format_shown_datetime(value: dt.datetime | None) -> str:
    """A moment for people, to the minute in the current time zone: ``3 Nov 2025, 14:05``."""
    if value is None:
        return ""
    from django.utils import timezone

    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return f"{format_partial_date(value, DatePrecision.DAY)}, {value:%H:%M}"


def format_date_range(start: dt.date | None, end: dt.date | None, precision: str) -> str:
    """``3–5 Nov 2025``, ``27 Oct – 2 Nov 2025``, ``Aug 2017`` or an empty string."""
    if start is None:
        return ""
    if end is None or end == start or precision != DatePrecision.DAY:
        if (
            end
            and precision != DatePrecision.DAY
            and format_partial_date(end, precision) != format_partial_date(start, precision)
        ):
            return f"{format_partial_date(start, precision)} – {format_partial_date(end, precision)}"
        return format_partial_date(start, precision)
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}–{format_partial_date(end, precision)}"
    if start.year == end.year:
        return f"{start.day} {_month(start)} – {format_partial_date(end, precision)}"
    return f"{format_partial_date(start, precision)} – {format_partial_date(end, precision)}"


def period_end(value: dt.date, precision: str) -> dt.date:
    """The last day of the period a partial date names (``2025-11`` → 30 Nov 2025)."""
    if precision == DatePrecision.YEAR:
        return value.replace(month=12, day=31)
    if precision == DatePrecision.MONTH:
        return value.replace(day=calendar.monthrange(value.year, value.month)[1])
    return value


def starts_on_or_after_q(day: dt.date, field: str = "start_date", precision_field: str = "date_precision") -> Q:
    """Dates on or after ``day``; a month- or year-precision date counts from its whole period."""
    return (
        Q(**{f"{field}__gte": day})
        | Q(**{precision_field: DatePrecision.MONTH, f"{field}__gte": day.replace(day=1)})
        | Q(**{precision_field: DatePrecision.YEAR, f"{field}__gte": day.replace(month=1, day=1)})
    )


def cursor_datetime(value) -> dt.datetime | None:
    """A timestamp as a raw database cursor returns it (SQLite: the text it stores), made aware."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if value is not None and timezone.is_naive(value):
        value = timezone.make_aware(value, dt.UTC)
    return value
