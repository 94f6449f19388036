"""The main pages work under the Content-Security-Policy, report no violation, and load nothing from elsewhere.

Runs Debian's /usr/bin/chromium through Playwright against pytest-django's live server.
"""

import os
from pathlib import Path

import pytest

from tests.browser.support import select_and_settle

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed"),
]

# Collected in every document before its own scripts run: what the browser blocked, and why.
RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} (${e.sourceFile}:${e.lineNumber})`);
});
"""


@pytest.fixture
def watched_page(live_server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        context.add_init_script(RECORD_VIOLATIONS)
        page = context.new_page()
        page.set_default_timeout(20_000)
        page.problems = []  # console CSP messages and requests that left the live server
        page.on(
            "console",
            lambda msg: (
                page.problems.append(f"console: {msg.text}")
                if "Content Security Policy" in msg.text or "Content-Security-Policy" in msg.text
                else None
            ),
        )
        # A request for another host must never reach the network: the only acceptable fate is being
        # stopped by the policy inside the browser (Chromium reports the failure as "csp").
        page.on(
            "requestfinished",
            lambda req: (
                page.problems.append(f"external request: {req.url}")
                if not req.url.startswith((live_server.url, "data:", "blob:"))
                else None
            ),
        )
        page.on(
            "requestfailed",
            lambda req: (
                page.problems.append(f"external request: {req.url} ({req.failure})")
                if not req.url.startswith((live_server.url, "data:", "blob:")) and req.failure != "csp"
                else None
            ),
        )
        yield page
        context.close()
        browser.close()


REDOCLY_LOGO = ("img-src blocked https://cdn.redoc.ly/", "console: Loading the image 'https://cdn.redoc.ly/")


def violations(page) -> list[str]:
    return page.problems + page.evaluate("window.__csp || []")


def visit(page, url: str, ready: str, expected: tuple[str, ...] = ()) -> None:
    response = page.goto(url)
    assert response.status == 200, url
    assert "Content-Security-Policy" in {k.title(): v for k, v in response.headers.items()} or response.headers.get(
        "content-security-policy"
    )
    page.wait_for_selector(ready)
    page.wait_for_load_state("networkidle")
    unexpected = [v for v in violations(page) if not v.startswith(expected)]
    assert unexpected == [], url


def test_main_pages_report_no_csp_violation_and_stay_on_the_site(
    live_server, transactional_db, org, rulebooks, customer, make_case, watched_page
):
    from kefu.calendars.models import WorkCalendar

    page = watched_page
    base = live_server.url
    case = make_case()

    # Login page, then the real login form (as the administrator, who sees every page).
    visit(page, f"{base}/login/", "#id_username")
    page.fill("#id_username", "admin")
    page.fill("#id_password", "pw-admin")
    page.click(".login-card button[type=submit]")
    page.wait_for_selector("h1:has-text('工单列表')")
    assert violations(page) == []

    visit(page, f"{base}/", "h1:has-text('工单列表')")

    # Intake: both htmx interactions (customer search, case-type options) still work.
    visit(page, f"{base}/intake/", "#customer-search")
    page.locator("#customer-search").press_sequentially("1234 5678", delay=20)
    page.locator(f"input[name=customer][value='{customer.pk}']").wait_for()
    select_and_settle(page, "#id_case_type", "complaint")
    page.wait_for_selector("#id_category option[value='attitude']", state="attached")
    assert violations(page) == []

    visit(page, f"{base}/cases/{case.number}/", ".stage-lg")
    visit(page, f"{base}/unit/", "main h1")
    visit(page, f"{base}/inbox/", "main h1")
    visit(page, f"{base}/board/", "main h1")
    visit(page, f"{base}/reports/monthly/", "main h1")

    # Admin: index, a change page with its widgets, and the working calendar's year view.
    visit(page, f"{base}/admin/", "#content")
    visit(page, f"{base}/admin/org/user/{org.agent.pk}/change/", "#user_form")
    calendar = WorkCalendar.objects.get(key="office")
    visit(page, f"{base}/admin/calendars/workcalendar/{calendar.pk}/year/2026/", ".kefu-year td.holiday")
    # The stylesheet moved out of the page still applies.
    holiday = page.locator(".kefu-year td.holiday").first.evaluate("e => getComputedStyle(e).backgroundColor")
    assert holiday == "rgb(248, 201, 196)"
    visit(page, f"{base}/admin/axes/accessattempt/", "#content")

    # API documentation: Swagger UI lists the operations from the schema; ReDoc renders it.
    visit(page, f"{base}/api/v1/docs/", ".swagger-ui .opblock")
    # ReDoc's sidebar shows Redocly's logo from their CDN: the policy blocks it before any request is
    # made (no "external request" above), and ReDoc hides the image when it fails to load.
    visit(page, f"{base}/api/v1/redoc/", "#redoc-container h1", expected=REDOCLY_LOGO)
    assert "Kefu API" in page.locator("#redoc-container h1").first.inner_text()


def test_the_lockout_message_on_the_login_page(live_server, transactional_db, org, watched_page):
    page = watched_page
    page.goto(f"{live_server.url}/login/")
    for _ in range(5):
        page.fill("#id_username", "agent")
        page.fill("#id_password", "guess")
        page.click(".login-card button[type=submit]")
        page.wait_for_selector(".form-errors")
    page.fill("#id_username", "agent")
    page.fill("#id_password", "pw-agent")
    page.click(".login-card button[type=submit]")
    message = page.locator(".form-errors").inner_text()
    assert "登录失败次数过多" in message and "后才能登录" in message
    assert violations(page) == []
