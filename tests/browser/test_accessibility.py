"""axe-core on every page type, at 1366×900 and 390×844: no serious or critical violation of the
WCAG 2.0 / 2.1 A and AA rules, and no page wider than the screen (WCAG 1.4.10, reflow). Public
pages are read anonymously, the officials' pages as an editor of India–Peru, the admin as a
curator, all on the seed data; a representative set of pages again in Spanish (longer words,
other labels).

axe-core runs through tests/browser/axe.py. A full-page screenshot of each page at each width
goes to test-artifacts/a11y-*.png: look at them.

One browser for the module and one page per width, reused by every test; each test signs its
page in (or out) by setting the session cookie.
"""

import os
import shutil
from dataclasses import dataclass

import pytest
from django.db import connections

from negotiations import roles
from tests import factories as f
from tests.browser.axe import axe_violations, describe_violations, require_axe, serious_violations
from tests.browser.conftest import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, record_csp_violation

pytestmark = pytest.mark.browser

WIDTHS = {"1366": {"width": 1366, "height": 900}, "390": {"width": 390, "height": 844}}
AGREEMENT = "india-peru-ta"  # the official edits this one (and only this one)
OTHER_AGREEMENT = "india-chile-cepa"


@dataclass
class World:
    """What the pages are about: ids from the seed data, and the users who read them."""

    agreement_pk: int
    round_pk: int
    other_round_pk: int
    chapter_pk: int
    party_pk: int
    official: object
    curator: object
    colleague: object


@dataclass
class PageType:
    name: str
    path: object  # a URL path, or a function World -> path
    as_user: str | None = None  # None (anonymous), "official" or "curator"
    status: int = 200
    # Run after loading, before axe: e.g. save the form into a conflict (once per width).
    action: object = None
    ready: str | None = None  # a selector to wait for when the page draws itself with JavaScript
    language: str = "en"

    def url(self, world: World) -> str:
        return self.path(world) if callable(self.path) else self.path


def _save_into_conflict(page, world: World) -> None:
    """A colleague saves the round after the official opened it; the official's save is then
    refused with the conflict page."""
    from playwright.sync_api import expect

    from negotiations import services
    from negotiations.models import Round

    current = Round.objects.get(pk=world.round_pk)
    services.round_log(
        agreement=current.agreement,
        round=current,
        expected_version=current.version,
        **{**services.round_fields(current), "dates_note": "as announced by the ministry"},
        user=world.colleague,
        reason="Joint statement",
    )
    page.get_by_label("Summary").fill("Tariff offers exchanged.")
    page.get_by_role("button", name="Save the round").click()
    expect(page.get_by_role("heading", name="Someone else saved this while you were editing")).to_be_visible()


def _open_an_operation(page, world: World) -> None:
    """Open the rounds list's operation in the API docs and try it out: its parameter form,
    responses and code examples are drawn."""
    page.locator("#operations-rounds-rounds_list .opblock-summary-control").click()
    page.get_by_role("button", name="Try it out").click()
    page.locator("tr[data-param-name] select").first.wait_for()


PAGE_TYPES = [
    PageType("home", "/"),
    PageType("agreement-list", "/agreements/"),
    PageType("agreement", f"/agreements/{AGREEMENT}/"),
    PageType("round-list", "/rounds/"),
    PageType("round", lambda w: f"/rounds/{w.round_pk}/"),
    PageType("chapter-list", "/chapters/"),
    PageType("chapter", "/chapters/ROO/"),
    PageType("party", "/parties/PER/"),
    PageType("search", "/search/?q=rules+of+origin"),
    PageType("coverage", "/about/coverage/"),
    PageType("api-index", "/api/"),
    PageType("api-docs", "/api/docs/", ready=".swagger-ui .opblock"),
    PageType("api-docs-operation", "/api/docs/", ready=".swagger-ui .opblock", action=_open_an_operation),
    PageType("not-found", "/agreements/no-such-agreement/", status=404),
    PageType("sign-in", "/accounts/login/"),
    PageType("forbidden", lambda w: f"/rounds/{w.other_round_pk}/edit/", as_user="official", status=403),
    PageType("history", f"/agreements/{AGREEMENT}/history/", as_user="official"),
    PageType("editor-todo", "/todo/", as_user="official"),
    PageType("log-round-new", f"/agreements/{AGREEMENT}/rounds/new/", as_user="official"),
    PageType("log-round-edit", lambda w: f"/rounds/{w.round_pk}/edit/", as_user="official"),
    PageType(
        "log-round-conflict",
        lambda w: f"/rounds/{w.round_pk}/edit/",
        as_user="official",
        action=_save_into_conflict,
    ),
    PageType("admin-index", "/admin/", as_user="curator"),
    PageType(
        "admin-agreement-change",
        lambda w: f"/admin/negotiations/agreement/{w.agreement_pk}/change/",
        as_user="curator",
    ),
    PageType("admin-round-change", lambda w: f"/admin/negotiations/round/{w.round_pk}/change/", as_user="curator"),
    PageType("admin-agreement-list", "/admin/negotiations/agreement/", as_user="curator"),
    PageType(
        "admin-chapter-change", lambda w: f"/admin/negotiations/chapter/{w.chapter_pk}/change/", as_user="curator"
    ),
    PageType("admin-party-change", lambda w: f"/admin/negotiations/party/{w.party_pk}/change/", as_user="curator"),
    PageType("admin-round-history", lambda w: f"/admin/negotiations/round/{w.round_pk}/history/", as_user="curator"),
]
# The same pages in Spanish: a reader's and an official's most used ones.
SPANISH = {"home", "agreement", "round-list", "round", "search", "log-round-edit"}
PAGE_TYPES += [
    PageType(**{**vars(page_type), "name": f"{page_type.name}-es", "language": "es"})
    for page_type in PAGE_TYPES
    if page_type.name in SPANISH
]


