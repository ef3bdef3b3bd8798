"""In headless Chromium at 1366 and 390 px: an overdue round shows its state, and searching
"ROO" lists the Rules of Origin chapter page first. Screenshots go to test-artifacts/."""

import datetime as dt

import pytest

from tests.browser.conftest import ARTIFACTS

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [1366, 390])
def test_overdue_round_and_roo_search(live_server, transactional_db, browser_page, width):
    from django.utils import timezone
    from playwright.sync_api import expect

    from negotiations.choices import RoundStatus
    from tests import factories as f

    f.chapter("ROO", "Rules of Origin")
    a = f.agreement("india-peru", name="India–Peru TA")
    today = timezone.localdate()
    r = f.round_(a, 10, status=RoundStatus.PLANNED, start_date=today - dt.timedelta(days=40), end_date=None)
    f.round_(a, 3, summary="Rules of origin discussed (ROO).", start_date=dt.date(2024, 5, 6))
    page = browser_page
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server.url}{r.get_absolute_url()}")
    expect(page.locator(".badge-overdue").first).to_contain_text("Date passed — outcome not recorded")
    page.screenshot(path=str(ARTIFACTS / f"overdue-round-{width}.png"))
    page.goto(f"{live_server.url}/search/?q=ROO")
    first = page.locator("ol.search-results li a").first
    expect(first).to_have_attribute("href", "/chapters/ROO/")
    page.screenshot(path=str(ARTIFACTS / f"search-roo-{width}.png"))
