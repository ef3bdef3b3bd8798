"""In headless Chromium at 1366 and 390 px: the list pages' filter panel shows every choice, its
pickers, the active-filter summary and, on phones, results that stay in view.

Screenshots go to test-artifacts/ (uploaded by CI); look at them after a change to the form.
"""

import pytest

from tests.browser.conftest import ARTIFACTS

pytestmark = pytest.mark.browser

WIDTHS = [1366, 390]


def shot(page, name: str, *, full_page: bool = False):
    page.screenshot(path=str(ARTIFACTS / f"filters-{name}.png"), full_page=full_page)


def open_filters(page):
    panel = page.locator("details.filters")
    if panel.get_attribute("open") is None:
        panel.locator(":scope > summary").click()
    return panel


@pytest.mark.parametrize("width", WIDTHS)
def test_every_status_is_visible_without_scrolling_inside_the_list(live_server, seeded, browser_page, width):
    from playwright.sync_api import expect

    from negotiations.choices import AgreementStatus

    page = browser_page
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server.url}/agreements/")
    open_filters(page)
    options = page.locator(".field-status fieldset input[type=checkbox]")
    assert options.count() == len(AgreementStatus.choices)
    expect(page.locator(".field-status").get_by_label("In force", exact=True)).to_be_visible()
    container = page.locator(".field-status fieldset > div")
    # Nothing is cut: the list is as tall as its content, and no option lies outside it.
    clipped = container.evaluate("box => box.scrollHeight - box.clientHeight")
    assert clipped <= 1
    box = container.bounding_box()
    for index in range(options.count()):
        option = options.nth(index).bounding_box()
        assert box["y"] <= option["y"] and option["y"] + option["height"] <= box["y"] + box["height"] + 1
    container.scroll_into_view_if_needed()
    shot(page, f"statuses-{width}")


@pytest.mark.parametrize("width", WIDTHS)
def test_active_filter_summary_lists_the_filters_and_removes_one(live_server, seeded, browser_page, width):
    from playwright.sync_api import expect

    from negotiations.models import Agreement

    page = browser_page
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server.url}/agreements/?party=PER&status=in_force")
    both = Agreement.objects.filter(agreement_parties__party__code="PER", current_status="in_force").count()
    peru = Agreement.objects.filter(agreement_parties__party__code="PER").count()
    assert 0 < both < peru
    summary = page.locator(".active-filters")
    expect(summary.locator(".active-filters-count")).to_have_text(
        f"{both} result{'s match' if both != 1 else ' matches'} these filters:"
    )
    expect(page.locator("table.data tbody tr")).to_have_count(both)
    # The results are right under the summary, not below an opened form.
    results_top = page.locator("table.data").bounding_box()["y"]
    assert results_top < 900, results_top
    shot(page, f"summary-{width}")

    summary.get_by_role("link", name="Status: In force").click()
    page.wait_for_url("**/agreements/?party=PER")
    expect(page.locator(".active-filter")).to_have_count(1)
    expect(page.locator(".active-filter")).to_contain_text("Party: Peru (PER)")
    expect(page.locator("table.data tbody tr")).to_have_count(peru)
    shot(page, f"summary-removed-{width}")