@pytest.fixture(scope="module")
def width_pages():
    """One headless Chromium and one page per width, for the whole module."""
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        if os.environ.get("CI"):
            pytest.fail(f"Chromium not found at {CHROMIUM}; CI must install Debian's chromium package.")
        pytest.skip(f"Chromium not found at {CHROMIUM} (install Debian's chromium package)")
    require_axe()
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        pages = {}
        for name, viewport in WIDTHS.items():
            context = browser.new_context(viewport=viewport)
            page = context.new_page()
            page.set_default_timeout(15_000)
            page.csp_violations = []
            page.on("console", lambda message, page=page: record_csp_violation(page.csp_violations, message))
            pages[name] = page
        yield pages
        browser.close()


@pytest.fixture
def world(seeded):
    from negotiations.models import Agreement, Chapter, Party, Round

    agreement = Agreement.objects.get(slug=AGREEMENT)
    official = f.user("ana", role=roles.OFFICIAL)
    colleague = f.user("ben", role=roles.OFFICIAL)
    agreement.editors.add(official, colleague)
    curator = f.user("cora", role=roles.CURATOR, is_superuser=True)
    rounds = Round.objects.filter(agreement=agreement).order_by("-number")
    return World(
        chapter_pk=Chapter.objects.get(code="ROO").pk,
        party_pk=Party.objects.get(code="PER").pk,
        agreement_pk=agreement.pk,
        round_pk=rounds.exclude(status="planned").first().pk,
        other_round_pk=Round.objects.filter(agreement__slug=OTHER_AGREEMENT).first().pk,
        official=official,
        curator=curator,
        colleague=colleague,
    )


@pytest.fixture
def pages(live_server, world, width_pages):
    yield width_pages
    # Queries made between Playwright calls run in its greenlet with their own connection,
    # which the database teardown does not see (it would keep the PostgreSQL test database open).
    connections.close_all()


def _sign_in(page, base_url: str, user, language: str = "en") -> None:
    from django.conf import settings
    from django.test import Client

    context = page.context
    context.clear_cookies()
    context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": base_url}])
    if user is None:
        return
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": base_url}])


@pytest.mark.parametrize("page_type", PAGE_TYPES, ids=[p.name for p in PAGE_TYPES])
def test_no_serious_or_critical_axe_violation(page_type, live_server, world, pages):
    users = {None: None, "official": world.official, "curator": world.curator}
    failures = []
    for width, page in pages.items():
        page.csp_violations.clear()
        _sign_in(page, live_server.url, users[page_type.as_user], page_type.language)
        response = page.goto(live_server.url + page_type.url(world))
        assert response.status == page_type.status, f"{page_type.name} at {width} px answered {response.status}"
        assert page.locator("html").get_attribute("lang") == page_type.language, page_type.name
        if page_type.ready:
            page.locator(page_type.ready).first.wait_for()
        if page_type.action:
            page_type.action(page, world)
        page.wait_for_load_state("load")
        # Checked before axe runs: axe copies the page's style sheets into <style> elements
        # (to read them), which the policy blocks; that is axe's doing, not the page's.
        assert not page.csp_violations, "Content-Security-Policy violations:\n" + "\n".join(page.csp_violations)
        violations = axe_violations(page)
        page.screenshot(path=str(ARTIFACTS / f"a11y-{page_type.name}-{width}.png"), full_page=True)
        serious = serious_violations(violations)
        if violations:
            print(f"{page_type.name} at {width} px, every violation:\n{describe_violations(violations)}")
        if serious:
            failures.append(f"{page_type.name} at {width} px:\n{describe_violations(serious)}")
        page_width = page.evaluate("() => document.documentElement.scrollWidth")
        if page_width > page.viewport_size["width"]:
            failures.append(f"{page_type.name} at {width} px scrolls sideways: the page is {page_width} px wide")
    assert not failures, "axe-core found serious or critical violations, or the page is too wide:\n" + "\n".join(
        failures
    )
