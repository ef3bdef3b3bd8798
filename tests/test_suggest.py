"""/agreements/suggest.json: the agreement filter box's suggestions."""

import pytest

from tests import factories as f

pytestmark = pytest.mark.django_db

URL = "/agreements/suggest.json"


def suggest(client, q: str) -> list:
    response = client.get(URL, {"q": q})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    return response.json()


@pytest.fixture
def agreements():
    return {
        "ip": f.agreement("india-peru-ta", name="India–Peru Trade Agreement", short_name="India–Peru TA"),
        "ic": f.agreement("india-chile-cepa", ("IND", "CHL"), name="India–Chile CEPA", short_name=""),
        "mp": f.agreement("mexico-peru-tia", ("MEX", "PER"), name="Mexico–Peru Integration", short_name="TIA"),
    }


def test_matches_name_short_name_and_slug_case_insensitively_by_name(client, agreements):
    assert suggest(client, "PERU") == [
        {"slug": "india-peru-ta", "name": "India–Peru Trade Agreement"},
        {"slug": "mexico-peru-tia", "name": "Mexico–Peru Integration"},
    ]
    assert [row["slug"] for row in suggest(client, "tia")] == ["mexico-peru-tia"]  # short name and slug
    assert [row["slug"] for row in suggest(client, "Peru TA")] == ["india-peru-ta"]  # short name only
    assert [row["slug"] for row in suggest(client, "chile-ce")] == ["india-chile-cepa"]  # slug only
    assert suggest(client, "  cepa ") == [{"slug": "india-chile-cepa", "name": "India–Chile CEPA"}]


def test_empty_or_unmatched_text_gives_an_empty_list(client, agreements):
    assert suggest(client, "") == []
    assert suggest(client, "   ") == []
    assert client.get(URL).json() == []
    assert suggest(client, "atlantis") == []
    # A NUL in any URL is refused before a view runs, naming the parameter.
    refused = client.get(URL, {"q": "\x00"})
    assert refused.status_code == 400
    assert "q" in refused.content.decode()


def test_at_most_ten_in_one_query_however_many_match(client, django_assert_num_queries):
    for index in range(25):
        f.agreement(f"pacific-{index:02d}", name=f"Pacific {index:02d}")
    with django_assert_num_queries(2):  # the suggestions, and the data version (HTTP cache)
        rows = suggest(client, "pacific")
    assert [row["slug"] for row in rows] == [f"pacific-{index:02d}" for index in range(10)]


def test_get_only(client, agreements):
    assert client.post(URL, {"q": "peru"}).status_code == 405
    assert client.put(URL).status_code == 405
    assert client.head(URL, {"q": "peru"}).status_code == 200


def test_is_public_and_cacheable(client, agreements):
    response = client.get(URL, {"q": "peru"})
    assert "public" in response["Cache-Control"] and "max-age=60" in response["Cache-Control"]