@pytest.mark.parametrize("width", WIDTHS)
def test_filtered_lists_with_the_panel_open_pass_axe(live_server, seeded, browser_page, width):
    """The summary and the opened panel (with its pickers) on top of test_accessibility's
    unfiltered lists: no serious or critical axe-core violation."""
    from playwright.sync_api import expect

    from tests.browser.axe import axe_violations, describe_violations, serious_violations

    page = browser_page
    page.set_viewport_size({"width": width, "height": 900})
    failures = []
    for path in [
        "/agreements/?party=PER&status=in_force&reached_status=in_force&reached_after=2010",
        "/rounds/?agreement=india-peru-ta&host_country=PER&chapter=ROO",
        "/chapters/?code=ROO&code=CRM&agreement=india-peru-ta",
    ]:
        page.goto(live_server.url + path)
        open_filters(page)
        expect(page.locator(".picker-chip")).not_to_have_count(0)  # the pickers drew their chips
        serious = serious_violations(axe_violations(page))
        if serious:
            failures.append(f"{path}:\n{describe_violations(serious)}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("width", WIDTHS)
def test_picking_peru_in_the_party_picker_filters_by_party_per(live_server, seeded, browser_page, width):
    from playwright.sync_api import expect

    from negotiations.models import Agreement

    page = browser_page
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server.url}/agreements/")
    open_filters(page)
    box = page.get_by_role("combobox", name="Party", exact=True)
    box.press_sequentially("Peru", delay=30)
    option = page.get_by_role("option", name="Peru (PER)", exact=True)
    expect(option).to_be_visible()
    shot(page, f"party-typed-{width}")
    option.click()
    expect(page.locator(".field-party .picker-chip")).to_have_text(["Peru (PER)×"])
    shot(page, f"party-picked-{width}")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**/agreements/?party=PER")
    expected = Agreement.objects.filter(agreement_parties__party__code="PER").count()
    assert 0 < expected < Agreement.objects.count()
    expect(page.locator("table.data tbody tr")).to_have_count(expected)
    expect(page.locator(".active-filter")).to_have_text(["Party: Peru (PER) ×(remove this filter)"])


def test_a_code_typed_and_enter_picks_it_without_submitting(live_server, seeded, browser_page):
    from playwright.sync_api import expect

    page = browser_page
    page.goto(f"{live_server.url}/rounds/")
    open_filters(page)
    box = page.get_by_role("combobox", name="Host country", exact=True)
    box.press_sequentially("per", delay=30)
    expect(page.locator(".field-host_country .picker-option").first).to_have_text("Peru (PER)")
    box.press("Enter")
    expect(page.locator(".field-host_country .picker-chip")).to_have_text(["Peru (PER)×"])
    assert "host_country" not in page.url  # picked, not submitted
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**/rounds/?host_country=PER")


@pytest.mark.parametrize("width", WIDTHS)
def test_removing_a_chip_removes_that_filter(live_server, seeded, browser_page, width):
    from playwright.sync_api import expect

    page = browser_page
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server.url}/rounds/?party=PER&party=IND&host_country=PER")
    open_filters(page)
    chips = page.locator(".field-party .picker-chip")
    expect(chips).to_have_count(2)
    page.get_by_role("button", name="Remove Peru (PER)").first.click()
    expect(chips).to_have_text(["India (IND)×"])
    shot(page, f"chip-removed-{width}")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**/rounds/?party=IND&host_country=PER")


def test_without_javascript_the_plain_fields_still_filter(live_server, seeded, browser_page):
    """Progressive enhancement: with scripts off, the party <select> and the agreement box work."""
    from playwright.sync_api import expect

    context = browser_page.context.browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/rounds/?agreement=india-peru-ta")
        page.locator("details.filters > summary").click()
        expect(page.locator(".picker")).to_have_count(0)
        expect(page.get_by_label("Agreement", exact=True)).to_have_value("india-peru-ta")
        expect(page.locator("#id_agreement_helptext")).to_contain_text("slugs, separated by commas")
        page.get_by_label("Party", exact=True).select_option("PER")
        # The less-used filters are one click away, in a disclosure that needs no script.
        host = page.get_by_label("Host country", exact=True)
        expect(host).to_be_hidden()
        page.locator("details.more-filters > summary").click()
        host.select_option("PER")
        page.get_by_role("button", name="Apply filters").click()
        page.wait_for_url("**/rounds/?*party=PER*")
        assert "agreement=india-peru-ta" in page.url and "host_country=PER" in page.url
    finally:
        context.close()


