"""The Content-Security-Policy in a real browser: the API docs (Swagger UI) and the admin work
under it, with no violation reported (the shared fixture fails a test on any)."""

import pytest

from negotiations import roles
from tests import factories as f
from tests.browser.conftest import ARTIFACTS

pytestmark = pytest.mark.browser


def test_the_api_docs_run_under_the_policy(live_server, seeded, browser_page):
    from playwright.sync_api import expect

    page = browser_page
    response = page.goto(f"{live_server.url}/api/docs/")
    assert "script-src 'self' 'nonce-" in response.headers["content-security-policy"]
    # Swagger UI's start-up script ran (it needs the nonce) and loaded the schema.
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Trade negotiation tracker API")
    expect(page.locator(".opblock-tag", has_text="rounds").first).to_be_visible()
    # The token scheme is there to authorize with.
    expect(page.get_by_role("button", name="Authorize")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "csp-api-docs.png"))
    assert page.csp_violations == []


def test_the_admin_and_the_pages_run_under_the_policy(live_server, seeded, browser_page):
    from playwright.sync_api import expect

    from negotiations.models import Round

    roles.roles_ensure()
    f.user("curator", role=roles.CURATOR)
    page = browser_page
    page.goto(f"{live_server.url}/admin/login/")
    page.get_by_label("Username").fill("curator")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Curate the record")).to_be_visible()
    # A change form loads the admin's own scripts (calendar, related-object pop-ups).
    round_ = Round.objects.order_by("pk").first()
    page.goto(f"{live_server.url}/admin/negotiations/round/{round_.pk}/change/")
    expect(page.locator("#round_form")).to_be_visible()
    expect(page.locator(".datetimeshortcuts").first).to_be_visible()  # added by the admin's JS
    page.screenshot(path=str(ARTIFACTS / "csp-admin-round.png"))
    for path in ["/", "/agreements/india-peru-ta/", "/rounds/", f"/rounds/{round_.pk}/", "/chapters/CRM/", "/api/"]:
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        assert "default-src 'self'" in response.headers["content-security-policy"], path
    assert page.csp_violations == []
