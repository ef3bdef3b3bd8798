"""In headless Chromium: the agreement filter box on /rounds/ suggests agreements as the user
types (static/js/filters.js fills its <datalist> from /agreements/suggest.json), and the picked
suggestion filters the rounds.

Screenshots go to test-artifacts/ (uploaded by CI); look at them after a change to the form.
"""

import pytest

from tests.browser.conftest import ARTIFACTS

pytestmark = pytest.mark.browser


def shot(page, name: str):
    page.screenshot(path=str(ARTIFACTS / f"autocomplete-{name}.png"), full_page=False)


def test_typing_part_of_a_name_suggests_the_agreement_and_picking_it_filters(live_server, seeded, browser_page):
    from playwright.sync_api import expect

    from negotiations.models import Agreement, Round

    chile = Agreement.objects.get(slug="india-chile-cepa")
    page = browser_page
    page.goto(f"{live_server.url}/rounds/")
    page.locator("details.filters summary").click()
    box = page.get_by_label("Agreement", exact=True)
    expect(box).to_have_attribute("list", "id_agreement_suggestions")

    # Part of the name, as a user would type it (not the slug).
    box.press_sequentially("Chile", delay=30)
    suggestions = page.locator("#id_agreement_suggestions option")
    expect(suggestions).not_to_have_count(0)
    suggestion = page.locator(f'#id_agreement_suggestions option[value="{chile.slug}"]')
    expect(suggestion).to_have_attribute("label", chile.name)
    box.focus()
    shot(page, "01-typed")

    # Pick it: the browser draws the <datalist> popup outside the page, where Playwright cannot
    # click; choosing an option sets the box to the option's value, as here.
    box.fill(suggestion.get_attribute("value"))
    expect(box).to_have_value(chile.slug)
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(f"**/rounds/?*agreement={chile.slug}*")

    expected = Round.objects.filter(agreement=chile).count()
    assert expected > 0
    rows = page.locator("table.data tbody tr")
    expect(rows).to_have_count(expected)
    assert set(rows.locator("td:nth-child(2) a").all_inner_texts()) == {str(chile)}
    expect(page.get_by_label("Agreement", exact=True)).to_have_value(chile.slug)
    shot(page, "02-filtered")


def test_suggestions_keep_the_agreements_typed_before(live_server, seeded, browser_page):
    from playwright.sync_api import expect

    page = browser_page
    page.goto(f"{live_server.url}/rounds/?agreement=india-peru-ta")
    page.locator("details.filters summary").click()  # closed: the summary above shows the filters
    box = page.get_by_label("Agreement", exact=True)
    expect(box).to_have_value("india-peru-ta")
    box.press("End")
    box.press_sequentially(", chile", delay=30)
    expect(page.locator('#id_agreement_suggestions option[value="india-peru-ta, india-chile-cepa"]')).to_have_count(1)
    box.fill("india-peru-ta, india-chile-cepa")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**/rounds/?*agreement=india-peru-ta*")
    from negotiations.models import Agreement

    both = Agreement.objects.filter(slug__in=["india-peru-ta", "india-chile-cepa"], rounds__isnull=False).distinct()
    assert len(both) == 2
    agreements = set(page.locator("table.data tbody tr td:nth-child(2) a").all_inner_texts())
    assert agreements == {str(a) for a in both}
    shot(page, "03-two-agreements")
