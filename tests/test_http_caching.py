"""HTTP validators, 304s and the shared page cache (negotiations/http_cache.py), with the data
version every write bumps (negotiations/data_version.py).

Run against Redis too: ``CACHE_URL=redis://127.0.0.1:6379/N pytest tests/test_http_caching.py``.
"""

import datetime as dt
import re

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils.http import http_date
from rest_framework.test import APIClient

from negotiations import data_version, http_cache, roles, services
from negotiations.choices import Visibility
from negotiations.models import DataVersion, Round
from tests import factories as f
from tests.backup_support import domain_tables_empty
from tests.test_admin import save_in_admin
from tracker.routers import current_replica

pytestmark = pytest.mark.django_db

SECRET = "Peru will concede on ROO if asked twice"


@pytest.fixture
def official():
    return f.user("ana", role=roles.OFFICIAL)


@pytest.fixture
def record(official):
    agreement = f.agreement(slug="india-peru", name="India–Peru TA")
    agreement.editors.add(official)
    round_obj = f.round_(agreement, summary="First summary")
    f.progress(round_obj, "ROO")
    f.note(round_obj, "A public note")
    f.note(round_obj, SECRET, visibility=Visibility.CONFIDENTIAL)
    # The record last changed a while ago: Last-Modified is only sent once the second of the
    # last write has passed.
    DataVersion.objects.filter(pk=1).update(changed_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    return round_obj


def public_urls(round_obj):
    slug = round_obj.agreement.slug
    return {
        "home": "/",
        "agreement list": "/agreements/",
        "agreement page": f"/agreements/{slug}/",
        "agreement export": f"/agreements/{slug}/export.json",
        "round list": "/rounds/?chapter=ROO",
        "round list csv": f"/rounds/?agreement={slug}&format=csv",
        "round page": f"/rounds/{round_obj.pk}/",
        "chapter list": "/chapters/",
        "chapter page": "/chapters/ROO/",
        "party page": "/parties/PER/",
        "search": "/search/?q=public",
        "coverage": "/about/coverage/",
        "suggestions": "/agreements/suggest.json?q=ind",
        "feed": "/feeds/rounds.atom",
        "calendar": "/calendar/rounds.ics",
        "api index": "/api/",
        "api round list": "/api/rounds/?chapter=ROO",
        "api round list csv": "/api/rounds/?format=csv",
        "api schema": "/api/schema/",
        "api export": "/api/export/rounds.csv",
    }


URL_KINDS = [
    "home",
    "agreement list",
    "agreement page",
    "agreement export",
    "round list",
    "round list csv",
    "round page",
    "chapter list",
    "chapter page",
    "party page",
    "search",
    "coverage",
    "suggestions",
    "feed",
    "calendar",
    "api index",
    "api round list",
    "api round list csv",
    "api schema",
    "api export",
]


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.parametrize("kind", URL_KINDS)
def test_a_repeat_get_with_the_validator_is_a_304_in_at_most_two_queries(
    client, record, kind, django_assert_max_num_queries
):
    url = public_urls(record)[kind]
    first = client.get(url)
    assert first.status_code == 200, body(first)[:300]
    assert first["ETag"].startswith('"d')
    assert "public" in first["Cache-Control"]
    assert {"Cookie", "Authorization"} <= {v.strip() for v in first["Vary"].split(",")}
    assert first["Last-Modified"] == http_date(dt.datetime(2026, 1, 1, tzinfo=dt.UTC).timestamp())
    with django_assert_max_num_queries(2):
        again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert again["ETag"] == first["ETag"]
    assert body(again) == b""
    with django_assert_max_num_queries(2):
        since = client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert since.status_code == 304


def test_an_api_detail_keeps_its_row_version_etag_and_answers_304_on_if_modified_since(
    client, record, django_assert_max_num_queries
):
    url = f"/api/rounds/{record.pk}/"
    first = client.get(url)
    assert first["ETag"] == f'"v{first.json()["version"]}"'  # the If-Match contract
    with django_assert_max_num_queries(2):
        since = client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert since.status_code == 304
    # The row's version does not cover the detail's nested rows, so it never earns a 304.
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200
    services.note_add(round=record, text="Another public note", visibility=Visibility.PUBLIC)
    after = client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert after.status_code == 200
    assert after["ETag"] == first["ETag"]  # the round row itself did not change
    assert "Another public note" in after.content.decode()


def test_cache_control_values_come_from_the_settings(client, record, settings):
    settings.HTTP_MAX_AGE, settings.HTTP_SHARED_MAX_AGE = 5, 120
    assert client.get("/rounds/")["Cache-Control"] == "public, max-age=5, s-maxage=120"


def test_a_repeat_anonymous_visit_is_served_from_the_shared_cache(client, record, django_assert_max_num_queries):
    url = f"/agreements/{record.agreement.slug}/"
    first = client.get(url)
    assert not first.cookies  # nothing per visitor in a page any reader may get
    with django_assert_max_num_queries(1):
        again = client.get(url)
    assert again.status_code == 200
    assert again.content == first.content
    assert again["ETag"] == first["ETag"]
    assert again["Content-Security-Policy"] == first["Content-Security-Policy"]


def test_the_validator_depends_on_language_query_and_day(client, record, settings):
    url = "/rounds/"
    english = client.get(url)["ETag"]
    assert client.get(url, HTTP_ACCEPT_LANGUAGE="es")["ETag"] != english
    assert client.get(url + "?chapter=ROO")["ETag"] != english
    assert client.get(url)["ETag"] == english


def page_etag(client, round_obj):
    response = client.get(f"/rounds/{round_obj.pk}/")
    assert response.status_code == 200
    return response["ETag"], response.content.decode()


def assert_moved_on(client, round_obj, etag, text):
    response = client.get(f"/rounds/{round_obj.pk}/", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert response["ETag"] != etag
    assert text in response.content.decode()


def test_a_write_on_the_site_changes_the_validator(client, record, official):
    etag, _page = page_etag(client, record)
    note = record.notes.get(visibility=Visibility.PUBLIC)
    editor = Client()
    editor.force_login(official)
    response = editor.post(
        reverse("note-edit", args=[note.pk]),
        {"version": str(note.version), "text": "Edited on the site", "visibility": Visibility.PUBLIC, "reason": "x"},
    )
    assert response.status_code == 302
    assert_moved_on(client, record, etag, "Edited on the site")


def test_a_write_through_the_api_changes_the_validator(client, record):
    etag, _page = page_etag(client, record)
    api = APIClient()
    api.force_authenticate(f.user("cora", role=roles.CURATOR))
    url = f"/api/rounds/{record.pk}/"
    response = api.patch(url, {"summary": "Edited through the API"}, format="json", HTTP_IF_MATCH=api.get(url)["ETag"])
    assert response.status_code == 200, response.content
    assert_moved_on(client, record, etag, "Edited through the API")


def test_a_write_in_the_admin_changes_the_validator(client, record):
    etag, _page = page_etag(client, record)
    curator = Client()
    curator.force_login(f.user("cora", role=roles.CURATOR))
    save_in_admin(curator, reverse("admin:negotiations_round_change", args=[record.pk]), summary="Edited by a curator")
    assert_moved_on(client, record, etag, "Edited by a curator")


def test_an_import_changes_the_validator(client, record, tmp_path):
    f.user("ministry", role=roles.CURATOR)
    etag, _page = page_etag(client, record)
    path = tmp_path / "rounds.csv"
    path.write_text(
        "agreement,number,kind,title,city,country,format,start_date,end_date,status,summary,source_url\n"
        f"india-peru,{record.number},,,,,,2025-11-03,2025-11-05,held,Imported summary,\n",
        encoding="utf-8",
    )
    call_command("import_csv", "rounds", str(path), "--user", "ministry")
    assert_moved_on(client, record, etag, "Imported summary")


def test_the_seed_command_changes_the_validator(client, db):
    empty = client.get("/agreements/")
    call_command("seed", verbosity=0)
    response = client.get("/agreements/", HTTP_IF_NONE_MATCH=empty["ETag"])
    assert response.status_code == 200
    assert response["ETag"] != empty["ETag"]
    assert "india-peru-ta" in response.content.decode()


def test_a_backup_restore_changes_the_validator(client, record, tmp_path):
    call_command("export_all", str(tmp_path), "--include-confidential", verbosity=0)
    domain_tables_empty()
    empty = client.get("/agreements/")
    assert "india-peru" not in empty.content.decode()
    call_command("import_all", str(tmp_path), verbosity=0)
    response = client.get("/agreements/", HTTP_IF_NONE_MATCH=empty["ETag"])
    assert response.status_code == 200
    assert response["ETag"] != empty["ETag"]
    assert "india-peru" in response.content.decode()


def test_the_home_counts_follow_a_write_at_once(client, record):
    before = client.get("/").content.decode()
    f.round_(record.agreement, summary="Another round")
    after = client.get("/").content.decode()
    assert before != after
    numbers = re.compile(r"\d+")
    assert numbers.findall(before) != numbers.findall(after)


def test_a_signed_in_officials_page_never_reaches_an_anonymous_reader(client, record, official):
    url = f"/rounds/{record.pk}/"
    signed_in = Client()
    signed_in.force_login(official)
    theirs = signed_in.get(url)
    assert SECRET in theirs.content.decode()
    assert theirs["Cache-Control"].startswith("private") or "private" in theirs["Cache-Control"]
    assert "public" not in theirs["Cache-Control"]
    anonymous = client.get(url)
    assert SECRET not in anonymous.content.decode()
    assert "public" in anonymous["Cache-Control"]
    assert anonymous["ETag"] != theirs["ETag"]
    # The anonymous copy is now cached; the official still gets their own page.
    again = signed_in.get(url)
    assert SECRET in again.content.decode()
    # An anonymous validator never earns the official a 304 of the anonymous page.
    assert signed_in.get(url, HTTP_IF_NONE_MATCH=anonymous["ETag"]).status_code == 200
    assert client.get(url, HTTP_IF_NONE_MATCH=theirs["ETag"]).status_code == 200
    assert SECRET not in client.get(url).content.decode()


@pytest.mark.parametrize("url", ["/rounds/?agreement=india-peru&format=csv", "/api/export/chapter-progress.csv"])
def test_a_small_anonymous_export_is_kept_once_streamed_whole_and_served_again_in_one_query(
    client, record, url, django_assert_max_num_queries
):
    first = client.get(url)
    assert first.streaming
    streamed = body(first)
    with django_assert_max_num_queries(1):
        again = client.get(url)
    assert not again.streaming and again.content == streamed
    assert again["Content-Type"] == first["Content-Type"] and again["ETag"] == first["ETag"]
    assert again.get("Content-Disposition") == first.get("Content-Disposition")
    services.note_add(round=record, text="A newer public note", visibility=Visibility.PUBLIC)
    after = client.get(url)
    assert after.streaming and after["ETag"] != first["ETag"]  # the write made the kept copy unreachable


def test_an_export_larger_than_the_limit_is_never_kept(client, record, settings):
    url = "/api/export/chapter-progress.csv"
    settings.STREAMED_KEEP_BYTES = 10
    assert len(body(client.get(url))) > 10
    assert client.get(url).streaming
    settings.STREAMED_KEEP_BYTES = 512 * 1024
    body(client.get(url))
    assert not client.get(url).streaming


def test_an_export_the_client_stopped_reading_is_never_kept(settings):
    settings.PAGE_CACHE_SECONDS = 60
    stopped = http_cache._kept_if_small(iter([b"a,b\r\n", b"1,2\r\n"]), "stopped", (200, []), None)
    assert next(stopped) == b"a,b\r\n"
    stopped.close()
    read = http_cache._kept_if_small(iter([b"a,b\r\n", b"1,2\r\n"]), "read", (200, []), None)
    assert b"".join(read) == b"a,b\r\n1,2\r\n"
    assert cache.get("stopped") is None and cache.get("read") == (200, [], b"a,b\r\n1,2\r\n")


def test_an_officials_export_is_never_kept_for_an_anonymous_reader(client, record, official):
    url = "/api/export/chapter-progress.csv"
    f.note(record, SECRET, visibility=Visibility.CONFIDENTIAL, chapter_code="ROO")
    signed_in = Client()
    signed_in.force_login(official)
    assert SECRET in body(signed_in.get(url)).decode()
    assert SECRET not in body(client.get(url)).decode()
    again = client.get(url)
    assert not again.streaming and SECRET not in again.content.decode()
    assert SECRET in body(signed_in.get(url)).decode()


def test_a_kept_exports_rows_are_read_from_the_replica_its_version_came_from():
    """Each chunk is read under the request's replica, and the reader sees no pin between chunks."""
    seen = []

    def chunks():
        for text in (b"a,b\r\n", b"1,2\r\n"):
            seen.append(current_replica())
            yield text

    outside = [current_replica() for _chunk in http_cache._kept_if_small(chunks(), "k", (200, []), "replica2")]
    assert seen == ["replica2", "replica2"] and outside == [None, None]


def test_signing_in_again_never_revalidates_a_page_with_the_old_csrf_token(record, official):
    browser = Client()
    browser.force_login(official)
    url = f"/rounds/{record.pk}/"
    browser.get(url)  # the first page sets the CSRF cookie its sign-out form's token pairs with
    first = browser.get(url)
    assert browser.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    browser.logout()
    browser.force_login(official)
    browser.cookies["csrftoken"] = "a" * 32  # signing in rotates the CSRF secret
    again = browser.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 200


def test_a_token_readers_answers_are_private_and_never_cached(client, record):
    from knox.models import AuthToken

    _row, token = AuthToken.objects.create(user=f.user("cora", role=roles.CURATOR))
    url = f"/api/notes/?round={record.pk}"
    theirs = client.get(url, HTTP_AUTHORIZATION=f"Token {token}")
    assert SECRET in theirs.content.decode()
    assert "private" in theirs["Cache-Control"]
    again = client.get(url, HTTP_AUTHORIZATION=f"Token {token}", HTTP_IF_NONE_MATCH=theirs["ETag"])
    assert again.status_code == 304
    anonymous = client.get(url)
    assert SECRET not in anonymous.content.decode()
    assert anonymous["ETag"] != theirs["ETag"]
    # A revoked token gets no 304 of what it read before.
    AuthToken.objects.all().delete()
    assert client.get(url, HTTP_AUTHORIZATION=f"Token {token}", HTTP_IF_NONE_MATCH=theirs["ETag"]).status_code == 401


def test_an_anonymous_api_304_skips_the_viewset_and_the_throttle_counts_only_renders(client, record, monkeypatch):
    from rest_framework.throttling import AnonRateThrottle

    from negotiations.api.base import TrackerViewSet

    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "3/min"})
    url = "/api/rounds/?chapter=ROO"
    first = client.get(url)
    assert first.status_code == 200
    viewset_runs = []
    initial = TrackerViewSet.initial

    def counted_initial(self, *args, **kwargs):
        viewset_runs.append(1)
        return initial(self, *args, **kwargs)

    monkeypatch.setattr(TrackerViewSet, "initial", counted_initial)
    statuses = [client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code for _ in range(5)]
    assert statuses == [304] * 5
    assert client.get(url).content == first.content  # the stored copy
    assert viewset_runs == []  # answered before the API framework's work, uncounted
    renders = [client.get(f"/api/rounds/?page_size={size}").status_code for size in (10, 11, 12)]
    assert renders == [200, 200, 429]  # the first answer and two renders: the third is refused


