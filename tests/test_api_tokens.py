"""API tokens (django-rest-knox): only a digest is stored, a token is shown once (by
``issue_token`` or the admin), tokens expire and can be revoked, and a curator can revoke any
token but never read one."""

import datetime as dt
import importlib

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from knox.models import AuthToken
from knox.settings import CONSTANTS
from rest_framework.authtoken.models import Token as ClearTextToken
from rest_framework.test import APIClient

from negotiations import roles
from tests import factories as f

MIGRATION = "0014_hashed_tokens_and_sign_in_locks"


def issue(capsys, username, *options) -> str:
    call_command("issue_token", username, *options)
    return capsys.readouterr().out.strip()


def api(token: str | None = None) -> APIClient:
    client = APIClient()
    if token:
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def accepted(token: str) -> bool:
    """A valid token reads (200); an unknown, expired or revoked one is refused (401)."""
    status = api(token).get("/api/chapters/").status_code
    assert status in (200, 401)
    return status == 200


def test_an_issued_token_authenticates_writes(db, capsys):
    curator = f.user("ministry", role=roles.CURATOR)
    token = issue(capsys, curator.username)
    assert len(token) == 64
    response = api(token).post("/api/chapters/", {"code": "TOK", "name": "Token chapter"}, format="json")
    assert response.status_code == 201
    response = api("not-a-token").get("/api/chapters/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_a_token_is_in_no_database_column(db, capsys):
    """A stolen database holds no usable token: neither the token nor its secret part is stored."""
    curator = f.user("ministry", role=roles.CURATOR)
    token = issue(capsys, curator.username)
    secret_part = token[CONSTANTS.TOKEN_KEY_LENGTH :]
    cells = 0
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            for row in cursor.fetchall():
                for value in row:
                    text = value.hex() if isinstance(value, bytes | memoryview) else str(value)
                    cells += 1
                    assert token not in text and secret_part not in text, table
    assert cells > 100  # the scan did read the tables
    assert AuthToken.objects.filter(user=curator).count() == 1


def test_each_issue_is_a_new_token_shown_once_and_rotate_revokes_the_others(db, capsys):
    official = f.user("ministry2", role=roles.CURATOR)
    first = issue(capsys, official.username)
    second = issue(capsys, official.username)
    assert first != second and accepted(first) and accepted(second)
    third = issue(capsys, official.username, "--rotate")
    assert not accepted(first) and not accepted(second) and accepted(third)
    call_command("issue_token", official.username, "--revoke")
    assert "1 token(s) of ministry2 revoked." in capsys.readouterr().out
    assert not accepted(third)


def test_tokens_expire(db, capsys):
    curator = f.user("ministry", role=roles.CURATOR)
    token = issue(capsys, curator.username)
    row = AuthToken.objects.get(user=curator)
    assert timezone.now() + dt.timedelta(days=89) < row.expiry < timezone.now() + dt.timedelta(days=91)
    AuthToken.objects.filter(pk=row.pk).update(expiry=timezone.now() - dt.timedelta(seconds=1))
    response = api(token).get("/api/chapters/")
    assert response.status_code == 401
    assert not AuthToken.objects.filter(user=curator).exists()  # knox removes it


def test_days_option(db, capsys):
    user = f.user("ministry")
    issue(capsys, user.username, "--days", "0")
    assert AuthToken.objects.get(user=user).expiry is None
    issue(capsys, user.username, "--rotate", "--days", "7")
    expiry = AuthToken.objects.get(user=user).expiry
    assert timezone.now() + dt.timedelta(days=6) < expiry < timezone.now() + dt.timedelta(days=8)


def test_an_inactive_user_gets_no_token_and_their_tokens_stop_working(db, capsys):
    user = f.user("ministry", role=roles.CURATOR)
    token = issue(capsys, user.username)
    user.is_active = False
    user.save()
    assert api(token).get("/api/chapters/").status_code == 401
    with pytest.raises(Exception, match="inactive"):
        call_command("issue_token", user.username)


# --- The admin ------------------------------------------------------------------------------


@pytest.fixture
def curator_client(db):
    client = Client()
    client.force_login(f.user("curator", role=roles.CURATOR))
    return client


def test_a_curator_issues_a_token_in_the_admin_and_sees_it_once(curator_client):
    official = f.user("ana", role=roles.OFFICIAL)
    response = curator_client.post(
        reverse("admin:knox_authtoken_add"), {"user": official.pk, "expiry_0": "", "expiry_1": ""}, follow=True
    )
    assert response.status_code == 200
    [message] = [str(m) for m in response.context["messages"] if "shown only this once" in str(m)]
    token = message.rsplit(" ", 1)[-1]
    assert len(token) == 64 and acts_as_the_official(token, official)
    # Never again: not in the list, not on the token's page, not in the next page's messages.
    row = AuthToken.objects.get(user=official)
    for url in [
        reverse("admin:knox_authtoken_changelist"),
        reverse("admin:knox_authtoken_change", args=[row.pk]),
        reverse("admin:index"),
    ]:
        page = curator_client.get(url).content.decode()
        assert token not in page and token[CONSTANTS.TOKEN_KEY_LENGTH :] not in page, url


def acts_as_the_official(token, official) -> bool:
    """The token acts as its user (an official: may read, may not create chapters)."""
    response = api(token).post("/api/chapters/", {"code": "OFF", "name": "x"}, format="json")
    return response.status_code == 403 and api(token).get("/api/chapters/").status_code == 200


def test_the_admin_never_shows_a_token_value(curator_client, capsys):
    boss = f.user("boss", is_superuser=True, is_staff=True)
    tokens = [issue(capsys, "boss"), issue(capsys, f.user("ana", role=roles.OFFICIAL).username)]
    listing = curator_client.get(reverse("admin:knox_authtoken_changelist"))
    assert listing.status_code == 200
    text = listing.content.decode()
    assert "boss" in text and "ana" in text  # every token is listed, a superuser's too
    for token in tokens:
        assert token not in text and token[CONSTANTS.TOKEN_KEY_LENGTH :] not in text
    for row in AuthToken.objects.all():
        page = curator_client.get(reverse("admin:knox_authtoken_change", args=[row.pk]))
        assert page.status_code == 200
        assert not any(token[CONSTANTS.TOKEN_KEY_LENGTH :] in page.content.decode() for token in tokens)
        assert page.context["adminform"].form.fields.keys() <= {"user", "expiry"}
    assert boss.is_superuser


def test_a_curator_revokes_any_token_in_the_admin(curator_client, capsys):
    f.user("boss", is_superuser=True, is_staff=True)
    token = issue(capsys, "boss")
    row = AuthToken.objects.get()
    response = curator_client.post(
        reverse("admin:knox_authtoken_changelist"),
        {"action": "delete_selected", "_selected_action": [row.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not AuthToken.objects.exists()
    assert api(token).get("/api/chapters/").status_code == 401


def test_a_curator_cannot_issue_a_token_for_a_superuser(curator_client):
    boss = f.user("boss", is_superuser=True, is_staff=True)
    response = curator_client.post(reverse("admin:knox_authtoken_add"), {"user": boss.pk})
    assert response.status_code == 200
    assert "user" in response.context["adminform"].form.errors
    assert not AuthToken.objects.exists()


def test_an_official_cannot_open_the_tokens(db):
    client = Client()
    client.force_login(f.user("ana", role=roles.OFFICIAL))
    assert client.get(reverse("admin:knox_authtoken_changelist")).status_code == 302


# --- Upgrading from DRF's clear-text tokens ---------------------------------------------------


def test_the_migration_hashes_the_clear_text_tokens_and_they_keep_working(db):
    curator = f.user("ministry", role=roles.CURATOR)
    old = ClearTextToken.objects.create(user=curator)
    migration = importlib.import_module(f"negotiations.migrations.{MIGRATION}")
    state = MigrationLoader(connection).project_state(("negotiations", MIGRATION))
    migration.forward(state.apps, None)
    assert not ClearTextToken.objects.exists()
    row = AuthToken.objects.get(user=curator)
    assert row.expiry is not None and old.key not in (row.digest, row.token_key)
    assert accepted(old.key)


# --- The API's description -------------------------------------------------------------------


def test_the_schema_describes_the_token_scheme(client, db):
    schema = client.get("/api/schema/?format=json").json()
    scheme = schema["components"]["securitySchemes"]["knoxApiToken"]
    assert scheme["type"] == "apiKey" and scheme["in"] == "header" and scheme["name"] == "Authorization"
    assert "Token" in scheme["description"]
    assert {"knoxApiToken": []} in schema["paths"]["/api/rounds/"]["post"]["security"]
