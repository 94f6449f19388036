"""Shared helpers for the browser tests: Debian's chromium through Playwright, and axe-core.

axe-core comes from the npm registry (node_modules/axe-core, installed by scripts/_setup.sh). It is
evaluated through the DevTools protocol rather than added as a <script> tag: Kefu's pages run under a
strict Content-Security-Policy that (rightly) refuses injected inline scripts.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

__all__ = ("AXE", "CHROMIUM", "axe_violations", "chromium_page", "select_and_settle")


@contextmanager
def chromium_page(*, width: int = 1300, height: int = 1000, timeout_ms: int = 15_000) -> Iterator[Any]:
    """A Playwright page in a fresh headless chromium (scripts/test.sh installs Debian's chromium)."""
    from playwright.sync_api import sync_playwright

    assert CHROMIUM.exists(), "Debian's chromium is needed: scripts/test.sh installs it (apt-get install chromium)"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
        page = context.new_page()
        page.set_default_timeout(timeout_ms)
        try:
            yield page
        finally:
            context.close()
            browser.close()


def axe_violations(page: Any, selector: str | None = None) -> list[str]:
    """axe-core's WCAG violations on the page (or inside `selector`), one line each."""
    assert AXE.exists(), "axe-core is missing: run scripts/_setup.sh (npm ci)"
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    context = f"document.querySelector({selector!r})" if selector else "document"
    result = page.evaluate(
        f"async () => (await axe.run({context})).violations"
        ".map(v => v.id + ': ' + v.help + ' ' + v.nodes.map(n => n.target.join(' ')).join(', '))"
    )
    return list(result)


def select_and_settle(page: Any, selector: str, value: str) -> None:
    """Choose `value` in a select whose change htmx answers by swapping part of the form, and wait
    until the swap has settled: waiting for the response alone races the swap (a choice made in the
    old fields is thrown away with them, as CI saw once on PostgreSQL)."""
    page.evaluate(
        "() => { window.__kefuSettled = false;"
        " document.body.addEventListener('htmx:afterSettle', () => { window.__kefuSettled = true; }, {once: true}); }"
    )
    page.select_option(selector, value)
    page.wait_for_function("() => window.__kefuSettled === true")
