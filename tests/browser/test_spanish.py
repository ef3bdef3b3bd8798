"""In headless Chromium: a reader switches to Spanish on an agreement page, follows a filter link
and stays in Spanish with the same filters; screenshots of the main pages in Spanish at phone and
desktop widths (test-artifacts/es-*.png) to look at: no English left, no layout broken."""

import pytest

from tests.browser.conftest import ARTIFACTS

pytestmark = pytest.mark.browser

PAGES = {
    "home": "/",
    "agreements": "/agreements/",
    "rounds": "/rounds/?party=PER",
    "chapters": "/chapters/",
    "chapter-roo": "/chapters/ROO/",
    "agreement": "/agreements/india-peru-ta/",
    "search": "/search/?q=reglas+de+origen",
}


def test_switch_to_spanish_then_follow_a_filter_link(live_server, seeded, browser_page):
    from playwright.sync_api import expect

    page = browser_page
    page.goto(f"{live_server.url}/agreements/india-peru-ta/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_role("button", name="Español").click()
    page.wait_for_url("**/agreements/india-peru-ta/")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("heading", name="Cronología", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Español")).to_have_attribute("aria-current", "true")

    # A party's name leads to its country page, which links to the filtered lists.
    page.locator(".facts").get_by_role("link", name="Perú").click()
    page.wait_for_url("**/parties/PER/")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    page.get_by_role("link", name="Sus acuerdos (lista filtrada)").click()
    page.wait_for_url("**/agreements/?party=PER")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("heading", level=1)).to_have_text("Acuerdos")
    expect(page.locator("select[name=party] option:checked")).to_have_text("Perú (PER)")

    # Switching back on the filtered page keeps the filters too.
    page.get_by_role("button", name="English").click()
    page.wait_for_url("**/agreements/?party=PER")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("select[name=party] option:checked")).to_have_text("Peru (PER)")


@pytest.mark.parametrize("width", [390, 1366])
def test_spanish_pages_at_phone_and_desktop_width(live_server, seeded, browser_page, width):
    page = browser_page
    page.set_viewport_size({"width": width, "height": 900})
    page.context.add_cookies([{"name": "django_language", "value": "es", "url": live_server.url}])
    for name, path in PAGES.items():
        page.goto(f"{live_server.url}{path}")
        assert page.locator("html").get_attribute("lang") == "es", path
        # Longer Spanish words must not push the page sideways.
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, (path, width, overflow)
        page.screenshot(path=str(ARTIFACTS / f"es-{name}-{width}.png"), full_page=True)
