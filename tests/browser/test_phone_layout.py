"""Phone and desktop layouts in headless Chromium: nothing wider than the screen at 390 px, the
matrix keeps its chapter names while it scrolls sideways, the timeline opens on the latest years
with labels drawn at 11 px or more and names its undated rounds beside the chart, status pills
stay on one line, lists become cards, the sign-in page fits a phone screen. Screenshots of each
page at 390 and 1366 px go to test-artifacts/."""

import pytest

from tests.browser.conftest import ARTIFACTS

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


def shot(page, name: str, width: int):
    page.screenshot(path=str(ARTIFACTS / f"phone-{name}-{width}.png"), full_page=True)


def horizontal_overflow(page) -> int:
    """How many pixels the page is wider than the screen (0 when nothing sticks out)."""
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


def public_pages(live_server) -> dict:
    from negotiations.models import Round

    round_9 = Round.objects.get(agreement__slug="india-peru-ta", number=9)
    return {
        "home": "/",
        "agreements": "/agreements/",
        "rounds": "/rounds/",
        "agreement": "/agreements/india-peru-ta/",
        "round": round_9.get_absolute_url(),
        "chapters": "/chapters/",
        "chapter": "/chapters/ROO/",
        "party": "/parties/PER/",
        "search": "/search/?q=rules+of+origin",
        "coverage": "/about/coverage/",
    }


def test_no_public_page_is_wider_than_a_phone(live_server, seeded, browser_page):
    page = browser_page
    for viewport in (PHONE, DESKTOP):
        page.set_viewport_size(viewport)
        for name, path in public_pages(live_server).items():
            page.goto(live_server.url + path)
            shot(page, name, viewport["width"])
            assert horizontal_overflow(page) == 0, f"{path} is wider than {viewport['width']} px"
            if viewport is PHONE:
                assert sideways_scrollers(page) <= MARKED_SCROLLERS, path


# The only boxes that may scroll sideways on a phone: named regions that take the keyboard
# (the timeline also says so in a visible hint).
MARKED_SCROLLERS = {"chart-scroll", "matrix-scroll"}


def sideways_scrollers(page) -> set:
    return set(
        page.evaluate(
            """() => [...document.querySelectorAll('main *')].filter(box => {
                const overflow = getComputedStyle(box).overflowX;
                return (overflow === 'auto' || overflow === 'scroll') && box.scrollWidth > box.clientWidth + 1;
            }).map(box => box.className)"""
        )
    )


def test_lists_become_cards_that_keep_status_where_and_chapters(live_server, seeded, browser_page):
    page = browser_page
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/rounds/?agreement=india-peru-ta")
    card = page.locator("table.cards tbody tr", has=page.locator("a.chip")).first  # a held round
    box = card.bounding_box()
    assert box["width"] <= PHONE["width"]
    for label in ("Where", "Status", "Chapters"):
        cell = card.locator(f'td[data-label="{label}"]')
        assert cell.count() == 1
        cell_box = cell.bounding_box()
        assert cell_box and cell_box["x"] + cell_box["width"] <= PHONE["width"], label
    # The column name is written before the value, since the header row is not shown.
    before = card.locator('td[data-label="Status"]').evaluate("cell => getComputedStyle(cell, '::before').content")
    assert "Status" in before
    page.set_viewport_size(DESKTOP)
    assert page.locator("table.cards thead th").first.is_visible()


def test_matrix_keeps_chapter_names_and_round_headings_in_view(live_server, seeded, browser_page):
    page = browser_page
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/agreements/india-peru-ta/")
    scroller = page.locator(".matrix-scroll")
    scroller.scroll_into_view_if_needed()
    assert scroller.evaluate("box => box.scrollWidth > box.clientWidth"), "the matrix should not fit a phone"
    first_chapter = page.locator(".matrix-table tbody th").first
    left_before = first_chapter.bounding_box()["x"]
    scroller.evaluate("box => { box.scrollLeft = box.scrollWidth; }")
    page.wait_for_function("document.querySelector('.matrix-scroll').scrollLeft > 0")
    assert first_chapter.bounding_box()["x"] == pytest.approx(left_before, abs=1)
    # The chapter name is painted on top of the cells that scrolled under it.
    box = first_chapter.bounding_box()
    hit = page.evaluate(
        "([x, y]) => document.elementFromPoint(x, y).closest('th')?.scope || ''",
        [box["x"] + 5, box["y"] + box["height"] / 2],
    )
    assert hit == "row"
    page.locator(".matrix").screenshot(path=str(ARTIFACTS / "phone-matrix-scrolled-390.png"))

    # Round headings stay at the top when the matrix scrolls down.
    heading = page.locator(".matrix-table thead th.round-col").last
    top_before = heading.bounding_box()["y"]
    scroller.evaluate("box => { box.scrollTop = box.scrollHeight; }")
    if scroller.evaluate("box => box.scrollTop > 0"):
        assert heading.bounding_box()["y"] == pytest.approx(top_before, abs=1)


