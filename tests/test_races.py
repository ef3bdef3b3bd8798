"""A write that loses the race inside its transaction answers 412/409 and changes nothing.

SQLite has no concurrent writers, so the race is interleaved: another writer's commit is
simulated by bumping the row's version in the database just before the service claims or
checks it (after the request has read the record and compared its If-Match). A write path
that forgets to pass the expected version on to the service claims blindly and fails here.
The same for the site's edit and delete forms (round, status event, note), and, on PostgreSQL,
with two real writers in threads for every versioned record type."""

import importlib
import pkgutil
import threading

import pytest
from django import db
from django.db import connection
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from negotiations import roles
from negotiations.choices import AgreementStatus, Visibility
from negotiations.models import Agreement, ChapterProgress, ProgressNote, Round, StatusEvent
from tests import factories as f
from tests.form_data import page_form_data

# Every service module, by module path (the package re-exports a function named ``round_log``
# over its module), so that the patch follows the write path wherever it moves.
SERVICE_MODULES = [
    importlib.import_module(f"negotiations.services.{info.name}")
    for info in pkgutil.iter_modules(importlib.import_module("negotiations.services").__path__)
]
common = importlib.import_module("negotiations.services.common")
pytestmark = pytest.mark.django_db


@pytest.fixture
def lost_race(monkeypatch):
    """Make every version claim/check in the services lose to a concurrent writer."""
    lose_every_claim(monkeypatch)


def lose_every_claim(monkeypatch):
    real_claim = common.version_claim
    real_check = getattr(common, "version_check", None)  # gone once writes claim instead of check

    def bump(instance):
        type(instance).objects.filter(pk=instance.pk).update(version=instance.version + 1)

    def claim(instance, *, expected_version):
        bump(instance)
        return real_claim(instance, expected_version=expected_version)

    def check(*, instance, expected_version):
        bump(instance)
        return real_check(instance=instance, expected_version=expected_version)

    for module in SERVICE_MODULES:
        if hasattr(module, "version_claim"):
            monkeypatch.setattr(module, "version_claim", claim)
        if hasattr(module, "version_check"):
            monkeypatch.setattr(module, "version_check", check)


