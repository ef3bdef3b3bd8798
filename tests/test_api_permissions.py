"""Who may read and write what through the API: the site's rules, for every endpoint and role.

Roles: anonymous, a signed-in user without a role, an official assigned to agreement
"alpha", an official assigned to nothing, and a curator; then the same rules for an official
assigned to alpha through a group (using an API token), a former member of that group, an
official of another agreement (with a token), and an official of alpha deactivated after signing
in (their session) or after getting a token. Confidential notes of "alpha" must be invisible
(never listed, 404, never nested, never exported) to everyone but the curator and alpha's
officials (direct or by group).
"""

import pytest
from django.core.cache import cache
from django.http import HttpRequest
from knox.models import AuthToken
from rest_framework.test import APIClient

from negotiations import roles, services
from negotiations.choices import AgreementStatus, Visibility
from negotiations.models import Agreement, Chapter, ChapterProgress, Party, ProgressNote, Round, Source, StatusEvent
from tests import factories as f

SECRET_A = "SECRET-ALPHA confidential view"
SECRET_B = "SECRET-BETA confidential view"
ROLES = [
    "anonymous",
    "plain",
    "official_a",
    "official_other",
    "curator",
    "by_group_token",
    "former_group_member",
    "other_agreement_token",
    "inactive_session",
    "inactive_token",
]
# Signed out in effect: a deactivated user's session no longer authenticates (treated as
# anonymous); a deactivated user's token is refused outright (401 on every request).
SIGNED_OUT = {"anonymous", "inactive_session", "inactive_token"}


@pytest.fixture(autouse=True)
def _fast_and_independent(settings):
    # The anonymous throttle counts in the cache; a clean count per test keeps tests independent.
    cache.clear()
    # Users are created with a password in every test: a fast hasher keeps the suite quick.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(db):
    alpha = f.agreement(slug="alpha", parties=("IND", "PER"))
    beta = f.agreement(slug="beta", parties=("CHL", "PER"))
    users = {
        "anonymous": None,
        "plain": f.user(),
        "official_a": f.user(role=roles.OFFICIAL),
        "official_other": f.user(role=roles.OFFICIAL),
        "curator": f.user(role=roles.CURATOR),
        "by_group_token": f.user("by_group_token", role=roles.OFFICIAL),
        "former_group_member": f.user("former_group_member", role=roles.OFFICIAL),
        "other_agreement_token": f.user("other_agreement_token", role=roles.OFFICIAL),
        "inactive_session": f.user("inactive_session", role=roles.OFFICIAL),
        "inactive_token": f.user("inactive_token", role=roles.OFFICIAL),
    }
    alpha.editors.add(users["official_a"], users["inactive_session"], users["inactive_token"])
    delegation = users["by_group_token"].groups.create(name="Alpha delegation")
    users["former_group_member"].groups.add(delegation)
    alpha.editor_groups.add(delegation)
    users["former_group_member"].groups.remove(delegation)
    beta.editors.add(users["other_agreement_token"])
    round_a, round_b = f.round_(alpha), f.round_(beta)
    f.progress(round_a, "ROO")
    f.progress(round_b, "TIG")
    f.chapter("SVC")
    public_a = f.note(round_a, "public note on alpha")
    secret_a = f.note(round_a, SECRET_A, visibility=Visibility.CONFIDENTIAL, chapter_code="ROO")
    secret_b = f.note(round_b, SECRET_B, visibility=Visibility.CONFIDENTIAL)
    event_a = services.status_event_record(agreement=alpha, status=AgreementStatus.LAUNCHED, date=_d(2017, 1, 18))
    event_b = services.status_event_record(agreement=beta, status=AgreementStatus.LAUNCHED, date=_d(2018, 1, 1))
    return {
        "alpha": alpha,
        "beta": beta,
        "users": users,
        "round_a": round_a,
        "round_b": round_b,
        "public_a": public_a,
        "secret_a": secret_a,
        "secret_b": secret_b,
        "event_a": event_a,
        "event_b": event_b,
        "source": f.source(),
    }


