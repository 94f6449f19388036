"""The agent's day in a real browser, at 1440×900 and 390×844 (issue 7): a hand-off reaches the
handler's inbox, a phone fragment finds the caller and their customer page, a resubmitted intake form
registers one case; axe-core finds no violation on the new pages, and none scrolls sideways on a phone.
"""

import os
import re

import pytest

from tests.browser.support import CHROMIUM, axe_violations, chromium_page, select_and_settle

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed"),
]
SIZES = pytest.mark.parametrize("size", [(1440, 900), (390, 844)], ids=["desktop", "phone"])


def log_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", f"pw-{username}")
    page.click(".login-card button[type=submit]")
    page.wait_for_selector("h1")


def fits(page, width: int) -> None:
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width, "the page scrolls sideways"


@SIZES
def test_a_routed_complaint_reaches_the_handlers_inbox(live_server, transactional_db, org, make_case, size):
    from kefu.cases.services import case_transition

    case = make_case()
    case = case_transition(case=case, actor=org.agent, transition="establish", expected_version=case.version)
    case_transition(
        case=case,
        actor=org.agent,
        transition="route",
        expected_version=case.version,
        data={"unit": org.aftersales.pk, "assignee": org.handler.pk},
    )  # committed: the event is delivered and the notice written (eager Celery in tests)
    width, height = size
    with chromium_page(width=width, height=height) as page:
        log_in(page, live_server.url, "handler")
        # The unread count: on the inbox link, or on the folded menu's toggle on a phone.
        assert page.locator("header .badge:visible").first.inner_text() == "1"
        # A handler lands on 我的待办; the views' counts arrive in a fragment.
        page.wait_for_selector(".queue-views a[aria-current=page]:has-text('我的待办 (1)')")
        assert axe_violations(page, ".queue-views") == []
        assert axe_violations(page, "header") == []
        if page.locator("header .navmenu-toggle").is_visible():  # a phone: unfold the menu first
            page.click("header .navmenu-toggle")
        page.click("header .inbox-link")
        entry = page.locator(f".inbox-item a:has-text('工单 {case.number} 已分派给您')")
        entry.wait_for()
        assert axe_violations(page) == []
        fits(page, width)
        entry.click()
        page.wait_for_url(re.compile(f"/cases/{case.number}/"))


@SIZES
def test_a_phone_fragment_finds_the_caller_and_the_customer_page(
    live_server, transactional_db, org, make_case, customer, size
):
    from kefu.customers.models import PersonalDataAccess

    case = make_case()
    width, height = size
    with chromium_page(width=width, height=height) as page:
        log_in(page, live_server.url, "agent")
        page.fill("header .topsearch input", "1234 5678")
        page.press("header .topsearch input", "Enter")
        page.wait_for_selector("#found-customers")
        assert page.locator(f".case-list a:has-text('{case.number}')").count() == 1
        assert axe_violations(page) == []
        fits(page, width)
        page.click(f".result-list a:has-text('{customer.name}')")
        page.wait_for_selector("h1:has-text('王建国')")
        assert "138****5678" in page.content()
        assert axe_violations(page) == []
        fits(page, width)
        page.click("button:has-text('显示完整号码')")
        page.wait_for_selector("a[href='tel:13812345678']")
        assert PersonalDataAccess.objects.filter(viewer=org.agent, customer=customer).count() == 1


def test_a_resubmitted_intake_form_registers_one_case(live_server, transactional_db, org, rulebooks, customer):
    """Submitted, then the same form sent again (what Back + submit sends): one case."""
    from kefu.cases.models import Case

    with chromium_page(width=1440, height=900) as page:
        base = live_server.url
        log_in(page, base, "agent")
        page.goto(f"{base}/intake/")
        page.locator("#customer-search").press_sequentially("1234 5678", delay=20)
        option = page.locator(f"input[name=customer][value='{customer.pk}']")
        option.wait_for()
        option.check()
        select_and_settle(page, "#id_case_type", "inquiry")
        page.fill("#id_title", "咨询本月电费")
        page.fill("#id_description", "客户询问本月电费为何上涨。")
        sent = page.evaluate("() => Object.fromEntries(new FormData(document.querySelector('form.intake')))")
        page.click("button:has-text('登记工单')")
        page.wait_for_url(re.compile(r"/cases/"))
        first = page.url
        again = page.request.post(f"{base}/intake/", form={k: v for k, v in sent.items() if isinstance(v, str)})
        assert again.url == first
        assert Case.objects.count() == 1
