"""tracker.middleware.ReadAfterWriteMiddleware: a client's reads go to the primary after it wrote."""

import asyncio
import time

import pytest
from django.conf import settings
from django.http import HttpResponse, StreamingHttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse

from negotiations import roles
from negotiations.models import Agreement, Round
from tests import factories as f
from tests.test_routers import replicas
from tests.test_views_edit import edit_post
from tracker.middleware import PIN_COOKIE, ReadAfterWriteMiddleware
from tracker.routers import ReplicaRouter, reading_from_primary

rf = RequestFactory()


def read_db():
    """Where the router sends a read made right now."""
    return ReplicaRouter().db_for_read(Agreement)


def serve(request):
    """Run ``request`` through the middleware; returns (where the view read, response)."""
    seen = []

    def view(req):
        seen.append(read_db())
        return HttpResponse("ok")

    response = ReadAfterWriteMiddleware(view)(request)
    return seen[0], response


def get_with_marker(value):
    request = rf.get("/rounds/")
    request.COOKIES[PIN_COOKIE] = value
    return request


# --- Choosing the database per request -----------------------------------------------------


def test_get_without_marker_reads_from_a_replica_and_sets_no_cookie():
    with replicas("replica1"):
        db, response = serve(rf.get("/rounds/"))
    assert db == "replica1"
    assert PIN_COOKIE not in response.cookies


def test_get_with_a_fresh_marker_reads_from_default():
    with replicas("replica1"):
        db, response = serve(get_with_marker(str(int(time.time()) - 3)))
    assert db == "default"
    assert PIN_COOKIE not in response.cookies  # reading does not extend the pin


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(lambda now: str(now - 60), id="expired"),
        pytest.param(lambda now: str(now + 3600), id="far-future"),
        pytest.param(lambda now: "not-a-time", id="garbage"),
        pytest.param(lambda now: "", id="empty"),
        pytest.param(lambda now: f"{now}.5", id="not-an-integer"),
    ],
)
def test_get_with_an_expired_or_forged_marker_reads_from_a_replica(value):
    with replicas("replica1"):
        db, _ = serve(get_with_marker(value(int(time.time()))))
    assert db == "replica1"


def test_the_pin_window_follows_the_setting(settings):
    settings.REPLICA_PIN_SECONDS = 30
    twenty_seconds_ago = str(int(time.time()) - 20)
    with replicas("replica1"):
        assert serve(get_with_marker(twenty_seconds_ago))[0] == "default"
        settings.REPLICA_PIN_SECONDS = 10
        assert serve(get_with_marker(twenty_seconds_ago))[0] == "replica1"


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_unsafe_requests_read_from_default_and_set_the_marker(method):
    before = int(time.time())
    with replicas("replica1", "replica2"):
        db, response = serve(getattr(rf, method)("/rounds/1/edit/"))
    assert db == "default"
    cookie = response.cookies[PIN_COOKIE]
    assert before <= int(cookie.value) <= time.time()
    assert cookie["max-age"] == settings.REPLICA_PIN_SECONDS == 10
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert not cookie["secure"]


def test_the_marker_is_secure_when_session_cookies_are(settings):
    settings.SESSION_COOKIE_SECURE = True
    with replicas("replica1"):
        _, response = serve(rf.post("/rounds/1/edit/"))
    assert response.cookies[PIN_COOKIE]["secure"] is True


def test_the_marker_is_set_whatever_the_outcome_of_the_write():
    """A rejected form may still have written (a conflict, a partial import): pin anyway."""
    with replicas("replica1"):
        response = ReadAfterWriteMiddleware(lambda request: HttpResponse(status=409))(rf.post("/rounds/1/edit/"))
    assert PIN_COOKIE in response.cookies


def test_without_replicas_no_marker_is_set():
    db, response = serve(rf.post("/rounds/1/edit/"))
    assert db == "default"
    assert PIN_COOKIE not in response.cookies


@pytest.mark.parametrize(("value", "expected"), [("1", "default"), ("true", "default"), ("0", "replica1")])
def test_api_clients_ask_for_the_primary_with_a_header(value, expected):
    with replicas("replica1"):
        db, response = serve(rf.get("/api/rounds/", headers={"X-Read-Primary": value}))
    assert db == expected
    assert PIN_COOKIE not in response.cookies


# --- The flag stays inside its request -----------------------------------------------------


def test_the_flag_does_not_leak_into_the_next_request_on_the_same_thread():
    with replicas("replica1"):
        assert serve(rf.post("/rounds/1/edit/"))[0] == "default"
        assert not reading_from_primary()
        assert serve(rf.get("/rounds/1/"))[0] == "replica1"