def _d(*parts):
    import datetime as dt

    return dt.date(*parts)


def client_for(user) -> APIClient:
    """A client signed in as ``user`` the way that kind of user comes in (the new kinds are
    named by their role): a real token for the ``*_token`` kinds, a real session for
    ``inactive_session`` (the ``inactive_*`` ones deactivated afterwards), DRF's forced
    authentication for the rest."""
    client = APIClient()
    if user is None:
        return client
    if user.username.endswith("_token"):
        _row, token = AuthToken.objects.create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    elif user.username == "inactive_session":
        client.force_login(user)
    else:
        client.force_authenticate(user)
    if user.username.startswith("inactive"):
        user.is_active = False
        user.save()
    return client


def body(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


LISTS = [
    "/api/agreements/",
    "/api/parties/",
    "/api/chapters/",
    "/api/rounds/",
    "/api/chapter-progress/",
    "/api/notes/",
    "/api/status-events/",
    "/api/sources/",
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("url", LISTS)
def test_every_list_is_readable_by_everyone(world, role, url):
    response = client_for(world["users"][role]).get(url)
    if role == "inactive_token":
        assert response.status_code == 401
        return
    assert response.status_code == 200
    assert "results" in response.json()


@pytest.mark.parametrize("role", ROLES)
def test_every_detail_is_readable_by_everyone(world, role):
    client = client_for(world["users"][role])
    urls = [
        "/api/agreements/alpha/",
        "/api/parties/PER/",
        "/api/chapters/ROO/",
        f"/api/rounds/{world['round_a'].pk}/",
        f"/api/chapter-progress/{world['round_a'].progress.get().pk}/",
        f"/api/notes/{world['public_a'].pk}/",
        f"/api/status-events/{world['event_a'].pk}/",
        f"/api/sources/{world['source'].pk}/",
    ]
    for url in urls:
        assert client.get(url).status_code == (401 if role == "inactive_token" else 200), url


# --- Confidential notes -------------------------------------------------------------------

CAN_READ_SECRET_A = {"official_a", "curator", "by_group_token"}
CAN_READ_SECRET_B = {"curator", "other_agreement_token"}


def _surfaces(world):
    round_a, round_b = world["round_a"], world["round_b"]
    return [
        "/api/notes/",
        "/api/notes/?q=SECRET",
        "/api/notes/?format=csv",
        f"/api/notes/?round={round_a.pk}",
        "/api/notes/?chapter=ROO",
        f"/api/rounds/{round_a.pk}/",
        f"/api/rounds/{round_b.pk}/",
        "/api/rounds/",
        "/api/chapter-progress/?format=csv",
        "/api/export/chapter-progress.csv",
        "/api/export/chapter-progress.json",
    ]


@pytest.mark.parametrize("role", ROLES)
def test_confidential_notes_reach_only_those_allowed(world, role):
    client = client_for(world["users"][role])
    responses = [client.get(url) for url in _surfaces(world)]
    seen = "".join(body(response) for response in responses)
    assert ("SECRET-ALPHA" in seen) == (role in CAN_READ_SECRET_A)
    assert ("SECRET-BETA" in seen) == (role in CAN_READ_SECRET_B)
    if role == "inactive_token":
        # The API refuses the token (401); the full-data export, a plain view, refuses (403).
        assert {response.status_code for response in responses} == {401, 403}
        return
    # The public note is there for everyone.
    assert "public note on alpha" in seen


@pytest.mark.parametrize("role", ROLES)
def test_confidential_note_detail_is_404_for_others(world, role):
    client = client_for(world["users"][role])
    response = client.get(f"/api/notes/{world['secret_a'].pk}/")
    if role in CAN_READ_SECRET_A:
        assert response.status_code == 200
        assert response.json()["text"] == SECRET_A
    else:
        assert response.status_code == (401 if role == "inactive_token" else 404)
        assert "SECRET" not in body(response)


@pytest.mark.parametrize("role", sorted(set(ROLES) - CAN_READ_SECRET_A))
def test_confidential_note_cannot_be_changed_or_deleted_by_others(world, role):
    client = client_for(world["users"][role])
    url = f"/api/notes/{world['secret_a'].pk}/"
    patch = client.patch(url, {"text": "leak?"}, format="json", HTTP_IF_MATCH="*")
    delete = client.delete(url, HTTP_IF_MATCH="*")
    # Users without a writing role are refused before any lookup (the same answer for a note
    # that does not exist); an official never learns that another agreement's note exists.
    expected = 401 if role in SIGNED_OUT else 403 if role == "plain" else 404
    assert patch.status_code == expected
    assert delete.status_code == expected
    missing = client.patch("/api/notes/999999/", {"text": "x"}, format="json", HTTP_IF_MATCH="*")
    assert missing.status_code == expected
    assert ProgressNote.objects.get(pk=world["secret_a"].pk).text == SECRET_A


# --- Writes -------------------------------------------------------------------------------

ALPHA_WRITERS = {"official_a", "curator", "by_group_token"}
OFFICIALS = {"official_a", "official_other", "by_group_token", "former_group_member", "other_agreement_token"}


def denied(role) -> int:
    """401 (with ``WWW-Authenticate: Token``) for signed-out writers, 403 for signed-in ones."""
    return 401 if role in SIGNED_OUT else 403


CURATORS = {"curator"}


def _create_cases(world):
    round_a = world["round_a"]
    return {
        "agreements": (
            "/api/agreements/",
            {"slug": "gamma", "name": "Gamma", "kind": "fta", "parties": ["PER"]},
            CURATORS,
        ),
        "parties": ("/api/parties/", {"code": "ZZZ", "name": "Zedland", "kind": "country"}, CURATORS),
        "chapters": ("/api/chapters/", {"code": "NEWC", "name": "New chapter"}, CURATORS),
        "sources": (
            "/api/sources/",
            {"title": "A press release", "url": "https://example.org/pr"},
            OFFICIALS | CURATORS,
        ),
        "rounds": (
            "/api/rounds/",
            {"agreement": "alpha", "number": 7, "status": "held", "start_date": "2025-01"},
            ALPHA_WRITERS,
        ),
        "status-events": (
            "/api/status-events/",
            {"agreement": "alpha", "status": "under_negotiation", "date": "2017-08"},
            ALPHA_WRITERS,
        ),
        "chapter-progress": (
            "/api/chapter-progress/",
            {"round": round_a.pk, "chapter": "SVC", "status": "closed"},
            ALPHA_WRITERS,
        ),
        "notes": (
            "/api/notes/",
            {"round": round_a.pk, "text": "new note", "visibility": "confidential"},
            ALPHA_WRITERS,
        ),
    }


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "kind", ["agreements", "parties", "chapters", "sources", "rounds", "status-events", "chapter-progress", "notes"]
)
def test_create_follows_the_sites_rules(world, role, kind):
    url, payload, allowed = _create_cases(world)[kind]
    model = {"status-events": StatusEvent, "chapter-progress": ChapterProgress, "notes": ProgressNote}.get(kind)
    model = model or {"agreements": Agreement, "parties": Party, "chapters": Chapter}.get(kind)
    model = model or {"sources": Source, "rounds": Round}[kind]
    before = model.objects.count()
    response = client_for(world["users"][role]).post(url, payload, format="json")
    assert response.status_code == (201 if role in allowed else denied(role)), response.content
    assert model.objects.count() == before + (1 if role in allowed else 0)


def _beta_create_cases(world):
    round_b = world["round_b"]
    return [
        ("/api/rounds/", {"agreement": "beta", "number": 9, "status": "held"}),
        ("/api/status-events/", {"agreement": "beta", "status": "paused", "date": "2019"}),
        ("/api/chapter-progress/", {"round": round_b.pk, "chapter": "ROO", "status": "closed"}),
        ("/api/notes/", {"round": round_b.pk, "text": "not mine"}),
    ]


def test_official_cannot_create_in_an_agreement_not_assigned(world):
    client = client_for(world["users"]["official_a"])
    for url, payload in _beta_create_cases(world):
        assert client.post(url, payload, format="json").status_code == 403, url


def _object_urls(world):
    """(url, patch payload, who may change it) for one record of each endpoint."""
    unused_party = Party.objects.create(code="QQQ", name="Unused")
    unused_chapter = Chapter.objects.create(code="UNUSED", name="Unused")
    unused_source = Source.objects.create(title="Unused")
    round_a = world["round_a"]
    return [
        ("/api/agreements/alpha/", {"summary": "x"}, CURATORS),
        (f"/api/parties/{unused_party.code}/", {"name": "x"}, CURATORS),
        (f"/api/chapters/{unused_chapter.code}/", {"name": "x"}, CURATORS),
        (f"/api/sources/{unused_source.pk}/", {"title": "x"}, CURATORS),
        (f"/api/rounds/{round_a.pk}/", {"summary": "x"}, ALPHA_WRITERS),
        (f"/api/status-events/{world['event_a'].pk}/", {"note": "x"}, ALPHA_WRITERS),
        (f"/api/chapter-progress/{round_a.progress.get().pk}/", {"status": "closed"}, ALPHA_WRITERS),
        (f"/api/notes/{world['public_a'].pk}/", {"text": "x"}, ALPHA_WRITERS),
    ]


@pytest.mark.parametrize("role", ROLES)
def test_update_follows_the_sites_rules(world, role):
    client = client_for(world["users"][role])
    reader = APIClient()
    for url, payload, allowed in _object_urls(world):
        before = reader.get(url).json()
        response = client.patch(url, payload, format="json", HTTP_IF_MATCH="*")
        assert response.status_code == (200 if role in allowed else denied(role)), (url, response.content)
        after = reader.get(url).json()
        changed = {key for key in payload if after[key] != before[key]}
        assert changed == (set(payload) if role in allowed else set()), url


@pytest.mark.parametrize("role", ROLES)
def test_delete_follows_the_sites_rules(world, role):
    client = client_for(world["users"][role])
    # Delete the children before their parents, so that each deletion is judged on its own.
    reader = APIClient()
    for url, _payload, allowed in reversed(_object_urls(world)):
        response = client.delete(url, HTTP_IF_MATCH="*")
        assert response.status_code == (204 if role in allowed else denied(role)), (url, response.content)
        assert reader.get(url).status_code == (404 if role in allowed else 200), url


def test_official_cannot_touch_records_of_another_agreement(world):
    client = client_for(world["users"]["official_a"])
    round_b = world["round_b"]
    for url in [
        f"/api/rounds/{round_b.pk}/",
        f"/api/status-events/{world['event_b'].pk}/",
        f"/api/chapter-progress/{round_b.progress.get().pk}/",
    ]:
        assert client.patch(url, {"note": "x"}, format="json", HTTP_IF_MATCH="*").status_code == 403, url
        assert client.delete(url, HTTP_IF_MATCH="*").status_code == 403, url


def test_a_curator_may_not_delete_reference_data_in_use(world):
    client = client_for(world["users"]["curator"])
    response = client.delete("/api/parties/PER/")
    assert response.status_code == 409
    assert Party.objects.filter(code="PER").exists()


def test_session_writes_need_the_csrf_token(world):
    client = APIClient(enforce_csrf_checks=True)
    # django-axes checks every sign-in against its lock-outs, which needs the request.
    signed_in = client.login(
        request=HttpRequest(), username=world["users"]["curator"].username, password="correct horse battery"
    )
    assert signed_in
    response = client.post("/api/chapters/", {"code": "CSRF", "name": "x"}, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert not Chapter.objects.filter(code="CSRF").exists()
