"""The Content-Security-Policy header (django-csp) on pages, the admin and the API docs; inline
scripts and style elements only with the response's nonce. The browser tests check that the
pages actually run under it (tests/browser/test_content_security_policy.py)."""

import re

import pytest

from negotiations import roles
from tests import factories as f

INLINE_SCRIPT_OR_STYLE = re.compile(r"<(script|style)\b(?![^>]*\bsrc=)([^>]*)>", re.IGNORECASE)


def policy(response) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    return {name: values for name, *values in (part.split() for part in header.split(";") if part.strip())}


def assert_no_inline_code_without_the_nonce(response):
    nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"])
    for tag, attributes in INLINE_SCRIPT_OR_STYLE.findall(response.content.decode()):
        if 'type="application/json"' in attributes:
            continue  # data, never run
        assert nonce and f'nonce="{nonce.group(1)}"' in attributes, f"<{tag}{attributes}> without the nonce"


@pytest.mark.parametrize(
    "path", ["/", "/agreements/", "/rounds/", "/chapters/", "/search/?q=rules", "/accounts/login/", "/admin/login/"]
)
def test_every_page_has_the_policy(client, db, path):
    response = client.get(path)
    assert response.status_code == 200
    directives = policy(response)
    assert directives["default-src"] == ["'self'"]
    assert "'unsafe-inline'" not in directives["script-src"] and "'unsafe-eval'" not in directives["script-src"]
    assert "'unsafe-inline'" not in directives["style-src"]
    assert directives["object-src"] == ["'none'"] and directives["frame-ancestors"] == ["'none'"]
    assert_no_inline_code_without_the_nonce(response)


def test_the_admin_has_the_policy(client, db):
    client.force_login(f.user("curator", role=roles.CURATOR))
    for path in ["/admin/", "/admin/negotiations/round/", "/admin/negotiations/round/add/"]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert "'unsafe-inline'" not in policy(response)["script-src"]
        assert_no_inline_code_without_the_nonce(response)


def test_the_api_docs_start_with_a_nonce(client, db):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
    assert f'<script nonce="{nonce}">' in response.content.decode()
    assert_no_inline_code_without_the_nonce(response)
    # A fresh nonce for every response.
    assert nonce not in client.get("/api/docs/").headers["Content-Security-Policy"]


def test_the_browsable_api_and_the_schema_have_the_policy(client, db):
    browsable = client.get("/api/rounds/", HTTP_ACCEPT="text/html")
    assert browsable.status_code == 200
    assert_no_inline_code_without_the_nonce(browsable)
    assert "default-src 'self'" in client.get("/api/schema/").headers["Content-Security-Policy"]
