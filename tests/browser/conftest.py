"""Headless Chromium for the browser tests: Debian's ``chromium`` package driven by Playwright
(Playwright's own browser download cannot work here). Screenshots go to test-artifacts/.

Every page a test opens runs under the tracker's Content-Security-Policy: the fixture records
the browser's CSP violation reports and fails the test if there is any."""

import os
import shutil
from pathlib import Path

import pytest
from django.db import connections

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture
def browser_page():
    """A 1280×900 page in a fresh browser; skipped without Chromium, except in CI where that fails."""
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        if os.environ.get("CI"):
            pytest.fail(f"Chromium not found at {CHROMIUM}; CI must install Debian's chromium package.")
        pytest.skip(f"Chromium not found at {CHROMIUM} (install Debian's chromium package)")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
        page = context.new_page()
        page.set_default_timeout(15_000)
        violations = []
        page.on("console", lambda message: record_csp_violation(violations, message))
        page.csp_violations = violations
        yield page
        # The test's own queries ran inside Playwright's sync API, whose greenlet has its own
        # context variables, so Django (whose connections are per context) gave them a
        # connection that the test case's teardown does not see: left open, it kept the
        # PostgreSQL test database from being dropped at the end of the run.
        connections.close_all()
        context.close()
        browser.close()
    assert not violations, "Content-Security-Policy violations:\n" + "\n".join(violations)


def record_csp_violation(violations: list, message) -> None:
    """Chromium reports each blocked script, style, image or connection on the console."""
    if "Content Security Policy" in message.text:
        violations.append(f"{message.page.url if message.page else ''}: {message.text}")
