"""A page's query count must not grow with the data: the same budget holds with 5 and 200 rounds.

The budgets are the counts measured for anonymous readers (plus a little slack for session and
permission lookups); an N+1 regression multiplies them at 200 rounds and fails here.
"""

import datetime as dt

import pytest

from negotiations.choices import ProgressStatus, RoundStatus, Visibility
from negotiations.models import ChapterProgress, ProgressNote, Round, RoundSource
from tests import factories as f

STATUSES = list(ProgressStatus)
CHAPTERS = ["TIG", "ROO", "SVC", "CRM", "DS"]


def build(rounds: int) -> dict:
    """Two agreements sharing ``rounds`` rounds, each round with chapters, notes and a source."""
    main = f.agreement("india-peru-ta", ("IND", "PER"), name="India–Peru Trade Agreement")
    other = f.agreement("india-chile-cepa", ("IND", "CHL"), name="India–Chile CEPA")
    chapters = [f.chapter(code) for code in CHAPTERS]
    venues = [f.venue("Lima", "PER"), f.venue("New Delhi", "IND"), f.venue("Santiago", "CHL")]
    source = f.source()
    start = dt.date(2017, 1, 2)
    objs = []
    for i in range(rounds):
        agreement = main if i % 4 else other
        objs.append(
            Round(
                agreement=agreement,
                number=i + 1,
                venue=venues[i % 3],
                start_date=start + dt.timedelta(days=14 * i),
                end_date=start + dt.timedelta(days=14 * i + 2),
                status=RoundStatus.PLANNED if i >= rounds - 2 else RoundStatus.HELD,
            )
        )
    created = Round.objects.bulk_create(objs)
    ChapterProgress.objects.bulk_create(
        ChapterProgress(round=r, chapter=c, status=STATUSES[(i + j) % len(STATUSES)])
        for i, r in enumerate(created)
        for j, c in enumerate(chapters[: 2 + i % 4])
    )
    ProgressNote.objects.bulk_create(
        [
            ProgressNote(round=r, chapter=chapters[i % 5], text=f"Public note {i} on minerals")
            for i, r in enumerate(created)
        ]
        + [
            ProgressNote(round=r, text=f"Confidential {i}", visibility=Visibility.CONFIDENTIAL)
            for i, r in enumerate(created)
        ]
    )
    RoundSource.objects.bulk_create(RoundSource(round=r, source=source) for r in created)
    return {"main": main, "round": created[len(created) // 2]}


def urls(data) -> dict[str, str]:
    return {
        "home": "/",
        "agreement-list": "/agreements/",
        "agreement-list-filtered": "/agreements/?party=IND&chapter=CRM",
        "agreement-detail": data["main"].get_absolute_url(),
        "agreement-export": f"/agreements/{data['main'].slug}/export.json",
        "round-list": "/rounds/",
        "round-list-filtered": "/rounds/?agreement=india-peru-ta&chapter=CRM&host_country=PER&start_after=2017",
        "round-detail": data["round"].get_absolute_url(),
        "chapter-list": "/chapters/",
        "chapter-detail": "/chapters/CRM/",
        "search": "/search/?q=minerals",
        "feed": "/feeds/rounds.atom",
        "calendar": "/calendar/rounds.ics?status=planned&status=held",
        "round-csv": "/rounds/?format=csv",
        "round-json": "/rounds/?format=json",
        "agreement-csv": "/agreements/?format=csv",
        "chapter-csv": "/chapters/CRM/?format=csv",
    }


# Measured with 5 and with 200 rounds (they are equal); the budget is the measured count, the
# first of which is the data version the HTTP cache reads (negotiations/http_cache.py).
BUDGET = {
    "home": 10,
    "agreement-list": 6,
    "agreement-list-filtered": 7,
    "agreement-detail": 11,  # with the audit trail's latest change for the header, the matrix's chapters once each
    "agreement-export": 15,
    "round-list": 6,  # the party and host-country drop-downs in one query, the chapter catalog once
    "round-list-filtered": 8,
    "round-detail": 6,
    "chapter-list": 5,
    "chapter-detail": 7,
    # Agreements, chapters (hits and catalog in one), rounds, whether more notes match than are
    # ranked, note ranks, the best notes in full; plus two small look-ups (venues, agreements) that
    # find candidate rounds on PostgreSQL; parties, and the chapters a code or synonym names
    # ("ROO", "rules of origin").
    "search": 10,
    "feed": 3,
    "calendar": 3,
    "round-csv": 3,
    "round-json": 3,
    "agreement-csv": 3,
    "chapter-csv": 3,
}


def consume(response) -> tuple[int, str]:
    """The status and the whole body (a streamed one read to its end, inside the count)."""
    if response.streaming:
        return response.status_code, b"".join(response.streaming_content).decode()
    return response.status_code, response.content.decode()


# What shows that the page did its work (the data listed, not an empty or error page). Exports
# and the chapter list name agreements by slug; the others by name.
BY_SLUG = {"chapter-list", "round-csv", "round-json", "agreement-csv", "chapter-csv"}


def shows_the_data(data: dict, page: str, body: str) -> bool:
    if page == "round-detail":
        return data["round"].agreement.name in body
    return ("india-peru-ta" if page in BY_SLUG else "India–Peru Trade Agreement") in body


@pytest.mark.parametrize("size", [5, 200])
@pytest.mark.parametrize("page", list(BUDGET))
def test_query_count_does_not_grow_with_the_data(client, db, django_assert_max_num_queries, size, page):
    data = build(size)
    url = urls(data)[page]
    with django_assert_max_num_queries(BUDGET[page]):
        status, body = consume(client.get(url))
    assert status == 200, url
    assert shows_the_data(data, page, body), url
    assert "Confidential" not in body  # an anonymous reader's page


@pytest.mark.parametrize("page", ["round-detail", "agreement-detail", "chapter-detail"])
def test_signed_in_official_adds_a_constant_number_of_queries(client, db, django_assert_max_num_queries, page):
    from negotiations import roles

    data = build(200)
    official = f.user(role=roles.OFFICIAL)
    data["main"].editors.add(official)
    client.force_login(official)
    with django_assert_max_num_queries(BUDGET[page] + 6):
        status, body = consume(client.get(urls(data)[page]))
    assert status == 200
    assert shows_the_data(data, page, body)
