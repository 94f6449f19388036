"""A customer files a complaint on a 390×844 phone and follows it with the code from the outbox (the
default SMS backend). axe-core finds no violation on any portal page, and nothing is wider than the
screen."""

import os
import re

import pytest

from tests.browser.support import axe_violations, chromium_page

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser]


def _checked(page) -> None:
    assert axe_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_a_customer_files_a_complaint_and_follows_it_with_the_texted_code(live_server, transactional_db, rulebooks):
    from django.core.cache import cache

    from kefu.cases.models import Case
    from kefu.portal.models import OutboxMessage

    cache.clear()
    with chromium_page(width=390, height=844) as page:
        base = live_server.url
        page.goto(f"{base}/portal/")
        page.wait_for_selector("h1:has-text('客户自助')")
        _checked(page)
        page.click("a.btn:has-text('投诉')")
        page.wait_for_selector("h1:has-text('投诉')")
        _checked(page)
        page.select_option("#id_category", "attitude")
        page.fill("#id_title", "维修师傅态度差")
        page.fill("#id_description", "十一月二十日上午，师傅上门后不耐烦，没修好就走了。")
        page.fill("#id_name", "李秀英")
        page.fill("#id_phone", "139 8765 4321")
        page.click("button:has-text('提交')")
        page.wait_for_selector("h1:has-text('我们已收到')")
        _checked(page)
        number = page.inner_text(".portal-number").strip()
        assert Case.objects.get(number=number).channel == "web"

        page.goto(f"{base}/portal/track/")
        page.wait_for_selector("h1:has-text('查询工单')")
        _checked(page)
        page.fill("#id_ask-number", number)
        page.fill("#id_ask-phone", "13987654321")
        page.click("button:has-text('发送验证码')")
        page.wait_for_selector(".msg-info")
        code = re.search(r"\b(\d{6})\b", OutboxMessage.objects.filter(to="13987654321").latest("pk").body).group(1)
        page.fill("#id_code-code", code)  # the number is filled in already
        page.click("button:has-text('查看我的工单')")
        page.wait_for_selector(".portal-stage")
        assert page.inner_text(".portal-stage").strip() == "已受理"
        assert "满意答复" in page.inner_text("main")
        _checked(page)

        page.goto(f"{base}/portal/t/broken-link/")
        page.wait_for_selector("h1:has-text('此链接无法使用')")
        _checked(page)
