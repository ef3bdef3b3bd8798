"""A create is a create: a POST whose natural key exists answers 409 naming the record (its URL
and ETag) and changes nothing; an integrity error anywhere in a write answers 409/400 with the
field, never 500; a retried note POST with the same Idempotency-Key does not store it twice;
and all of it holds under a real WSGI server (Django's development server), whose header checks
the test client does not make."""

import json
import urllib.error
import urllib.request

import pytest
from django.db import IntegrityError, connection
from knox.models import AuthToken
from rest_framework.test import APIClient

from negotiations import roles
from negotiations.choices import ProgressStatus, RoundFormat
from negotiations.models import (
    DUPLICATE_CHAPTER_MESSAGE,
    DUPLICATE_NUMBER_MESSAGE,
    VIRTUAL_VENUE_MESSAGE,
    Agreement,
    ChapterProgress,
    ProgressNote,
    Round,
)
from negotiations.services import AlreadyExists
from negotiations.services.common import integrity_error_as_validation
from tests import factories as f


@pytest.fixture
def official(db):
    user = f.user("ana", role=roles.OFFICIAL)
    agreement = f.agreement(slug="alpha", parties=("IND", "PER"))
    agreement.editors.add(user)
    return user


@pytest.fixture
def api(official):
    client = APIClient()
    client.force_authenticate(official)
    return client


# --- 409 for a natural key that exists ---------------------------------------------------------


def test_posting_an_existing_round_number_is_409_naming_the_round(api):
    existing = f.round_(Agreement.objects.get(slug="alpha"), number=4, summary="theirs")
    response = api.post("/api/rounds/", {"agreement": "alpha", "number": 4, "summary": "mine"}, format="json")
    assert response.status_code == 409
    body = response.json()
    assert body["number"] == [DUPLICATE_NUMBER_MESSAGE]
    assert body["existing"] == {"url": f"http://testserver/api/rounds/{existing.pk}/", "etag": '"v1"'}
    existing.refresh_from_db()
    assert (existing.summary, existing.version, Round.objects.count()) == ("theirs", 1, 1)


def test_posting_an_existing_chapter_row_is_409_and_never_updates_it(api):
    round_obj = f.round_(Agreement.objects.get(slug="alpha"), number=4)
    row = f.progress(round_obj, "ROO", ProgressStatus.TEXT_EXCHANGED, note="theirs")
    payload = {"round": round_obj.pk, "chapter": "ROO", "status": ProgressStatus.CLOSED, "note": "mine"}
    response = api.post("/api/chapter-progress/", payload, format="json")
    assert response.status_code == 409
    assert response.json()["chapter"] == [DUPLICATE_CHAPTER_MESSAGE]
    assert response.json()["existing"]["url"].endswith(f"/api/chapter-progress/{row.pk}/")
    row.refresh_from_db()
    assert (row.status, row.note, row.version) == (ProgressStatus.TEXT_EXCHANGED, "theirs", 1)
    assert row.history.count() == 1


def test_posting_an_existing_agreement_slug_is_409(db):
    curator = f.user("cora", role=roles.CURATOR)
    client = APIClient()
    client.force_authenticate(curator)
    existing = f.agreement(slug="beta", name="Theirs")
    payload = {"slug": "beta", "name": "Mine", "kind": "fta", "parties": ["IND"]}
    response = client.post("/api/agreements/", payload, format="json")
    assert response.status_code == 409
    assert response.json()["existing"]["url"].endswith("/api/agreements/beta/")
    existing.refresh_from_db()
    assert existing.name == "Theirs"


def test_posting_an_existing_status_event_is_409_naming_it(api):
    from negotiations.choices import AgreementStatus
    from negotiations.models import STATUS_EVENT_KEY_MESSAGE, StatusEvent

    payload = {"agreement": "alpha", "status": AgreementStatus.LAUNCHED, "date": "2019-03-01", "note": "first"}
    first = api.post("/api/status-events/", payload, format="json")
    assert first.status_code == 201, first.json()
    # The same key again, planned or not and whatever its note: the same event, not a second one.
    again = api.post("/api/status-events/", {**payload, "planned": True, "note": "retried"}, format="json")
    assert again.status_code == 409
    assert again.json()["date"] == [STATUS_EVENT_KEY_MESSAGE]
    assert again.json()["existing"] == {"url": first.json()["url"], "etag": '"v1"'}
    event = StatusEvent.objects.get()
    assert (event.note, event.planned, event.version) == ("first", False, 1)


# --- Integrity errors inside a write ---------------------------------------------------------


def test_a_check_constraint_reached_inside_a_service_is_400_on_its_field(api, monkeypatch):
    """With the model's Python rule switched off, the database constraint refuses the row; the
    service reports the same rule on the same field."""
    monkeypatch.setattr(Round, "clean", lambda self: None)
    payload = {"agreement": "alpha", "number": 4, "format": RoundFormat.VIRTUAL, "city": "Lima", "country": "PER"}
    response = api.post("/api/rounds/", payload, format="json")
    assert response.status_code == 400
    assert response.json() == {"format": [VIRTUAL_VENUE_MESSAGE]}
    assert not Round.objects.exists()


def test_a_unique_violation_found_only_by_the_database_is_409_on_its_field(api, monkeypatch):
    """A rival row committed between any look-up and the insert: only the database knows."""
    f.round_(Agreement.objects.get(slug="alpha"), number=4)
    monkeypatch.setattr("negotiations.services.common._unique_clash", lambda instance: None)
    response = api.post("/api/rounds/", {"agreement": "alpha", "number": 4}, format="json")
    assert response.status_code == 409
    assert response.json()["number"] == [DUPLICATE_NUMBER_MESSAGE]
    assert Round.objects.count() == 1