def test_timeline_opens_on_the_latest_years_with_a_way_back(live_server, seeded, browser_page):
    from playwright.sync_api import expect

    page = browser_page
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/agreements/india-peru-ta/")
    scroller = page.locator(".chart-scroll")
    scroller.scroll_into_view_if_needed()
    assert scroller.evaluate("box => box.scrollWidth > box.clientWidth")
    expect(page.locator(".chart-scroll-hint")).to_be_visible()

    def on_screen(locator) -> bool:
        view, box = scroller.bounding_box(), locator.bounding_box()
        return box["x"] >= view["x"] - 1 and box["x"] + box["width"] <= view["x"] + view["width"] + 1

    ticks = page.locator(".chart-scroll .tick-label")
    latest_round = page.locator(".chart-scroll rect.round").last
    assert on_screen(latest_round) and on_screen(ticks.last)
    assert not on_screen(ticks.first)
    page.locator(".timeline").screenshot(path=str(ARTIFACTS / "phone-timeline-390.png"))
    # The way back: the box scrolls to the earliest years (it takes the keyboard focus too).
    assert scroller.get_attribute("tabindex") == "0"
    scroller.evaluate("box => { box.scrollLeft = -box.scrollWidth; }")
    assert on_screen(ticks.first)
    page.set_viewport_size(DESKTOP)
    expect(page.locator(".chart-scroll-hint")).to_be_hidden()
    assert on_screen(ticks.first) and on_screen(ticks.last)


def rendered_font_size(locator) -> float:
    """The font size on screen of an SVG text: its CSS size times the drawing's scale."""
    return locator.evaluate("t => parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a")


def test_timeline_labels_are_legible_on_a_phone(live_server, seeded, browser_page):
    page = browser_page
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/agreements/india-peru-ta/")
    year, round_number = page.locator(".tick-label").last, page.locator(".round-label").last
    year.scroll_into_view_if_needed()
    for label in (year, round_number, page.locator(".lane-label").first):
        assert rendered_font_size(label) >= 11, label.text_content()
    assert year.bounding_box()["height"] >= 11
    page.locator(".chart-scroll").screenshot(path=str(ARTIFACTS / "phone-timeline-labels-390.png"))


def test_undated_rounds_are_named_beside_the_chart_and_listed_by_number(live_server, db, browser_page):
    import datetime as dt

    from tests import factories as f

    agreement = f.agreement("undated-rounds", name="Undated rounds")
    f.round_(agreement, 1, start_date=dt.date(2019, 3, 4), end_date=dt.date(2019, 3, 6))
    f.round_(agreement, 2, start_date=None, end_date=None)
    f.round_(agreement, 3, start_date=None, end_date=None)
    f.round_(agreement, 4, start_date=dt.date(2021, 5, 10), end_date=dt.date(2021, 5, 12))
    page = browser_page
    for viewport in (PHONE, DESKTOP):
        page.set_viewport_size(viewport)
        page.goto(f"{live_server.url}/agreements/undated-rounds/")
        strip = page.locator(".timeline-chart .chart-undated")
        assert strip.is_visible()
        assert strip.locator("a").all_text_contents() == ["Round 2", "Round 3"]
        # Only the dated rounds are drawn on the date axis.
        assert page.locator(".chart-scroll rect.round").count() == 2
        page.locator(".timeline").screenshot(path=str(ARTIFACTS / f"phone-timeline-undated-{viewport['width']}.png"))
    items = page.locator(".timeline-list .tl-item")
    assert [items.nth(i).locator(".tl-body strong").text_content() for i in range(4)] == [
        "Round 4",
        "Round 3",
        "Round 2",
        "Round 1",
    ]
    assert items.nth(1).locator(".tl-date").text_content().strip() == "date unknown"


@pytest.mark.parametrize("language", ["en", "es"])
def test_overdue_status_pill_stays_on_one_line(live_server, seeded, browser_page, language):
    page = browser_page
    page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    for viewport in (PHONE, DESKTOP):
        page.set_viewport_size(viewport)
        page.goto(f"{live_server.url}/agreements/india-peru-ta/")
        pills = page.locator(".timeline-list .tl-kind")
        overdue = pills.filter(has_text="Date passed" if language == "en" else "Fecha pasada").first
        one_line = pills.filter(has_text="Held" if language == "en" else "Realizada").first.bounding_box()["height"]
        assert overdue.bounding_box()["height"] == pytest.approx(one_line, abs=1), (language, viewport)
        overdue.locator("xpath=ancestor::li").screenshot(
            path=str(ARTIFACTS / f"phone-overdue-pill-{language}-{viewport['width']}.png")
        )


@pytest.mark.parametrize("language", ["en", "es"])
def test_sign_in_page_fits_a_phone_screen(live_server, db, browser_page, language):
    page = browser_page
    page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/accounts/login/")
    height = page.evaluate("document.scrollingElement.scrollHeight")
    page.screenshot(path=str(ARTIFACTS / f"phone-sign-in-{language}-390.png"), full_page=True)
    assert height <= PHONE["height"], f"the sign-in page is {height - PHONE['height']} px taller than the screen"
