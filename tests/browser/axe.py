"""axe-core in the browser tests: run it on a Playwright page and describe what it finds.

axe-core is the npm package pinned in package.json (``./dev setup`` installs it with ``npm ci``).
Without it the tests that need it are skipped, except in CI where that fails."""

import json
import os
from pathlib import Path

import pytest

AXE_SCRIPT = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.0 and 2.1, levels A and AA.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
FAILING_IMPACTS = {"serious", "critical"}


def require_axe() -> None:
    if not AXE_SCRIPT.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{AXE_SCRIPT} is missing: CI must run ./dev setup (npm ci).")
        pytest.skip(f"{AXE_SCRIPT} is missing: run ./dev setup (it installs package.json with npm ci)")


def axe_violations(page) -> list[dict]:
    """Every violation of the WCAG A and AA rules on the page as it is now."""
    require_axe()
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol, which the page's Content-Security-Policy
        # does not block (a <script> tag would be).
        page.evaluate(AXE_SCRIPT.read_text(encoding="utf-8"))
    return page.evaluate(
        "async (options) => (await axe.run(document, options)).violations",
        {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]},
    )


def serious_violations(violations: list[dict]) -> list[dict]:
    return [violation for violation in violations if violation["impact"] in FAILING_IMPACTS]


def describe_violations(violations: list[dict], nodes_each: int = 8) -> str:
    """Each violation's rule, impact and help, with the first target nodes and why they fail."""
    lines = []
    for violation in violations:
        lines.append(f"  {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:nodes_each]:
            reason = (node.get("failureSummary") or "").strip().splitlines()[-1:]
            lines.append(f"    {json.dumps(node['target'])}: {' '.join(reason).strip()}")
        if len(violation["nodes"]) > nodes_each:
            lines.append(f"    … and {len(violation['nodes']) - nodes_each} more nodes")
    return "\n".join(lines)
