"""End to end in headless Chromium: an official signs in, logs the India–Chile CEPA 5th round with
three chapters and a confidential note in one form, and sees it on the agreement's timeline;
signed out, the confidential note is gone; a curator sees who logged it in the history.

Screenshots go to test-artifacts/ (uploaded by CI); look at them after a change to the pages.
"""

import re

import pytest

from negotiations import roles
from tests import factories as f
from tests.browser.conftest import ARTIFACTS

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"
SECRET = "Chile signals flexibility on copper if India opens services"


@pytest.fixture
def role_groups(transactional_db):
    """live_server tests flush the database between tests, taking migration 0002's groups along."""
    roles.roles_ensure()


def shot(page, name: str, *, full_page: bool = True):
    if full_page:
        # The sticky save bar would be painted mid-page in a full-page capture. (Through the
        # element's style, which the Content-Security-Policy allows, unlike a <style> element.)
        page.evaluate("document.querySelectorAll('.save-bar').forEach(bar => { bar.style.position = 'static'; })")
    page.screenshot(path=str(ARTIFACTS / f"official-{name}.png"), full_page=full_page)


def sign_in(page, base_url: str, username: str):
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_official_logs_a_round(live_server, seeded, role_groups, browser_page):
    from playwright.sync_api import expect

    from negotiations.models import Agreement, Round

    page = browser_page
    cepa = Agreement.objects.get(slug="india-chile-cepa")
    official = f.user("ana", role=roles.OFFICIAL)
    cepa.editors.add(official)
    f.user("cora", role=roles.CURATOR)

    # Anonymous visitors get no editing actions.
    page.goto(f"{live_server.url}/agreements/india-chile-cepa/")
    expect(page.get_by_role("link", name="Log a round")).to_have_count(0)

    page.get_by_role("link", name="Sign in").click()
    shot(page, "00-sign-in", full_page=False)
    page.get_by_label("Username").fill("ana")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    # Back where the official started, now with the editing actions.
    page.wait_for_url("**/agreements/india-chile-cepa/")
    expect(page.locator(".account-nav")).to_contain_text("ana")
    shot(page, "01-agreement-signed-in", full_page=False)
    page.get_by_role("link", name="Log a round").click()
    page.wait_for_url("**/agreements/india-chile-cepa/rounds/new/")

    # The next number is suggested: rounds 1, 3 and 4 are on record.
    expect(page.get_by_label("Round number")).to_have_value("5")
    page.get_by_label("Start date").fill("2026-01-19")
    page.get_by_label("End date").fill("2026-01-23")
    page.get_by_label("City").fill("Santiago")
    page.get_by_label("Country", exact=True).select_option(label="Chile (CHL)")
    page.get_by_label("Chief negotiators").fill("Vimal Anand (India); Pablo Urria (Chile)")
    chapters = [
        ("TIG", "substantial_progress", "Tariff offers exchanged"),
        ("ROO", "convergence", ""),
        ("CRM", "under_negotiation", ""),
    ]
    for index, (code, status, note) in enumerate(chapters, start=1):
        page.get_by_label(f"Chapter {index}", exact=True).select_option(label=_chapter_label(code))
        page.get_by_label(f"Progress {index}", exact=True).select_option(status)
        if note:
            page.get_by_label(f"Public note {index}", exact=True).fill(note)
    page.locator('[name="notes-0-text"]').fill(SECRET)
    expect(page.locator('[name="notes-0-visibility"]')).to_have_value("confidential")
    page.get_by_label("Reason for change").fill("From the chief negotiator's debrief")
    shot(page, "02-round-form-filled")
    page.get_by_role("button", name="Log the round").click()

    # The round page: three chapters and the confidential note, marked as such.
    round_5 = Round.objects.get(agreement=cepa, number=5)
    page.wait_for_url(f"**/rounds/{round_5.pk}/")
    expect(page.locator(".messages")).to_contain_text("Round 5 is logged.")
    for code, _status, _note in chapters:
        expect(page.locator("main")).to_contain_text(code)
    expect(page.locator(".note-confidential")).to_contain_text(SECRET)
    shot(page, "03-round-page-official")

    # The agreement's timeline shows round 5 in Santiago.
    page.goto(f"{live_server.url}/agreements/india-chile-cepa/")
    entry = page.locator(".timeline-list li", has_text="Round 5")
    expect(entry).to_contain_text("Santiago")
    expect(entry).to_contain_text("19–23 Jan 2026")
    shot(page, "04-agreement-timeline")

    # Signed out, the confidential note is absent from the round page.
    page.get_by_role("button", name="Sign out").click()
    expect(page.locator(".account-nav")).to_contain_text("Sign in")
    page.goto(f"{live_server.url}/rounds/{round_5.pk}/")
    expect(page.locator("main")).to_contain_text("TIG")
    expect(page.locator("main")).to_contain_text("Tariff offers exchanged")
    expect(page.get_by_text(SECRET)).to_have_count(0)
    assert SECRET not in page.content()
    shot(page, "05-round-page-public")

    # A curator sees who logged the round, and why, in the agreement's history.
    sign_in(page, live_server.url, "cora")
    page.goto(f"{live_server.url}/agreements/india-chile-cepa/history/")
    created = page.locator(".history-table tbody tr", has_text="Round 5").filter(has_text="Created round")
    expect(created).to_contain_text("ana")
    expect(created).to_contain_text("From the chief negotiator's debrief")
    shot(page, "06-history-curator", full_page=False)

    # The curator records the conclusion from the site; the current status follows.
    page.goto(f"{live_server.url}/agreements/india-chile-cepa/")
    page.get_by_role("link", name="Record a status event").click()
    page.get_by_label("Status").select_option("concluded")
    page.get_by_label("Effective date").fill("2026-01-23")
    page.get_by_label("Reason for change").fill("Joint statement")
    shot(page, "07-status-event-form")
    page.get_by_role("button", name="Record the event").click()
    page.wait_for_url("**/agreements/india-chile-cepa/")
    expect(page.locator(".page-header")).to_contain_text("Concluded")
    cepa.refresh_from_db()
    assert cepa.current_status == "concluded"