def test_on_a_phone_the_opened_panel_is_short_and_one_tap_shows_the_results(live_server, seeded, browser_page):
    """At 390 px the opened panel of the longest form (rounds) shows the most-used filters and
    folds the others under "More filters"; its sticky bar keeps Apply and a "Show N results"
    link on the first screen, and one tap on that link brings the first result into view."""
    from playwright.sync_api import expect

    from negotiations.models import Round

    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/rounds/?party=PER")
    panel = open_filters(page)
    more = panel.locator("details.more-filters")
    expect(more).not_to_have_attribute("open", "")
    expect(page.get_by_label("City", exact=True)).to_be_hidden()
    expect(page.get_by_role("combobox", name="Party", exact=True)).to_be_visible()
    # Page coordinates (viewport ones change as the page scrolls).
    top = "element => element.getBoundingClientRect().top + window.scrollY"
    pushed = page.locator("table.data").evaluate(top) - panel.evaluate(top)
    panel.screenshot(path=str(ARTIFACTS / "filters-phone-panel-full-390.png"))
    print(f"opened panel pushes the results {pushed:.0f} px below its top")
    # Measured 917 px (1,617 px with every filter shown; the issue saw about 2,300 px).
    assert pushed < 1000, "see test-artifacts/filters-phone-panel-full-390.png"
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1

    peru = Round.objects.filter(agreement__agreement_parties__party__code="PER").count()
    assert peru > 1
    show = page.get_by_role("link", name=f"Show {peru} results", exact=True)
    apply = page.get_by_role("button", name="Apply filters")
    expect(show).to_be_in_viewport()
    expect(apply).to_be_in_viewport()
    # One line of actions (the summary's "Clear all filters" stands in for the panel's Clear):
    # a taller sticky bar would hide more of the form as it scrolls.
    bar = page.locator(".filter-form .form-actions").bounding_box()
    assert bar["height"] < 2 * apply.bounding_box()["height"], bar
    expect(page.get_by_role("link", name="Clear all filters")).to_be_visible()
    shot(page, "phone-panel-open-390")
    first = page.locator("table.data tbody tr").first
    assert first.bounding_box()["y"] > 844  # below the first screen: the link is needed

    show.click()
    page.wait_for_url("**/rounds/?party=PER#results")
    box = first.bounding_box()
    assert box["y"] >= 0 and box["y"] + 40 <= 844, box  # its first line at least
    expect(page.locator("#results")).to_be_in_viewport()
    shot(page, "phone-results-shown-390")


def test_on_a_phone_more_filters_unfold_and_apply_stays_on_screen(live_server, seeded, browser_page):
    from playwright.sync_api import expect

    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/rounds/?party=PER")
    panel = open_filters(page)
    panel.locator("details.more-filters > summary").click()
    city = page.get_by_label("City", exact=True)
    expect(city).to_be_visible()
    # Halfway down the unfolded form, Apply is still on screen.
    page.mouse.wheel(0, 900)
    apply = page.get_by_role("button", name="Apply filters")
    expect(apply).to_be_in_viewport()
    shot(page, "phone-more-filters-390")
    # Once the form is changed, the count of the current results would mislead: Apply only.
    city.fill("Lima")
    expect(page.locator(".to-results")).to_be_hidden()
    apply.click()
    page.wait_for_url("**/rounds/?party=PER&city=Lima")
    # A filter in use under "More filters" keeps it unfolded.
    open_filters(page)
    expect(page.locator("details.more-filters")).to_have_attribute("open", "")
    expect(page.get_by_label("City", exact=True)).to_have_value("Lima")


def test_on_a_wide_screen_every_filter_shows(live_server, seeded, browser_page):
    from playwright.sync_api import expect

    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{live_server.url}/rounds/")
    open_filters(page)
    expect(page.locator("details.more-filters")).to_have_attribute("open", "")
    expect(page.get_by_label("City", exact=True)).to_be_visible()
    shot(page, "panel-open-1366")
