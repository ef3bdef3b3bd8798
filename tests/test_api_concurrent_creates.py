"""Concurrent creates of the same key through the API, on PostgreSQL: several clients released
together POST the same chapter row, or the same round number. Exactly one gets 201, the others
409 naming the winner, and the winner's values are the ones stored: the database's unique
constraint decides inside each write's transaction, not a check before it. 20 bursts each.

(SQLite has one writer at a time, so its creates never overlap; CI runs this on PostgreSQL.)
"""

import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from negotiations import roles
from negotiations.choices import ProgressStatus
from negotiations.models import ChapterProgress, Round
from tests import factories as f

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs concurrent writers; CI runs this on PostgreSQL"
)

CLIENTS = 5
BURSTS = 20


@pytest.fixture
def officials(transactional_db):
    roles.roles_ensure()
    agreement = f.agreement(slug="alpha", parties=("IND", "PER"))
    users = [f.user(f"official{i}", role=roles.OFFICIAL) for i in range(CLIENTS)]
    agreement.editors.add(*users)
    return agreement, users


def _burst(users, url, payloads) -> list[tuple[int, dict, str]]:
    """Every user POSTs its payload at the same moment, each thread on its own connection."""
    barrier = threading.Barrier(len(users))
    results: list = [None] * len(users)

    def post(index):
        client = APIClient()
        client.force_authenticate(users[index])
        try:
            barrier.wait(timeout=10)
            response = client.post(url, payloads[index], format="json")
            results[index] = (response.status_code, response.json(), users[index].username)
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(i,)) for i in range(len(users))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def _one_winner(results) -> tuple[dict, str]:
    codes = sorted(code for code, _body, _user in results)
    assert codes == [201] + [409] * (len(results) - 1), results
    winner = next((body, user) for code, body, user in results if code == 201)
    for code, body, _user in results:
        if code == 409:
            assert body["existing"]["url"] == winner[0]["url"]
    return winner


def test_concurrent_creates_of_the_same_chapter_row(officials):
    agreement, users = officials
    chapters = [f.chapter(f"C{n:02d}") for n in range(BURSTS)]
    round_obj = f.round_(agreement, number=1)
    for chapter in chapters:
        payloads = [
            {
                "round": round_obj.pk,
                "chapter": chapter.code,
                "status": ProgressStatus.CLOSED,
                "note": f"by {u.username}",
            }
            for u in users
        ]
        (body, username) = _one_winner(_burst(users, "/api/chapter-progress/", payloads))
        row = ChapterProgress.objects.get(round=round_obj, chapter=chapter)
        assert (row.pk, row.note, row.version) == (body["id"], f"by {username}", 1)
        assert [h.history_type for h in row.history.all()] == ["+"]
        assert row.history.get().history_user.username == username


def test_concurrent_creates_of_the_same_round_number(officials):
    agreement, users = officials
    for number in range(1, BURSTS + 1):
        payloads = [{"agreement": "alpha", "number": number, "summary": f"by {u.username}"} for u in users]
        (body, username) = _one_winner(_burst(users, "/api/rounds/", payloads))
        stored = Round.objects.get(agreement=agreement, number=number)
        assert (stored.pk, stored.summary, stored.version) == (body["id"], f"by {username}", 1)
        assert stored.history.count() == 1