@pytest.fixture
def records(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    agreement = f.agreement(slug="alpha", summary="original")
    round_obj = f.round_(agreement, summary="original")
    progress = f.progress(round_obj, "ROO", note="original")
    note = f.note(round_obj, "original", visibility=Visibility.CONFIDENTIAL)
    event = StatusEvent.objects.create(agreement=agreement, status=AgreementStatus.LAUNCHED, date="2017-01-18")
    curator = f.user(role=roles.CURATOR)
    client = APIClient()
    client.force_authenticate(curator)
    return {
        "curator": curator,
        "agreement": (f"/api/agreements/{agreement.slug}/", Agreement, agreement.pk, "summary"),
        "round": (f"/api/rounds/{round_obj.pk}/", Round, round_obj.pk, "summary"),
        "chapter-progress": (f"/api/chapter-progress/{progress.pk}/", ChapterProgress, progress.pk, "note"),
        "note": (f"/api/notes/{note.pk}/", ProgressNote, note.pk, "text"),
        "status-event": (f"/api/status-events/{event.pk}/", StatusEvent, event.pk, "note"),
        "client": client,
    }


KINDS = ["agreement", "round", "chapter-progress", "note", "status-event"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("method", ["patch", "put"])
def test_an_api_update_that_loses_the_race_changes_nothing(records, lost_race, kind, method):
    url, model, pk, field = records[kind]
    client = records["client"]
    current = client.get(url)
    before = model.objects.get(pk=pk)
    payload = {field: "changed"} if method == "patch" else {**_writable(current.json()), field: "changed"}
    response = getattr(client, method)(url, payload, format="json", HTTP_IF_MATCH=current["ETag"])
    assert response.status_code in (409, 412), (response.status_code, response.content[:500])
    after = model.objects.get(pk=pk)
    assert getattr(after, field) == getattr(before, field)


@pytest.mark.parametrize("kind", KINDS)
def test_an_api_delete_that_loses_the_race_deletes_nothing(records, lost_race, kind):
    url, model, pk, _field = records[kind]
    client = records["client"]
    etag = client.get(url)["ETag"]
    response = client.delete(url, HTTP_IF_MATCH=etag)
    assert response.status_code in (409, 412), (response.status_code, response.content[:500])
    assert model.objects.filter(pk=pk).exists()


def _writable(data):
    read_only = {"id", "url", "version", "created", "modified", "history", "parties_detail"}
    return {k: v for k, v in data.items() if k not in read_only and v is not None}


# --- The site's forms ---------------------------------------------------------------------
# The form was loaded at the current version; the colleague's commit lands between the form's
# own check and the service's claim. Each: (url name, field the user changes, the record).

SITE_EDITS = {
    "round-edit": ("summary", "round"),
    "status-event-edit": ("note", "status-event"),
    "note-edit": ("text", "note"),
}
SITE_DELETES = {"round-delete": "round", "status-event-delete": "status-event", "note-delete": "note"}


@pytest.fixture
def site_client(records):
    client = Client()
    client.force_login(records["curator"])
    return client


@pytest.mark.parametrize("url_name", list(SITE_EDITS))
def test_a_site_form_that_loses_the_race_changes_nothing(records, site_client, monkeypatch, url_name):
    field, kind = SITE_EDITS[url_name]
    _url, model, pk, _api_field = records[kind]
    url = reverse(url_name, args=[pk])
    data = page_form_data(site_client.get(url).content.decode())
    assert data.get("version") == "1"  # the form carries the version it was loaded at
    before = model.objects.get(pk=pk)
    lose_every_claim(monkeypatch)
    response = site_client.post(url, {**data, field: "changed"})
    assert response.status_code == 409, response.content.decode()[:1000]
    after = model.objects.get(pk=pk)
    assert getattr(after, field) == getattr(before, field)


@pytest.mark.parametrize("url_name", list(SITE_DELETES))
def test_a_site_delete_that_loses_the_race_deletes_nothing(records, site_client, monkeypatch, url_name):
    _url, model, pk, _field = records[SITE_DELETES[url_name]]
    url = reverse(url_name, args=[pk])
    data = page_form_data(site_client.get(url).content.decode())
    lose_every_claim(monkeypatch)
    response = site_client.post(url, data)
    # Sent back to the record's edit page to read it again (not on to where a deletion leads).
    assert response.status_code == 302, response.content.decode()[:1000]
    assert response["Location"] == reverse(url_name.replace("-delete", "-edit"), args=[pk])
    assert model.objects.filter(pk=pk).exists()


# --- PostgreSQL: two real writers at once -----------------------------------------------
# Writer A claims the row and holds its transaction open; writer B, with the same ETag, passes
# the request's own If-Match check (A has not committed) and waits in its claim for A's row
# lock. When A commits, B's claim finds the version moved on: 412/409, and A's change stays.


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite has one writer at a time, so the race is interleaved above; CI's PostgreSQL run covers threads",
)
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("method", ["patch", "delete"])
def test_the_second_of_two_concurrent_api_writers_loses(records, monkeypatch, kind, method):
    url, model, pk, field = records[kind]
    etag = records["client"].get(url)["ETag"]
    curator = records["curator"]
    a_claimed, a_may_commit = threading.Event(), threading.Event()
    real_claim = common.version_claim

    def claim(instance, *, expected_version):
        real_claim(instance, expected_version=expected_version)
        if threading.current_thread().name == "writer-a":
            a_claimed.set()
            a_may_commit.wait(10)

    for module in SERVICE_MODULES:
        if hasattr(module, "version_claim"):
            monkeypatch.setattr(module, "version_claim", claim)

    answers = {}

    def write(name, send):
        client = APIClient()
        client.force_authenticate(curator)
        try:
            answers[name] = send(client)
        finally:
            db.connections.close_all()

    def a(client):
        return client.patch(url, {field: "writer A"}, format="json", HTTP_IF_MATCH=etag)

    def b(client):
        if method == "patch":
            return client.patch(url, {field: "writer B"}, format="json", HTTP_IF_MATCH=etag)
        return client.delete(url, HTTP_IF_MATCH=etag)

    thread_a = threading.Thread(target=write, args=("a", a), name="writer-a")
    thread_b = threading.Thread(target=write, args=("b", b), name="writer-b")
    thread_a.start()
    assert a_claimed.wait(10)
    thread_b.start()
    thread_b.join(1.5)  # B now waits for A's row lock (it must not have finished)
    b_finished_early = not thread_b.is_alive()
    a_may_commit.set()
    thread_a.join(20)
    thread_b.join(20)
    assert not b_finished_early, answers.get("b")
    assert answers["a"].status_code == 200, answers["a"].content[:500]
    assert answers["b"].status_code in (409, 412), (answers["b"].status_code, answers["b"].content[:500])
    assert getattr(model.objects.get(pk=pk), field) == "writer A"