def _chapter_label(code: str) -> str:
    from negotiations.models import Chapter

    chapter = Chapter.objects.get(code=code)
    return f"{chapter.code} — {chapter.name}"


def test_conflict_keeps_the_input_and_shows_what_changed(live_server, seeded, role_groups, browser_page):
    """Two officials edit round 4: the one who saves second sees both versions, keeps their input."""
    import datetime as dt

    from playwright.sync_api import expect

    from negotiations.choices import DatePrecision
    from negotiations.models import Agreement, Round
    from negotiations.services import round_log

    page = browser_page
    cepa = Agreement.objects.get(slug="india-chile-cepa")
    official, colleague = f.user("ana", role=roles.OFFICIAL), f.user("ben", role=roles.OFFICIAL)
    cepa.editors.add(official, colleague)
    round_4 = Round.objects.get(agreement=cepa, number=4)

    sign_in(page, live_server.url, "ana")
    page.goto(f"{live_server.url}/rounds/{round_4.pk}/edit/")
    page.get_by_label("Dates note").fill("Confirmed by the Chilean delegation")

    # Meanwhile Ben saves the same round.
    kept = ["kind", "title", "venue", "venue_note", "format", "status", "summary", "chief_negotiators"]
    round_log(
        agreement=cepa,
        round=round_4,
        expected_version=round_4.version,
        number=4,
        start_date=dt.date(2025, 12, 1),
        end_date=dt.date(2025, 12, 5),
        date_precision=DatePrecision.DAY,
        dates_note="Exact dates from the PIB release",
        user=colleague,
        reason="PIB release",
        **{name: getattr(round_4, name) for name in kept},
    )

    page.get_by_role("button", name="Save the round").click()
    expect(page.locator(".conflict")).to_contain_text("Last saved by ben")
    conflict = page.locator(".conflict-table")
    expect(conflict).to_contain_text("Exact dates from the PIB release")
    expect(conflict).to_contain_text("2025-12-01")  # Ben's exact start date beside Ana's "2025-12"
    expect(conflict).not_to_contain_text("Summary")  # unchanged fields are not listed
    expect(page.get_by_label("Dates note")).to_have_value("Confirmed by the Chilean delegation")
    shot(page, "08-conflict")
    assert Round.objects.get(pk=round_4.pk).dates_note == "Exact dates from the PIB release"

    # Bad input: the end before the start, shown at the field; nothing saved.
    page.get_by_label("Start date").fill("2025-12-01")
    page.get_by_label("End date").fill("2025-11-01")
    page.get_by_role("button", name="Save the round").click()
    expect(page.locator(".field-end .error")).to_have_text("The end date cannot be before the start date.")
    shot(page, "09-field-error", full_page=False)


PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


