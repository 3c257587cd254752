"""The one axe-core configuration every browser test uses: WCAG 2.0, 2.1 and 2.2 A and AA,
plus `target-size` (2.5.8), which axe leaves off by default, plus axe's best practices
(`page-has-heading-one`, `empty-table-header`, `region`...: rules without a WCAG tag that the
review of issue 12 reported, and that a WCAG-only run would never see). Violations of any
impact count."""

from __future__ import annotations

AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
    },
    "rules": {"target-size": {"enabled": True}},
    "resultTypes": ["violations"],
}


def axe_violations(page) -> list[str]:
    """One line per violation on the page as it is now: rule, impact, and where."""
    from axe_playwright_python.base import AXE_SCRIPT

    # axe-core once per document (the sweep's tab has it from the start, tests/browser/conftest):
    # the sweeps check a page at several widths.
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_SCRIPT)
    response = page.evaluate("options => axe.run(document, options)", AXE_OPTIONS)
    lines = []
    for violation in response["violations"]:
        targets = [", ".join(node["target"]) for node in violation["nodes"][:4]]
        more = len(violation["nodes"]) - len(targets)
        lines.append(
            f"{violation['id']} ({violation['impact']}): {violation['help']} "
            f"at {targets}{f' and {more} more' if more > 0 else ''}"
        )
    return lines
