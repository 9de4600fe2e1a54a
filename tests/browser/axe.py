"""axe-core (vendored in tests/browser/vendor) on a page: its WCAG 2.0/2.1 A and AA
violations, readably. Injecting axe needs the context's ``bypass_csp`` (or ``AXE`` added as an
init script), except through ``axe_violations(..., by_devtools=True)``, which evaluates it
as DevTools does, outside the page's CSP (for pages checked under the real policy)."""

from pathlib import Path

from playwright.sync_api import Page

AXE = Path(__file__).parent / "vendor" / "axe-core-4.14.1" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_violations(page: Page, *, by_devtools: bool = False) -> list[dict]:
    """Run the vendored axe-core on the page as it is now; its WCAG 2.0/2.1 A and AA
    violations."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        if by_devtools:
            page.evaluate(AXE.read_text(encoding="utf-8"))
        else:
            page.add_script_tag(path=str(AXE))
    # Only the violations cross back to Python: axe's whole result (every rule's metadata,
    # passes and inapplicable ones included) is large, and Playwright's checking of it cost
    # the test process ~35 ms a page.
    return page.evaluate(
        "tags => axe.run(document,"
        " {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})"
        ".then(result => result.violations)",
        AXE_TAGS,
    )


def format_violations(url: str, violations: list[dict]) -> str:
    lines = [f"{len(violations)} axe violation(s) on {url}:"]
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        lines.append(f"  {violation['helpUrl']}")
        for node in violation["nodes"][:8]:
            target = " ".join(
                " >> ".join(part) if isinstance(part, list) else part for part in node["target"]
            )
            lines.append(f"    {target}")
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            if summary:
                lines.append(f"      {summary[:300]}")
        if len(violation["nodes"]) > 8:
            lines.append(f"    … and {len(violation['nodes']) - 8} more")
    return "\n".join(lines)


def duplicate_ids(page: Page) -> list[str]:
    """Ids used more than once (axe 4.14 no longer reports them: WCAG 2.2 dropped 4.1.1,
    but a duplicated id still breaks labels, aria-describedby and skip links)."""
    return page.evaluate(
        """() => {
            const seen = {};
            for (const el of document.querySelectorAll('[id]')) {
                seen[el.id] = (seen[el.id] || 0) + 1;
            }
            return Object.keys(seen).filter(id => seen[id] > 1);
        }"""
    )


def assert_no_violations(page: Page) -> None:
    violations = axe_violations(page)
    assert not violations, format_violations(page.url, violations)
    duplicated = duplicate_ids(page)
    assert not duplicated, f"duplicate ids on {page.url}: {duplicated}"