def page_overflow(page) -> int:
    """How many pixels the page is wider than the screen (0: nothing scrolls sideways)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


@pytest.fixture
def fifteen_chapters(role_groups):
    """An agreement the official "ana" edits, with a catalog of more chapters than the form's
    blank rows."""
    agreement = f.agreement(slug="india-chile-cepa", parties=("IND", "CHL"), name="India–Chile CEPA")
    agreement.editors.add(f.user("ana", role=roles.OFFICIAL))
    codes = ["TIG", "SVC", "ROO", "CRM", "IPR", "SPS", "TBT", "CUS", "INV", "ECO", "GOV", "DSP", "MSME", "DIG", "GEN"]
    for code in codes:
        f.chapter(code)
    return agreement, codes


def test_an_official_logs_fifteen_chapters_on_a_phone(live_server, fifteen_chapters, browser_page):
    """At 390 px the log form fits the screen with a small save bar; rows beyond the form's
    blank ones are added in the page, and all fifteen chapters are saved."""
    from playwright.sync_api import expect

    from negotiations.models import Round

    agreement, codes = fifteen_chapters
    page = browser_page
    page.set_viewport_size(PHONE)
    sign_in(page, live_server.url, "ana")
    page.goto(f"{live_server.url}/agreements/{agreement.slug}/rounds/new/")
    assert page_overflow(page) == 0
    bar = page.locator(".save-bar").bounding_box()
    assert bar["height"] <= 70, bar
    shot(page, "10-log-form-390", full_page=False)
    page.set_viewport_size({"width": 360, "height": 780})
    assert page_overflow(page) == 0
    page.set_viewport_size(PHONE)

    page.get_by_label("Start date").fill("2026-03-02")
    page.get_by_label("End date").fill("2026-03-06")
    page.get_by_label("City").fill("New Delhi")
    page.get_by_label("Country", exact=True).select_option(label="Ind (IND)")
    rows = page.locator("#chapters-rows tr")
    blank_rows = rows.count()
    assert blank_rows < len(codes)
    more = page.get_by_role("button", name="More chapter rows")
    for number in range(blank_rows + 1, len(codes) + 2):
        more.click()
        # The new row is numbered after the last, and takes the focus.
        expect(page.get_by_label(f"Chapter {number}", exact=True)).to_be_focused()
    # One row too many: removed again, the focus goes back to the button.
    rows.last.get_by_role("button", name="Remove row").click()
    expect(rows).to_have_count(len(codes))
    expect(more).to_be_focused()
    for number, code in enumerate(codes, start=1):
        page.get_by_label(f"Chapter {number}", exact=True).select_option(label=_chapter_label(code))
    page.get_by_label(f"Progress {len(codes)}", exact=True).select_option("convergence")
    assert page_overflow(page) == 0
    page.get_by_label("Chapter 14", exact=True).scroll_into_view_if_needed()
    shot(page, "11-log-form-390-chapter-rows", full_page=False)
    page.get_by_role("button", name="Another source").scroll_into_view_if_needed()
    shot(page, "12-log-form-390-sources", full_page=False)
    shot(page, "13-log-form-390-fifteen-chapters")
    page.get_by_role("button", name="Log the round").click()

    round_1 = Round.objects.get(agreement=agreement, number=1)
    page.wait_for_url(f"**/rounds/{round_1.pk}/")
    saved = dict(round_1.progress.values_list("chapter__code", "status"))
    assert sorted(saved) == sorted(codes)
    assert saved[codes[-1]] == "convergence"

    # Editing it on the phone: fifteen saved rows with their "Remove" boxes still fit.
    page.goto(f"{live_server.url}/rounds/{round_1.pk}/edit/")
    shown = {page.get_by_label(f"Chapter {n}", exact=True).input_value() for n in range(1, len(codes) + 1)}
    assert shown == {str(_chapter_pk(code)) for code in codes}
    assert page_overflow(page) == 0
    assert page.locator(".save-bar").bounding_box()["height"] <= 70
    page.get_by_label(f"Chapter {len(codes)}", exact=True).scroll_into_view_if_needed()
    shot(page, "15-edit-form-390-saved-rows", full_page=False)


def test_a_failed_save_focuses_the_error_summary(live_server, fifteen_chapters, browser_page):
    """At 1366 px: a row added in the page is saved once the error in the form is fixed;
    the error summary takes the focus and its links lead to the fields."""
    from playwright.sync_api import expect

    from negotiations.models import Round

    agreement, _codes = fifteen_chapters
    page = browser_page
    page.set_viewport_size(DESKTOP)
    sign_in(page, live_server.url, "ana")
    page.goto(f"{live_server.url}/agreements/{agreement.slug}/rounds/new/")
    assert page_overflow(page) == 0
    expect(page.locator(".breadcrumbs [aria-current=page]")).to_have_text("Log a round")
    page.get_by_role("button", name="More chapter rows").click()
    page.get_by_label("Chapter 13", exact=True).select_option(label=_chapter_label("SPS"))
    page.get_by_label("Start date").fill("2026-13-02")
    page.get_by_role("button", name="Log the round").click()

    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Start date")
    shot(page, "14-log-form-1366-error-summary", full_page=False)
    summary.get_by_role("link", name="Start date").click()
    expect(page.get_by_label("Start date")).to_be_focused()
    # The row added in the page came back with the form.
    expect(page.get_by_label("Chapter 13", exact=True)).to_have_value(str(_chapter_pk("SPS")))
    page.get_by_label("Start date").fill("2026-03-02")
    # Enter in a field saves (the default button is the save button, not "More chapter rows").
    page.get_by_label("Start date").press("Enter")
    expect(page.locator(".error-summary")).to_have_count(0)
    round_1 = Round.objects.get(agreement=agreement, number=1)
    # (The redirect keeps the "#id_start" the summary's link added to the address.)
    page.wait_for_url(re.compile(rf"/rounds/{round_1.pk}/(#.*)?$"))
    assert list(round_1.progress.values_list("chapter__code", flat=True)) == ["SPS"]


def _chapter_pk(code: str) -> int:
    from negotiations.models import Chapter

    return Chapter.objects.get(code=code).pk
