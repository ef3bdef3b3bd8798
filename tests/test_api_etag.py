"""Optimistic concurrency over the API: ETag on GET, If-Match on PUT/PATCH/DELETE.

A stale If-Match answers 412 and changes nothing; a missing one answers 428; ``*`` skips the
check; weak tags never match (RFC 9110).
"""

import datetime as dt

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from negotiations import roles, services
from negotiations.choices import AgreementStatus
from negotiations.models import Agreement, ChapterProgress, ProgressNote, Round, StatusEvent
from tests import factories as f


@pytest.fixture(autouse=True)
def _fast(settings):
    cache.clear()
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def curator(db):
    client = APIClient()
    client.force_authenticate(f.user(role=roles.CURATOR))
    return client


@pytest.fixture
def records(db):
    agreement = f.agreement(slug="alpha", summary="original")
    round_obj = f.round_(agreement, summary="original")
    progress = f.progress(round_obj, "ROO", note="original")
    note = f.note(round_obj, "original")
    event = services.status_event_record(
        agreement=agreement, status=AgreementStatus.LAUNCHED, date=dt.date(2017, 1, 18), note="original"
    )
    return {
        "agreement": ("/api/agreements/alpha/", "summary", lambda: Agreement.objects.get(slug="alpha").summary),
        "round": (f"/api/rounds/{round_obj.pk}/", "summary", lambda: Round.objects.get(pk=round_obj.pk).summary),
        "progress": (
            f"/api/chapter-progress/{progress.pk}/",
            "note",
            lambda: ChapterProgress.objects.get(pk=progress.pk).note,
        ),
        "note": (f"/api/notes/{note.pk}/", "text", lambda: ProgressNote.objects.get(pk=note.pk).text),
        "event": (f"/api/status-events/{event.pk}/", "note", lambda: StatusEvent.objects.get(pk=event.pk).note),
    }


KINDS = ["agreement", "round", "progress", "note", "event"]


@pytest.mark.parametrize("kind", KINDS)
def test_get_detail_has_the_version_as_etag(curator, records, kind):
    url, _field, _read = records[kind]
    response = curator.get(url)
    assert response["ETag"] == f'"v{response.json()["version"]}"'


@pytest.mark.parametrize("kind", KINDS)
def test_matching_if_match_updates_and_returns_the_new_etag(curator, records, kind):
    url, field, read = records[kind]
    etag = curator.get(url)["ETag"]
    response = curator.patch(url, {field: "changed"}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 200, response.content
    assert read() == "changed"
    assert response["ETag"] != etag
    assert response["ETag"] == curator.get(url)["ETag"]


@pytest.mark.parametrize("kind", KINDS)
def test_stale_if_match_is_412_and_changes_nothing(curator, records, kind):
    url, field, read = records[kind]
    stale = curator.get(url)["ETag"]
    assert curator.patch(url, {field: "first"}, format="json", HTTP_IF_MATCH=stale).status_code == 200
    current = curator.get(url)["ETag"]

    for method in (curator.patch, curator.put):
        response = method(url, {field: "second"}, format="json", HTTP_IF_MATCH=stale)
        assert response.status_code == 412
        assert response["ETag"] == current
        assert f'"v{response.json()["current_version"]}"' == current
    assert curator.delete(url, HTTP_IF_MATCH=stale).status_code == 412
    assert read() == "first"
    assert curator.get(url)["ETag"] == current


@pytest.mark.parametrize("kind", KINDS)
def test_missing_if_match_is_428_and_changes_nothing(curator, records, kind):
    url, field, read = records[kind]
    assert curator.patch(url, {field: "changed"}, format="json").status_code == 428
    assert curator.delete(url).status_code == 428
    assert read() == "original"


def test_star_skips_the_check_and_weak_tags_never_match(curator, records):
    url, field, read = records["round"]
    etag = curator.get(url)["ETag"]
    assert curator.patch(url, {field: "weak"}, format="json", HTTP_IF_MATCH=f"W/{etag}").status_code == 412
    assert read() == "original"
    assert curator.patch(url, {field: "star"}, format="json", HTTP_IF_MATCH="*").status_code == 200
    assert read() == "star"


def test_one_of_several_tags_may_match(curator, records):
    url, field, read = records["round"]
    etag = curator.get(url)["ETag"]
    response = curator.patch(url, {field: "listed"}, format="json", HTTP_IF_MATCH=f'"v999", {etag}')
    assert response.status_code == 200
    assert read() == "listed"


def test_a_write_that_loses_the_race_inside_the_transaction_is_412(curator, records, monkeypatch):
    """The header check and the write are separate steps: the service re-checks the version in
    its transaction, so a change landing between them is refused too."""
    url, field, read = records["round"]
    etag = curator.get(url)["ETag"]
    real_update = services.round_update

    def concurrent_then_update(**kwargs):
        Round.objects.filter(pk=kwargs["round"].pk).update(version=kwargs["round"].version + 1, summary="theirs")
        return real_update(**kwargs)

    monkeypatch.setattr(services, "round_update", concurrent_then_update)
    response = curator.patch(url, {field: "mine"}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 412
    # (The simulated rival write ran inside the request's transaction, so it is rolled back too.)
    assert read() != "mine"


def test_stale_delete_of_a_round_keeps_its_chapters(curator, records):
    url, field, _read = records["round"]
    stale = curator.get(url)["ETag"]
    curator.patch(url, {field: "moved on"}, format="json", HTTP_IF_MATCH=stale)
    assert curator.delete(url, HTTP_IF_MATCH=stale).status_code == 412
    assert ChapterProgress.objects.count() == 1
    assert ProgressNote.objects.count() == 1
