"""Query budget per page and endpoint at two data sizes, with data from generate_synthetic.

The number of SQL queries a request sends must not grow with the tables (no N+1): it is the
same with 2 and with 6 synthetic agreements (40 and 120 rounds, 1,000 and 3,000 notes), and
never more than the budget of issue 6. bench/run.py measures the same endpoints at scale S and
L on PostgreSQL.
"""

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

BUDGET = 12
SMALL, LARGER = 0.002, 0.006  # fractions of scale L

ENDPOINTS = [
    "/agreements/?status=under_negotiation",
    "/agreements/synthetic-000001/",
    "/rounds/?chapter=ROO",
    "/chapters/ROO/",
    "/search/?q=cumulation",
    "/api/rounds/?chapter=ROO",
    "/rounds/?agreement=synthetic-000001&format=csv",
]


def queries_for(client, url: str, factor: float) -> int:
    call_command("generate_synthetic", factor=factor, seed=11, clear=True, verbosity=0)
    client.get(url)  # warm per-process caches (content types, translations)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
        if response.streaming:
            b"".join(response.streaming_content)  # a streaming export queries while it is read
    assert response.status_code == 200, url
    return len(captured.captured_queries)


@pytest.mark.django_db
@pytest.mark.parametrize("url", ENDPOINTS)
def test_queries_do_not_grow_with_the_data(client, settings, url):
    # The anonymous throttle counts across the whole test run; this test is about queries.
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_CLASSES": []}
    small = queries_for(client, url, SMALL)
    larger = queries_for(client, url, LARGER)
    assert small == larger, f"{url}: {small} queries with less data, {larger} with more"
    assert larger <= BUDGET, f"{url}: {larger} queries (budget {BUDGET})"
