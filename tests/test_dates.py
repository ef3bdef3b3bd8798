import datetime as dt

import pytest

from negotiations.dates import format_date_range, format_partial_date, format_partial_date_iso, parse_partial_date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2017", (dt.date(2017, 1, 1), "year")),
        ("2017-08", (dt.date(2017, 8, 1), "month")),
        ("2025-11-03", (dt.date(2025, 11, 3), "day")),
    ],
)
def test_parse_partial_date_gives_precision_from_the_form(text, expected):
    assert parse_partial_date(text) == expected
    assert format_partial_date_iso(*expected) == text


@pytest.mark.parametrize("text", ["", "17-08", "2017-13", "2025-02-30", "3 Nov 2025", "2025/11/03"])
def test_parse_partial_date_rejects_other_forms(text):
    with pytest.raises(ValueError):
        parse_partial_date(text)


def test_month_precision_is_never_shown_as_the_first_day():
    assert format_partial_date(dt.date(2017, 8, 1), "month") == "Aug 2017"
    assert format_partial_date(dt.date(2012, 1, 1), "year") == "2012"


def test_ranges():
    assert format_date_range(dt.date(2025, 11, 3), dt.date(2025, 11, 5), "day") == "3–5 Nov 2025"
    assert format_date_range(dt.date(2025, 10, 27), dt.date(2025, 11, 2), "day") == "27 Oct – 2 Nov 2025"
    assert format_date_range(dt.date(2025, 12, 29), dt.date(2026, 1, 2), "day") == "29 Dec 2025 – 2 Jan 2026"
    assert format_date_range(dt.date(2026, 1, 1), None, "month") == "Jan 2026"
    assert format_date_range(None, None, "day") == ""


@pytest.mark.parametrize(
    ("start", "end", "precision", "english", "spanish"),
    [
        (dt.date(2025, 11, 3), dt.date(2025, 11, 5), "day", "3–5 Nov 2025", "3–5 nov 2025"),
        (dt.date(2025, 10, 27), dt.date(2025, 11, 2), "day", "27 Oct – 2 Nov 2025", "27 oct – 2 nov 2025"),
        (dt.date(2025, 12, 29), dt.date(2026, 1, 2), "day", "29 Dec 2025 – 2 Jan 2026", "29 dic 2025 – 2 ene 2026"),
        (dt.date(2017, 8, 1), None, "month", "Aug 2017", "ago 2017"),
        (dt.date(2025, 1, 1), None, "year", "2025", "2025"),
        (dt.date(2019, 4, 29), None, "day", "29 Apr 2019", "29 abr 2019"),
    ],
)
def test_shown_dates_follow_the_language_and_keep_the_precision(start, end, precision, english, spanish):
    from django.utils import translation

    with translation.override("en"):
        assert format_date_range(start, end, precision) == english
    with translation.override("es"):
        assert format_date_range(start, end, precision) == spanish
        # The machine form never changes with the language.
        assert (
            format_partial_date_iso(start, precision)
            == start.isoformat()[: {"day": 10, "month": 7, "year": 4}[precision]]
        )


@pytest.mark.parametrize("language", ["en", "es", "en-gb", "es-pe", "fr"])
def test_shown_dates_are_djangos_date_formats_in_every_month(language):
    """Shown dates are written out without Django's formatter, but must read exactly as its
    "j M Y", "M Y" and "j M" do ("j b Y", "b Y", "j b" in Spanish: months in lower case)."""
    from django.utils import translation
    from django.utils.formats import date_format

    day, month, day_month = ("j b Y", "b Y", "j b") if language.startswith("es") else ("j M Y", "M Y", "j M")
    with translation.override(language):
        for number in range(1, 13):
            start, end = dt.date(2025, number, 3), dt.date(2025, number, 5)
            assert format_partial_date(start, "day") == date_format(start, day)
            assert format_partial_date(start, "month") == date_format(start, month)
            assert format_date_range(start, end, "day") == f"3–{date_format(end, day)}"
            if number < 12:
                later = dt.date(2025, number + 1, 5)
                assert (
                    format_date_range(start, later, "day")
                    == f"{date_format(start, day_month)} – {date_format(later, day)}"
                )
