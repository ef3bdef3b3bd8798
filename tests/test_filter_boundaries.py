"""Date filters at their edges, through the API list: on the day, the day before and after,
and month/year precision at their first and last day. Turning ``>=`` into ``>`` (or ``<=`` into
``<``) in "starts on or after/before" fails here."""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from negotiations.choices import AgreementStatus, DatePrecision, RoundStatus
from negotiations.models import StatusEvent
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def rounds():
    agreement = f.agreement(slug="edges")
    days = ["2025-10-31", "2025-11-01", "2025-11-02", "2025-11-03", "2025-11-04", "2025-11-30", "2025-12-01"]
    for number, day in enumerate(days, start=1):
        start = dt.date.fromisoformat(day)
        f.round_(agreement, number=number, start_date=start, end_date=start)
    return agreement


def starts(query):
    response = APIClient().get(f"/api/rounds/?agreement=edges&{query}&page_size=100")
    assert response.status_code == 200, response.content[:300]
    return sorted(row["start_date"] for row in response.json()["results"])


def test_start_after_on_the_day_includes_the_day(rounds):
    assert starts("start_after=2025-11-03") == ["2025-11-03", "2025-11-04", "2025-11-30", "2025-12-01"]


def test_start_before_on_the_day_includes_the_day(rounds):
    assert starts("start_before=2025-11-03") == ["2025-10-31", "2025-11-01", "2025-11-02", "2025-11-03"]


def test_start_after_and_before_the_same_day_is_that_day(rounds):
    assert starts("start_after=2025-11-03&start_before=2025-11-03") == ["2025-11-03"]


def test_month_precision_covers_its_first_and_last_day(rounds):
    november = ["2025-11-01", "2025-11-02", "2025-11-03", "2025-11-04", "2025-11-30"]
    assert starts("start_after=2025-11&start_before=2025-11") == november


def test_year_precision_covers_its_first_and_last_day(rounds):
    agreement = f.agreement(slug="years")
    for number, day in enumerate(["2024-12-31", "2025-01-01", "2025-12-31", "2026-01-01"], start=1):
        start = dt.date.fromisoformat(day)
        f.round_(agreement, number=number, start_date=start, end_date=start)
    response = APIClient().get("/api/rounds/?agreement=years&start_after=2025&start_before=2025")
    assert sorted(row["start_date"] for row in response.json()["results"]) == ["2025-01-01", "2025-12-31"]


def test_a_month_precision_round_counts_from_its_whole_month(rounds):
    agreement = f.agreement(slug="partial")
    f.round_(agreement, number=1, start_date=dt.date(2025, 11, 1), end_date=None, date_precision=DatePrecision.MONTH)
    response = APIClient().get("/api/rounds/?agreement=partial&start_after=2025-11-30")
    assert len(response.json()["results"]) == 1
    response = APIClient().get("/api/rounds/?agreement=partial&start_after=2025-12-01")
    assert response.json()["results"] == []


def test_upcoming_includes_a_planned_round_starting_today(rounds):
    agreement = f.agreement(slug="soon")
    today = dt.date.today()
    f.round_(agreement, number=1, status=RoundStatus.PLANNED, start_date=today, end_date=today)
    f.round_(
        agreement,
        number=2,
        status=RoundStatus.PLANNED,
        start_date=today - dt.timedelta(days=1),
        end_date=today - dt.timedelta(days=1),
    )
    response = APIClient().get("/api/rounds/?agreement=soon&upcoming=1")
    assert [row["number"] for row in response.json()["results"]] == [1]


# --- A status reached between two dates (agreements) --------------------------------------


@pytest.fixture
def in_force_on_3_november():
    """One agreement in force on 3 Nov 2025 (signed in 2024), one other signed that day."""
    from negotiations.choices import AgreementStatus
    from negotiations.services import status_event_record

    agreement = f.agreement(slug="reached")
    status_event_record(agreement=agreement, status=AgreementStatus.SIGNED, date=dt.date(2024, 5, 2))
    status_event_record(agreement=agreement, status=AgreementStatus.IN_FORCE, date=dt.date(2025, 11, 3))
    other = f.agreement(slug="signed-that-day")
    status_event_record(agreement=other, status=AgreementStatus.SIGNED, date=dt.date(2025, 11, 3))
    return agreement


def reached(query):
    response = APIClient().get(f"/api/agreements/?reached_status=in_force&{query}&page_size=100")
    assert response.status_code == 200, response.content[:300]
    return [row["slug"] for row in response.json()["results"]]


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("reached_after=2025-11-03", True),  # on the day
        ("reached_after=2025-11-02", True),  # the day before
        ("reached_after=2025-11-04", False),  # the day after
        ("reached_before=2025-11-03", True),
        ("reached_before=2025-11-04", True),
        ("reached_before=2025-11-02", False),
        ("reached_after=2025-11-03&reached_before=2025-11-03", True),
        ("reached_after=2025-11-04&reached_before=2025-11-30", False),
        ("reached_after=2025-11&reached_before=2025-11", True),  # the month holds the day
        ("reached_after=2025&reached_before=2025", True),
        ("reached_after=2025-12", False),
        ("reached_before=2025-10", False),
    ],
)
def test_status_reached_between_dates_at_the_edges(in_force_on_3_november, query, found):
    assert reached(query) == (["reached"] if found else [])


def test_a_status_known_to_the_month_counts_from_its_whole_month():
    from negotiations.choices import AgreementStatus
    from negotiations.services import status_event_record

    agreement = f.agreement(slug="month-only")
    status_event_record(
        agreement=agreement,
        status=AgreementStatus.IN_FORCE,
        date=dt.date(2025, 11, 1),
        date_precision=DatePrecision.MONTH,
    )
    assert reached("reached_after=2025-11-30") == ["month-only"]
    assert reached("reached_after=2025-12-01") == []
    assert reached("reached_before=2025-11-01") == ["month-only"]
    assert reached("reached_before=2025-10-31") == []


def test_a_month_precision_status_event_counts_from_its_whole_month(db):
    agreement = f.agreement(slug="events")
    month = DatePrecision.MONTH
    StatusEvent.objects.create(
        agreement=agreement, status=AgreementStatus.LAUNCHED, date=dt.date(2017, 8, 1), date_precision=month
    )
    StatusEvent.objects.create(agreement=agreement, status=AgreementStatus.PAUSED, date=dt.date(2017, 8, 1), sequence=2)

    def statuses(query):
        response = APIClient().get(f"/api/status-events/?agreement=events&{query}")
        assert response.status_code == 200, response.content[:300]
        return sorted(row["status"] for row in response.json()["results"])

    # "Aug 2017" may have been any day of August; 1 August 2017 exactly was not after the 31st.
    assert statuses("date_after=2017-08-31") == [AgreementStatus.LAUNCHED]
    assert statuses("date_after=2017-08-01") == [AgreementStatus.LAUNCHED, AgreementStatus.PAUSED]
    assert statuses("date_after=2017-09-01") == []
