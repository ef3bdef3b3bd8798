"""The API and the site answer the same rows for the same query string: both use the
FilterSets of negotiations.filtersets with the same parameter names and default ordering.

Compared on the shipped seed data: the site's list export (``/rounds/?...&format=json``,
exactly the rows and order of the page) against every page of ``/api/rounds/?...``.
"""

import json
import re

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

ROUND_QUERIES = [
    "chapter=ROO",
    "chapter=roo",
    "party=PER",
    "party=ANDEAN&party_include_members=1",
    "party=IND&party=CHL",
    "status=held",
    "status=planned&status=postponed",
    "format=virtual",
    "kind=special",
    "start_after=2025",
    "start_before=2024-12",
    "start_after=2023-01-01&start_before=2025-06",
    "host_country=PER",
    "chapter=ROO&chapter_status=substantial_progress",
    "chapter_status=closed",
    "city=lima",
    "q=round",
    "agreement=india-peru-ta",
    "upcoming=1",
    "ordering=start_date",
    "ordering=-number",
]
AGREEMENT_QUERIES = [
    "party=PER",
    "status=under_negotiation",
    "kind=fta",
    "chapter=CRM",
    "q=peru",
    "ordering=-status_date",
    "reached_status=in_force&reached_after=2010&reached_before=2020",
    "reached_status=launched&reached_status=under_negotiation&reached_after=2024",
    "reached_before=2005",
]


@pytest.fixture(autouse=True)
def _clean_throttle():
    cache.clear()


def site_rows(client, path: str, query: str, key: str) -> list:
    response = client.get(f"{path}?{query}&format=json")
    assert response.status_code == 200, (query, response.content[:200])
    return [row[key] for row in json.loads(b"".join(response.streaming_content))]


def api_rows(client, path: str, query: str, key: str) -> list:
    rows, url = [], f"{path}?{query}&page_size=500"
    while url:
        response = client.get(url)
        assert response.status_code == 200, (query, response.content[:200])
        data = response.json()
        rows += [row[key] for row in data["results"]]
        url = data["next"]
    return rows


# One test per list rather than one per query: loading the seed data dominates the run time.


def test_rounds_same_rows_as_the_site(seeded):
    client = APIClient()
    for query in ROUND_QUERIES:
        assert site_rows(client, "/rounds/", query, "id") == api_rows(client, "/api/rounds/", query, "id"), query


def test_the_parity_queries_are_not_trivial(seeded):
    """Guard against comparing empty lists: the main filters select some rows but not all."""
    client = APIClient()
    everything = len(api_rows(client, "/api/rounds/", "", "id"))
    for query in ["chapter=ROO", "party=PER", "status=held", "format=virtual", "start_after=2025"]:
        assert 0 < len(api_rows(client, "/api/rounds/", query, "id")) < everything, query


def test_rounds_page_itself_shows_the_api_rows(seeded):
    """The HTML list's first page holds the API's first rows, in the same order."""
    from negotiations.views import PAGE_SIZE

    client = APIClient()
    page = client.get("/rounds/?chapter=ROO").content.decode()
    shown = list(dict.fromkeys(int(pk) for pk in re.findall(r'href="/rounds/(\d+)/"', page)))
    expected = api_rows(client, "/api/rounds/", "chapter=ROO", "id")
    assert len(expected) > 1
    assert shown == expected[:PAGE_SIZE]


def test_agreements_same_rows_as_the_site(seeded):
    client = APIClient()
    everything = len(api_rows(client, "/api/agreements/", "", "slug"))
    for query in AGREEMENT_QUERIES:
        site = site_rows(client, "/agreements/", query, "slug")
        assert site == api_rows(client, "/api/agreements/", query, "slug"), query
        if query.startswith("reached_"):  # the date filter selects some agreements but not all
            assert 0 < len(site) < everything, query


def test_invalid_filters_are_400_on_both(seeded):
    client = APIClient()
    for query in ["chapter=XYZ", "start_after=2025-13", "status=happened", "party=ZZZ", "format=pdf"]:
        assert client.get(f"/rounds/?{query}&format=json").status_code == 400, query
        assert client.get(f"/api/rounds/?{query}").status_code == 400, query