def test_an_api_304_keeps_vary_accept_and_no_token_gets_the_anonymous_answer(client, record):
    url = "/api/rounds/?chapter=ROO"
    first = client.get(url)
    again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert {"Accept", "Cookie", "Authorization"} <= {v.strip() for v in again["Vary"].split(",")}
    # Neither the 304 nor the stored anonymous copy answers a request that carries a token:
    # the token is checked first (an unknown one is refused).
    assert client.get(url, HTTP_AUTHORIZATION="Token nope", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 401
    assert client.get(url, HTTP_AUTHORIZATION="Token nope").status_code == 401


def test_a_user_the_api_view_authenticates_is_never_cached_as_anonymous(client, record):
    api = APIClient()
    api.force_authenticate(f.user("cora", role=roles.CURATOR))
    url = f"/api/notes/?round={record.pk}"
    theirs = api.get(url)
    assert SECRET in theirs.content.decode()
    assert "private" in theirs["Cache-Control"]
    assert SECRET not in client.get(url).content.decode()


def test_pages_with_a_csp_nonce_get_no_validator(client, db):
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert not docs.has_header("ETag")
    browsable = client.get("/api/rounds/", HTTP_ACCEPT="text/html")
    assert browsable.status_code == 200
    if "nonce-" in browsable.get("Content-Security-Policy", ""):
        assert not browsable.has_header("ETag")
        assert "private" in browsable["Cache-Control"]


def test_a_rolled_back_write_leaves_the_version(record):
    from django.db import transaction

    before = data_version.read().number
    with pytest.raises(RuntimeError), transaction.atomic():
        Round.objects.filter(pk=record.pk).update(summary="never")
        raise RuntimeError
    assert data_version.read().number == before
    Round.objects.filter(pk=record.pk).update(summary="kept")
    assert data_version.read().number > before


def test_migrate_moves_the_version_on(db):
    """A release runs migrate: its data migrations and templates change pages without a write."""
    before = data_version.read().number
    call_command("migrate", verbosity=0)
    assert data_version.read().number > before


def test_a_sign_in_does_not_move_the_version(record, official):
    before = data_version.read().number
    signed_in = Client().post("/accounts/login/", {"username": "ana", "password": "correct horse battery"})
    assert signed_in.status_code == 302
    assert data_version.read().number == before


@pytest.mark.parametrize(
    ("sql", "watched"),
    [
        ('UPDATE "negotiations_round" SET "summary" = %s', True),
        ('INSERT INTO "negotiations_progressnote" ("text") VALUES (%s)', True),
        ('DELETE FROM "auth_user_groups" WHERE "id" = %s', True),
        ('UPDATE "auth_user" SET "last_login" = %s', False),
        ('UPDATE "negotiations_dataversion" SET "version" = 2', False),
        ('SELECT "negotiations_round"."id" FROM "negotiations_round" WHERE "id" = 1 FOR UPDATE', True),
        ('SELECT "negotiations_round"."id" FROM "negotiations_round"', False),
    ],
)
def test_which_statements_move_the_version(sql, watched):
    assert data_version.writes_watched_table(sql) is watched


def test_every_public_page_has_validators():
    """A page added to negotiations/urls.py is a public read: it must not go without a validator."""
    from negotiations import http_cache
    from negotiations.urls import urlpatterns

    assert {pattern.name for pattern in urlpatterns} <= http_cache.PUBLIC_VIEWS


def test_a_head_request_revalidates_like_a_get(client, record, django_assert_max_num_queries):
    etag = client.get("/rounds/")["ETag"]
    with django_assert_max_num_queries(2):
        assert client.head("/rounds/", HTTP_IF_NONE_MATCH=etag).status_code == 304