def test_an_integrity_error_outside_the_services_is_not_a_500(api, monkeypatch):
    def broken(*args, **kwargs):
        raise IntegrityError("NOT NULL constraint failed: negotiations_progressnote.text")

    monkeypatch.setattr("negotiations.services.note_add", broken)
    round_obj = f.round_(Agreement.objects.get(slug="alpha"), number=4)
    response = api.post("/api/notes/", {"round": round_obj.pk, "text": "x"}, format="json")
    assert response.status_code == 400
    assert "non_field_errors" in response.json()


@pytest.mark.django_db
def test_the_databases_own_words_name_the_rule():
    """What PostgreSQL and SQLite say about a broken constraint maps back to the model's rule."""
    agreement = f.agreement()
    f.round_(agreement, number=4)
    with pytest.raises(IntegrityError) as raised, connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO negotiations_round (agreement_id, number, kind, title, venue_note, format, "
            "date_precision, dates_note, status, summary, chief_negotiators, created_at, updated_at, version) "
            "VALUES (%s, 4, 'numbered', '', '', 'in_person', 'day', '', 'held', '', '', "
            "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1)",
            [agreement.pk],
        )
    error = integrity_error_as_validation(raised.value)
    assert isinstance(error, AlreadyExists)
    assert error.message_dict == {"number": [DUPLICATE_NUMBER_MESSAGE]}


# --- Idempotency-Key on notes ------------------------------------------------------------------


def test_a_retried_note_post_with_the_same_key_returns_the_first_note(api, official):
    round_obj = f.round_(Agreement.objects.get(slug="alpha"), number=4)
    payload = {"round": round_obj.pk, "text": "Peru tables an offer", "visibility": "public"}
    first = api.post("/api/notes/", payload, format="json", HTTP_IDEMPOTENCY_KEY="note-7f3a")
    again = api.post("/api/notes/", payload, format="json", HTTP_IDEMPOTENCY_KEY="note-7f3a")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert ProgressNote.objects.count() == 1
    # Without a key, or with another one, a POST is a new note.
    assert api.post("/api/notes/", payload, format="json", HTTP_IDEMPOTENCY_KEY="note-other").status_code == 201
    assert ProgressNote.objects.count() == 2


def test_idempotency_keys_belong_to_their_author(api, official):
    round_obj = f.round_(Agreement.objects.get(slug="alpha"), number=4)
    colleague = f.user("ben", role=roles.OFFICIAL)
    round_obj.agreement.editors.add(colleague)
    other = APIClient()
    other.force_authenticate(colleague)
    payload = {"round": round_obj.pk, "text": "x", "visibility": "public"}
    assert api.post("/api/notes/", payload, format="json", HTTP_IDEMPOTENCY_KEY="k1").status_code == 201
    assert other.post("/api/notes/", payload, format="json", HTTP_IDEMPOTENCY_KEY="k1").status_code == 201
    assert ProgressNote.objects.count() == 2


def test_an_over_long_idempotency_key_is_refused(api):
    round_obj = f.round_(Agreement.objects.get(slug="alpha"), number=4)
    response = api.post(
        "/api/notes/", {"round": round_obj.pk, "text": "x"}, format="json", HTTP_IDEMPOTENCY_KEY="k" * 101
    )
    assert response.status_code == 400 and "idempotency_key" in response.json()
    assert not ProgressNote.objects.exists()


# --- Under Django's development server ---------------------------------------------------------


def _post(url: str, token: str, payload: dict, **headers):
    request = urllib.request.Request(
        url,
        data=json.dumps(payload).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Token {token}", **headers},
    )
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read() or b"{}")


@pytest.fixture
def served(live_server, transactional_db):
    """Django's development server (pytest-django's live_server: wsgiref's handler, which refuses
    any header value that is not a plain str) and an official's API token."""
    roles.roles_ensure()
    official = f.user("ana", role=roles.OFFICIAL)
    agreement = f.agreement(slug="alpha", parties=("IND", "PER"))
    agreement.editors.add(official)
    f.chapter("ROO")
    _row, token = AuthToken.objects.create(user=official)
    return live_server.url, token, agreement


def test_creates_under_the_development_server_answer_201_with_a_plain_location(served):
    base, token, agreement = served
    status, headers, body = _post(f"{base}/api/rounds/", token, {"agreement": "alpha", "number": 4})
    assert status == 201, body
    assert headers["Location"] == f"{base}/api/rounds/{body['id']}/"
    assert headers["ETag"] == '"v1"'
    # The client did not trust the first answer and retries: the round is not created twice.
    status, _headers, retry = _post(f"{base}/api/rounds/", token, {"agreement": "alpha", "number": 4})
    assert status == 409 and retry["existing"]["url"] == headers["Location"]
    assert Round.objects.filter(agreement=agreement, number=4).count() == 1

    payload = {"round": body["id"], "chapter": "ROO", "status": ProgressStatus.CLOSED}
    status, headers, row = _post(f"{base}/api/chapter-progress/", token, payload)
    assert status == 201 and headers["Location"].endswith(f"/api/chapter-progress/{row['id']}/")
    assert _post(f"{base}/api/chapter-progress/", token, payload)[0] == 409
    assert ChapterProgress.objects.count() == 1

    note = {"round": body["id"], "text": "Offers exchanged", "visibility": "public"}
    first = _post(f"{base}/api/notes/", token, note, **{"Idempotency-Key": "retry-1"})
    second = _post(f"{base}/api/notes/", token, note, **{"Idempotency-Key": "retry-1"})
    assert (first[0], second[0]) == (201, 200)
    assert first[1]["Location"].endswith(f"/api/notes/{first[2]['id']}/")
    assert second[2]["id"] == first[2]["id"]
    assert ProgressNote.objects.count() == 1
