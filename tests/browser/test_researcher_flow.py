"""End to end in headless Chromium: a researcher filters agreements by chapter, reads the India–Peru
timeline, follows a matrix cell to its notes and downloads the CSV.

Screenshots go to test-artifacts/ (uploaded by CI); look at them after a change to the pages.
"""

import csv
import io

import pytest

from tests.browser.conftest import ARTIFACTS

pytestmark = pytest.mark.browser


def shot(page, name: str, *, full_page: bool = True):
    page.screenshot(path=str(ARTIFACTS / f"researcher-{name}.png"), full_page=full_page)


def test_researcher_flow(live_server, seeded, browser_page):
    from playwright.sync_api import expect

    page = browser_page
    page.goto(f"{live_server.url}/agreements/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Agreements")
    shot(page, "01-agreement-list")

    # Filter by chapter: Critical Minerals, through the form (no JavaScript needed).
    page.locator("details.filters > summary").click()
    page.get_by_label("Chapter", exact=True).select_option("CRM")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**/agreements/?*chapter=CRM*")
    rows = page.locator("table.data tbody tr")
    from negotiations.models import Agreement

    names = rows.locator("th a").all_inner_texts()
    discussed = Agreement.objects.filter(rounds__progress__chapter__code="CRM").distinct()
    assert sorted(names) == sorted(a.name for a in discussed)
    assert "India–Peru Trade Agreement" in names
    shot(page, "02-filtered-by-critical-minerals")

    # Open India–Peru: the timeline shows the 9th round in Lima.
    page.get_by_role("link", name="India–Peru Trade Agreement").click()
    page.wait_for_url("**/agreements/india-peru-ta/")
    expect(page.locator("svg title", has_text="Round 9 — 3–5 Nov 2025 — Lima, Peru")).to_have_count(1)
    round_9 = page.locator(".timeline-list li", has_text="Round 9")
    expect(round_9).to_contain_text("Lima, Peru")
    expect(round_9).to_contain_text("3–5 Nov 2025")
    round_10 = page.locator(".timeline-list li.tl-planned", has_text="Round 10")
    expect(round_10).to_contain_text("Jan 2026")
    expect(page.locator("rect.round.planned")).not_to_have_count(0)
    page.locator("#timeline-heading").scroll_into_view_if_needed()
    page.locator(".timeline").screenshot(path=str(ARTIFACTS / "researcher-03-timeline.png"))
    page.locator(".matrix").screenshot(path=str(ARTIFACTS / "researcher-04-matrix.png"))
    shot(page, "05-agreement-page")

    # Follow the matrix cell Critical Minerals × round 9 to that chapter's notes.
    cell = page.locator(".matrix-table tr", has_text="Critical Minerals").locator("td.cell a").last
    expect(cell).to_have_text("Substantial progress")
    cell.click()
    page.wait_for_url("**/rounds/*/#chapter-CRM")
    section = page.locator("#chapter-CRM")
    expect(section).to_be_in_viewport()
    expect(section).to_contain_text("critical minerals")
    shot(page, "06-round-notes-for-critical-minerals", full_page=False)

    # Back on the agreement page, download the rounds as CSV.
    page.go_back()
    page.wait_for_url("**/agreements/india-peru-ta/")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Rounds (CSV)").click()
    download = download_info.value
    assert download.suggested_filename.startswith("rounds-") and download.suggested_filename.endswith(".csv")
    path = ARTIFACTS / "researcher-india-peru-rounds.csv"
    download.save_as(path)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert {r["agreement"] for r in rows} == {"india-peru-ta"}
    [ninth] = [r for r in rows if r["number"] == "9"]
    assert (ninth["city"], ninth["start_date"], ninth["end_date"]) == ("Lima", "2025-11-03", "2025-11-05")
    [tenth] = [r for r in rows if r["number"] == "10"]
    assert (tenth["status"], tenth["start_date"], tenth["date_precision"]) == ("planned", "2026-01", "month")


def test_pages_work_on_a_phone_without_horizontal_page_scroll(live_server, seeded, browser_page):
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    pages = [
        ("/", "home"),
        ("/agreements/india-peru-ta/", "agreement"),
        ("/rounds/", "rounds"),
        ("/about/coverage/", "coverage"),
    ]
    for path, name in pages:
        page.goto(live_server.url + path)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 1, (path, overflow)
        shot(page, f"phone-{name}", full_page=False)


def test_print_stylesheet_hides_navigation(live_server, seeded, browser_page):
    page = browser_page
    page.goto(f"{live_server.url}/agreements/india-peru-ta/")
    page.emulate_media(media="print")
    assert page.locator(".site-header").is_hidden()
    assert page.locator(".timeline-chart svg").is_visible()
    shot(page, "07-agreement-print")
