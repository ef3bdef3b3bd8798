"""The coverage page (/about/coverage/): what the tracker holds, per party and per agreement."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from negotiations.choices import RoundsCoverage, RoundStatus
from tests import factories

pytestmark = pytest.mark.django_db


def _agreements(count, start=0):
    for n in range(start, start + count):
        agreement = factories.agreement(
            slug=f"cov-{n}",
            parties=("IND", "PER") if n % 2 else ("MEX", "KOR"),
            rounds_coverage=RoundsCoverage.PARTIAL if n % 3 else RoundsCoverage.COMPLETE,
            coverage_note=f"Rounds 1–{n} not found in public sources.",
            coverage_checked_on=dt.date(2026, 11, 24),
        )
        factories.round_(agreement, 1, start_date=dt.date(2019, 5, 1), end_date=None)
        factories.round_(agreement, 2, start_date=dt.date(2024, 5, 1), end_date=None)
        factories.round_(agreement, 3, start_date=dt.date(2027, 1, 1), end_date=None, status=RoundStatus.PLANNED)


def test_the_page_shows_each_agreement_and_party_with_its_round_record(client):
    _agreements(3)
    factories.source(url="", note="No public copy found.")
    page = client.get(reverse("coverage"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Rounds 1–2 not found in public sources." in html and "24 Nov 2026" in html
    rows = {row["party"].code: row for row in page.context["party_rows"]}
    assert (rows["IND"]["agreements"], rows["IND"]["rounds"]) == (1, 3)
    assert dict(rows["MEX"]["coverage"])[RoundsCoverage.COMPLETE.label] == 1
    assert dict(rows["MEX"]["coverage"])[RoundsCoverage.PARTIAL.label] == 1
    agreement = next(a for a in page.context["page_obj"] if a.slug == "cov-1")
    assert (agreement.held_count, agreement.planned_count) == (2, 1)
    assert (agreement.first_round, agreement.last_round) == (dt.date(2019, 5, 1), dt.date(2024, 5, 1))
    assert page.context["totals"]["sources"] == 1 and page.context["totals"]["linked_sources"] == 0


def test_the_footer_links_to_it(client):
    assert reverse("coverage") in client.get(reverse("home")).content.decode()


def test_query_count_does_not_grow_with_the_data(client):
    _agreements(2)
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("coverage"))
    _agreements(8, start=2)
    with CaptureQueriesContext(connection) as large:
        assert client.get(reverse("coverage")).status_code == 200
    assert len(large) == len(small) <= 12
