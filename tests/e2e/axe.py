"""axe-core in the browser tests: the vendored script (tests/e2e/vendor/, see its README) run on
the page Playwright shows, returning what it finds against WCAG 2.1 A and AA.

The app's Content-Security-Policy forbids inline scripts, and ``page.add_script_tag(path=...)``
inserts the file's text as an inline <script>: the policy would block it. ``page.evaluate`` runs
through the DevTools protocol instead, which the policy does not govern, so the page's own
policy stays in force while axe looks at it.
"""

from pathlib import Path

AXE_SCRIPT = Path(__file__).with_name("vendor") / "axe.min.js"
WCAG_AA = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")


def axe_violations(page, *, tags=WCAG_AA) -> list[dict]:
    """axe-core's violations on the current page, as
    ``[{"id", "impact", "help", "targets": [css selector, ...]}, ...]``."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SCRIPT.read_text(encoding="utf-8"))
    result = page.evaluate(
        """async (tags) => {
            const results = await axe.run(document, {
                runOnly: {type: "tag", values: tags},
                resultTypes: ["violations"],
            });
            return results.violations.map((v) => ({
                id: v.id,
                impact: v.impact,
                help: v.help,
                targets: v.nodes.map((n) => n.target.join(" ")),
                summary: v.nodes.length ? v.nodes[0].failureSummary : "",
            }));
        }""",
        list(tags),
    )
    return result


def describe(violations, *, limit: int = 3) -> str:
    """One line per violation: its id, help text and the first few elements it names."""
    lines = []
    for violation in violations:
        targets = ", ".join(violation["targets"][:limit])
        more = len(violation["targets"]) - limit
        if more > 0:
            targets += f" (+{more} more)"
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']} -- {targets}")
    return "\n".join(lines)
