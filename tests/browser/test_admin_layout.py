"""The curators' admin at 1366 px in headless Chromium: the index's curation tools read as
lines of text, and the agreement and round change pages, with all their inlines, fit the
screen. Screenshots go to test-artifacts/."""

import pytest
from django.conf import settings
from django.test import Client

from negotiations import roles
from tests import factories as f
from tests.browser.conftest import ARTIFACTS

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1366, "height": 900}


def sign_in(page, base_url: str, user) -> None:
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": base_url}])


def test_admin_pages_fit_a_1366_px_screen(live_server, seeded, browser_page):
    from negotiations.models import Round

    page = browser_page
    page.set_viewport_size(DESKTOP)
    sign_in(page, live_server.url, f.user("curator-layout", role=roles.CURATOR, is_superuser=True))
    round_9 = Round.objects.select_related("agreement").get(agreement__slug="india-peru-ta", number=9)

    page.goto(f"{live_server.url}/admin/")
    link = page.locator("#tracker-tools th a").first
    line_height = link.evaluate("a => parseFloat(getComputedStyle(a).lineHeight) || 20")
    assert link.bounding_box()["height"] < 1.5 * line_height, "the tool's name wraps letter by letter"
    page.screenshot(path=str(ARTIFACTS / "admin-index-1366.png"), full_page=True)

    pages = {
        "agreement": f"/admin/negotiations/agreement/{round_9.agreement.pk}/change/",
        "round": f"/admin/negotiations/round/{round_9.pk}/change/",
    }
    for name, path in pages.items():
        page.goto(live_server.url + path)
        assert page.locator(".inline-group").count() >= 3
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        page.screenshot(path=str(ARTIFACTS / f"admin-{name}-change-1366.png"), full_page=True)
        assert overflow == 0, f"{path} is {overflow} px wider than the screen"