def test_the_flag_is_reset_when_the_view_raises():
    def broken(request):
        assert read_db() == "default"
        raise RuntimeError("boom")

    with replicas("replica1"):
        with pytest.raises(RuntimeError):
            ReadAfterWriteMiddleware(broken)(rf.post("/rounds/1/edit/"))
        assert not reading_from_primary()
        assert serve(rf.get("/rounds/1/"))[0] == "replica1"


def stream_recording(seen, is_async=False):
    """A streamed body whose reads happen while the server sends it, like the CSV exports."""

    def chunks():
        for _ in range(3):
            seen.append(read_db())
            yield b"row\n"

    async def achunks():
        for chunk in chunks():
            yield chunk

    return lambda request: StreamingHttpResponse(achunks() if is_async else chunks())


@pytest.mark.parametrize(("marker", "expected"), [(True, "default"), (False, "replica1")])
def test_a_streamed_body_reads_where_its_request_does(marker, expected):
    seen = []
    request = get_with_marker(str(int(time.time()))) if marker else rf.get("/rounds/")
    with replicas("replica1"):
        response = ReadAfterWriteMiddleware(stream_recording(seen))(request)
        assert seen == []  # nothing read until the server iterates
        assert b"".join(response.streaming_content) == b"row\n" * 3
        assert not reading_from_primary()
    assert seen == [expected] * 3


def test_async_requests_are_pinned_and_reset_too():
    seen = []

    async def view(request):
        seen.append(read_db())
        return HttpResponse("ok")

    async def body(response):
        return b"".join([chunk async for chunk in response])

    async def scenario():
        middleware = ReadAfterWriteMiddleware(view)
        posted = await middleware(rf.post("/rounds/1/edit/"))
        await middleware(rf.get("/rounds/1/"))
        streamed_seen = []
        streamed = stream_recording(streamed_seen, is_async=True)

        async def streaming_view(request):
            return streamed(request)

        streaming = ReadAfterWriteMiddleware(streaming_view)
        response = await streaming(rf.get("/rounds/", headers={"X-Read-Primary": "1"}))
        assert await body(response) == b"row\n" * 3
        return posted, streamed_seen

    with replicas("replica1"):
        posted, streamed_seen = asyncio.run(scenario())
        assert not reading_from_primary()
    assert seen == ["default", "replica1"]
    assert PIN_COOKIE in posted.cookies
    assert streamed_seen == ["default"] * 3


def test_the_middleware_runs_before_the_session_is_read():
    """A just-signed-in user's session row must be read from the primary too."""
    middleware = settings.MIDDLEWARE
    ours = middleware.index("tracker.middleware.ReadAfterWriteMiddleware")
    assert middleware.index("whitenoise.middleware.WhiteNoiseMiddleware") < ours
    assert ours < middleware.index("django.contrib.sessions.middleware.SessionMiddleware")


# --- End to end through the test client ----------------------------------------------------


@pytest.fixture
def routed(monkeypatch):
    """Record every read decision of the router; the query then runs on the test database.

    The test database has no real replica connection, so the recorder returns ``default``
    after noting where the router would have sent the read.
    """
    decisions = []
    decide = ReplicaRouter.db_for_read

    def recording(self, model, **hints):
        decisions.append(decide(self, model, **hints))
        return "default"

    monkeypatch.setattr(ReplicaRouter, "db_for_read", recording)
    with replicas("replica1"):
        yield decisions


# transaction=True: inside pytest-django's per-test transaction every read goes to the primary.
@pytest.mark.django_db(transaction=True)
def test_an_official_sees_the_saved_round_after_the_redirect(routed):
    official = f.user("ana", role=roles.OFFICIAL)
    agreement = f.agreement(slug="india-chile-cepa", parties=("IND", "CHL"))
    agreement.editors.add(official)
    round_obj = f.round_(agreement, number=4)
    client = Client()
    client.force_login(official)  # a direct session write: no request, so no marker yet

    routed.clear()
    form = client.get(reverse("round-edit", args=[round_obj.pk]))
    assert form.status_code == 200
    assert set(routed) == {"replica1"}  # an ordinary page view reads from the replica

    data = edit_post(round_obj, end="2025-11-07")
    routed.clear()
    saved = client.post(reverse("round-edit", args=[round_obj.pk]), data)
    assert saved.status_code == 302 and saved["Location"] == round_obj.get_absolute_url()
    assert routed and set(routed) == {"default"}  # the view's own checks read the primary
    assert client.cookies[PIN_COOKIE].value == saved.cookies[PIN_COOKIE].value

    routed.clear()
    page = client.get(saved["Location"])
    assert page.status_code == 200
    assert routed and set(routed) == {"default"}  # the session, the user and the round itself
    assert Round.objects.get(pk=round_obj.pk).end_date.isoformat() == "2025-11-07"

    routed.clear()
    anonymous = Client().get(saved["Location"])
    assert anonymous.status_code == 200
    assert routed and set(routed) == {"replica1"}  # other readers, and the next request, are unaffected
