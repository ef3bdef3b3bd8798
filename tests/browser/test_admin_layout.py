"""The curators' admin in headless Chromium: at 1366 px the index's curation tools read as
lines of text, and the agreement and round change pages, with all their inlines, fit the
screen; at 390 px the inlines become stacked rows, so neither the page nor an inline scrolls
sideways, nor does a record's change history. Screenshots go to test-artifacts/."""

import pytest
from django.conf import settings
from django.test import Client

from negotiations import roles
from tests import factories as f
from tests.browser.conftest import ARTIFACTS

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


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


def test_admin_change_and_history_pages_need_no_sideways_scrolling_on_a_phone(live_server, seeded, browser_page):
    from playwright.sync_api import expect

    from negotiations.models import Round

    page = browser_page
    page.set_viewport_size(PHONE)
    sign_in(page, live_server.url, f.user("curator-phone", role=roles.CURATOR, is_superuser=True))
    round_9 = Round.objects.select_related("agreement").get(agreement__slug="india-peru-ta", number=9)
    pages = {
        "round": f"/admin/negotiations/round/{round_9.pk}/change/",
        "agreement": f"/admin/negotiations/agreement/{round_9.agreement.pk}/change/",
        "round-history": f"/admin/negotiations/round/{round_9.pk}/history/",
    }
    for name, path in pages.items():
        page.goto(live_server.url + path)
        page.screenshot(path=str(ARTIFACTS / f"admin-{name}-390.png"), full_page=True)
        width = page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1], f"{path} is {width[0]} px wide on a {width[1]} px screen"
        # Nor does an inline hide its columns in a box that scrolls sideways.
        scrollers = page.evaluate(
            """() => [...document.querySelectorAll('.inline-group, .inline-group *')].filter(box => {
                const overflow = getComputedStyle(box).overflowX;
                return (overflow === 'auto' || overflow === 'scroll') && box.scrollWidth > box.clientWidth + 1;
            }).map(box => box.closest('.inline-group').id)"""
        )
        assert not scrollers, f"{path}: these inlines scroll sideways: {scrollers}"

    # A chapter-progress row on the round page: each field on screen, under its column's name.
    page.goto(live_server.url + pages["round"])
    row = page.locator("#progress-group tr.form-row.has_original").first
    for cell in (row.locator("td.field-status"), row.locator("td.delete")):
        box = cell.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    status_name = row.locator("td.field-status").evaluate("cell => getComputedStyle(cell, '::before').content")
    assert "Status" in status_name
    expect(row.locator("td.field-status select")).to_be_visible()
    page.locator("#progress-group").screenshot(path=str(ARTIFACTS / "admin-round-progress-390.png"))
