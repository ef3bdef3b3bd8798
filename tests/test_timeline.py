"""The timeline's drawing: status bands, spans that keep their precision, labels kept apart."""

import datetime as dt

import pytest

from negotiations.choices import AgreementStatus, DatePrecision
from negotiations.selectors import agreement_timeline
from negotiations.services import status_event_record
from negotiations.timeline import timeline_chart
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def agreement():
    return f.agreement("india-peru-ta")


def test_chart_draws_a_status_band_until_the_next_event_and_the_last_until_today(agreement):
    status_event_record(agreement=agreement, status=AgreementStatus.LAUNCHED, date=dt.date(2017, 1, 18))
    status_event_record(agreement=agreement, status=AgreementStatus.PAUSED, date=dt.date(2019, 12, 1))
    status_event_record(agreement=agreement, status=AgreementStatus.SIGNED, date=dt.date(2030, 1, 1), planned=True)
    chart = timeline_chart(agreement_timeline(agreement=agreement))
    launched, paused = chart.bands  # planned events make no band
    assert launched["x"] + launched["width"] == pytest.approx(paused["x"], abs=0.2)
    assert paused["ongoing"] and paused["x"] + paused["width"] == pytest.approx(chart.today_x, abs=0.2)
    xs = [tick["x"] for tick in chart.ticks]
    assert xs == sorted(xs) and chart.ticks[0]["label"] == "2017"


def test_chart_keeps_month_spans_wider_than_day_spans(agreement):
    f.round_(agreement, 1, start_date=dt.date(1990, 8, 1), end_date=None, date_precision=DatePrecision.MONTH)
    f.round_(agreement, 2, start_date=dt.date(2025, 11, 3), end_date=dt.date(2025, 11, 5))
    chart = timeline_chart(agreement_timeline(agreement=agreement))
    month, day = sorted(chart.rounds, key=lambda r: r["x"])
    assert month["width"] > day["width"]


def test_chart_moves_close_labels_to_another_row(agreement):
    f.round_(agreement, 9, start_date=dt.date(2025, 11, 3), end_date=None)
    f.round_(agreement, 10, start_date=dt.date(2025, 11, 10), end_date=None)
    first, second = timeline_chart(agreement_timeline(agreement=agreement)).rounds
    assert first["label_y"] != second["label_y"]


def test_chart_is_none_without_dated_entries(agreement):
    f.round_(agreement, 1, start_date=None, end_date=None)
    assert timeline_chart(agreement_timeline(agreement=agreement)) is None


def test_legend_keys_use_the_colours_the_chart_draws_in(agreement):
    from negotiations.choices import ROUND_STATUS_COLOUR, RoundStatus

    status_event_record(agreement=agreement, status=AgreementStatus.LAUNCHED, date=dt.date(2017, 1, 18))
    f.round_(agreement, 1, start_date=dt.date(2017, 8, 1), end_date=None)
    f.round_(agreement, 2, status=RoundStatus.PLANNED, start_date=dt.date(2031, 1, 1), end_date=None)
    chart = timeline_chart(agreement_timeline(agreement=agreement))
    keys = {(key["kind"], key["label"]): key for key in chart.legend}
    held = next(r for r in chart.rounds if not r["entry"].planned)
    assert keys[("round", "Held")]["colour"] == held["entry"].colour == ROUND_STATUS_COLOUR[RoundStatus.HELD]
    assert keys[("round", "Planned")]["planned"] and not keys[("round", "Held")]["planned"]
    assert keys[("status", "Negotiations launched")]["colour"] == chart.bands[0]["colour"]


def test_status_names_are_written_on_bands_wide_enough_for_them(agreement):
    status_event_record(agreement=agreement, status=AgreementStatus.LAUNCHED, date=dt.date(2010, 1, 18))
    status_event_record(agreement=agreement, status=AgreementStatus.PAUSED, date=dt.date(2010, 2, 1))
    status_event_record(agreement=agreement, status=AgreementStatus.UNDER_NEGOTIATION, date=dt.date(2010, 2, 10))
    launched, paused, negotiating = timeline_chart(agreement_timeline(agreement=agreement)).bands
    assert not launched["show_label"] and not paused["show_label"]  # a couple of weeks wide
    assert negotiating["show_label"] and negotiating["label_x"] > negotiating["x"]


def test_chart_names_undated_rounds_in_number_order_and_draws_only_dated_ones(agreement):
    f.round_(agreement, 1, start_date=dt.date(2019, 3, 4), end_date=None)
    f.round_(agreement, 2, start_date=None, end_date=None)
    f.round_(agreement, 3, start_date=None, end_date=None)
    f.round_(agreement, 4, start_date=dt.date(2021, 5, 10), end_date=None)
    chart = timeline_chart(agreement_timeline(agreement=agreement))
    assert [entry.obj.number for entry in chart.undated_rounds] == [2, 3]
    assert sorted(r["entry"].obj.number for r in chart.rounds) == [1, 4]
