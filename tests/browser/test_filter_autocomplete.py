"""In headless Chromium: the agreement filter on /rounds/ is a picker (static/js/filters.js) that
looks agreements up by name in /agreements/suggest.json as the user types; the picked agreement
becomes a chip, and the form sends its slug as ``agreement=`` as before.

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
    page.locator("details.filters > summary").click()
    box = page.get_by_role("combobox", name="Agreement", exact=True)
    expect(box).to_have_accessible_description(
        "Type part of a name and pick the agreement; pick several for any of them."
    )

    # Part of the name, as a user would type it (not the slug).
    box.press_sequentially("Chile", delay=30)
    option = page.get_by_role("option", name=chile.name, exact=True)
    expect(option).to_be_visible()
    shot(page, "01-typed")

    option.click()
    chip = page.locator(".field-agreement .picker-chip")
    expect(chip).to_have_count(1)
    expect(chip).to_contain_text(chile.name)
    expect(box).to_have_value("")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(f"**/rounds/?*agreement={chile.slug}*")

    expected = Round.objects.filter(agreement=chile).count()
    assert expected > 0
    rows = page.locator("table.data tbody tr")
    expect(rows).to_have_count(expected)
    assert set(rows.locator("td:nth-child(2) a").all_inner_texts()) == {str(chile)}
    shot(page, "02-filtered")


def test_a_second_agreement_joins_the_first(live_server, seeded, browser_page):
    from playwright.sync_api import expect

    from negotiations.models import Agreement

    page = browser_page
    page.goto(f"{live_server.url}/rounds/?agreement=india-peru-ta")
    page.locator("details.filters > summary").click()
    chips = page.locator(".field-agreement .picker-chip")
    expect(chips).to_have_count(1)
    expect(chips).to_contain_text(str(Agreement.objects.get(slug="india-peru-ta")))
    box = page.get_by_role("combobox", name="Agreement", exact=True)
    box.press_sequentially("chile", delay=30)
    page.get_by_role("option", name="India–Chile Comprehensive Economic Partnership Agreement").click()
    expect(chips).to_have_count(2)
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**/rounds/?*agreement=india-peru-ta*")
    assert "india-chile-cepa" in page.url

    both = Agreement.objects.filter(slug__in=["india-peru-ta", "india-chile-cepa"], rounds__isnull=False).distinct()
    assert len(both) == 2
    agreements = set(page.locator("table.data tbody tr td:nth-child(2) a").all_inner_texts())
    assert agreements == {str(a) for a in both}
    shot(page, "03-two-agreements")
