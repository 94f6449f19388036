"""A supervisor on a phone (390 × 844) opens the repair register and the unit's daily report (D11 13,
D11 11): no axe-core violation, nothing wider than the screen."""

import os

import pytest

from tests.browser.support import axe_violations, chromium_page

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser]


def test_register_and_daily_report_pages_on_a_phone(live_server, transactional_db, org, rulebooks, customer):
    from kefu.workorders.services import workorder_create

    order, _ = workorder_create(
        actor=org.agent, kind="repair", customer=customer, description="车载终端不上线", unit=org.aftersales
    )
    with chromium_page(width=390, height=844) as page:
        base = live_server.url
        page.goto(f"{base}/login/")
        page.fill("#id_username", "supervisor")
        page.fill("#id_password", "pw-supervisor")
        page.click(".login-card button[type=submit]")
        page.goto(f"{base}/workorders/register/")
        page.wait_for_selector("h1:has-text('报修登记核对')")
        assert order.number in page.content()
        assert axe_violations(page) == []
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.goto(f"{base}/workorders/daily/")
        page.wait_for_selector("h1:has-text('服务主任日报表')")
        assert axe_violations(page) == []
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.click("button:has-text('提交日报')")
        page.wait_for_selector("text=已提交，审核人会在日报列表中看到。")
