"""In headless Chromium: an official edits a round while a colleague changes it; saving gives the
conflict page, and saving again from it keeps both people's changes (the colleague's chapter
note and dates note, the official's summary) instead of reverting the colleague's.

Screenshots go to test-artifacts/ (uploaded by CI).
"""

import pytest

from negotiations import roles
from negotiations.choices import ProgressStatus
from tests import factories as f
from tests.browser.conftest import ARTIFACTS

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"


@pytest.fixture
def world(transactional_db):
    roles.roles_ensure()
    agreement = f.agreement(slug="alpha", name="India–Peru Trade Agreement", parties=("IND", "PER"))
    round_obj = f.round_(agreement, number=5, venue=f.venue("Lima", "PER"))
    f.progress(round_obj, "ROO", ProgressStatus.TEXT_EXCHANGED, note="two brackets")
    f.progress(round_obj, "TIG", ProgressStatus.UNDER_NEGOTIATION)
    official, colleague = f.user("ana", role=roles.OFFICIAL), f.user("ben", role=roles.OFFICIAL)
    agreement.editors.add(official, colleague)
    return round_obj, colleague


def test_conflict_then_save_again_keeps_the_colleagues_change(live_server, world, browser_page):
    from playwright.sync_api import expect

    from negotiations import services
    from negotiations.models import ChapterProgress, Round

    round_obj, colleague = world
    page = browser_page
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("ana")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/rounds/{round_obj.pk}/edit/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Edit Round 5")

    # Meanwhile, a colleague corrects a chapter note and the dates note (their own saves).
    roo = ChapterProgress.objects.get(round=round_obj, chapter__code="ROO")
    services.chapter_progress_update(
        progress=roo, expected_version=roo.version, note="one bracket left", user=colleague
    )
    current = Round.objects.get(pk=round_obj.pk)
    services.round_log(
        agreement=current.agreement,
        round=current,
        expected_version=current.version,
        **{**services.round_fields(current), "dates_note": "as announced"},
        user=colleague,
        reason="Joint statement",
    )

    # The official, unaware, writes a summary and saves.
    page.get_by_label("Summary").fill("Tariff offers exchanged.")
    page.get_by_role("button", name="Save the round").click()
    expect(page.get_by_role("heading", name="Someone else saved this while you were editing")).to_be_visible()
    expect(page.locator(".conflict")).to_contain_text("Last saved by ben")
    expect(page.locator(".conflict-table")).to_contain_text("one bracket left")
    page.screenshot(path=str(ARTIFACTS / "round-conflict.png"), full_page=True)

    # The re-shown form: the official's summary, the colleague's values elsewhere.
    expect(page.get_by_label("Summary")).to_have_value("Tariff offers exchanged.")
    expect(page.get_by_label("Dates note")).to_have_value("as announced")
    expect(page.get_by_label("Public note 1", exact=True)).to_have_value("one bracket left")
    page.get_by_role("button", name="Save the round").click()
    page.wait_for_url(f"**/rounds/{round_obj.pk}/")

    saved = Round.objects.get(pk=round_obj.pk)
    assert (saved.summary, saved.dates_note) == ("Tariff offers exchanged.", "as announced")
    assert ChapterProgress.objects.get(pk=roo.pk).note == "one bracket left"
    assert saved.history.first().history_user.username == "ana"
