"""A write that loses the race inside its transaction answers 412/409 and changes nothing.

SQLite has no concurrent writers, so the race is interleaved: another writer's commit is
simulated by bumping the row's version in the database just before the service claims or
checks it (after the request has read the record and compared its If-Match). A write path
that forgets to pass the expected version on to the service claims blindly and fails here."""

import importlib
import pkgutil

import pytest
from rest_framework.test import APIClient

from negotiations import roles
from negotiations.choices import AgreementStatus, Visibility
from negotiations.models import Agreement, ChapterProgress, ProgressNote, Round, StatusEvent
from tests import factories as f

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
    client = APIClient()
    client.force_authenticate(f.user(role=roles.CURATOR))
    return {
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
