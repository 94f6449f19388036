"""An agent answers a case with a reply template, runs into the 服务忌语 check, fixes the text and sends it.

Runs Debian's /usr/bin/chromium through Playwright against pytest-django's live server, and checks the
screens with axe-core (from the npm registry, node_modules/axe-core) at phone width too.
"""

import os
from pathlib import Path

import pytest

from tests.browser.support import axe_violations, chromium_page

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

SCREENSHOT = Path("/tmp/kefu-taboo-warning.png")

pytestmark = [pytest.mark.browser]


@pytest.fixture
def browser_page():
    with chromium_page(width=1300, height=1000) as page:
        yield page


def test_agent_replies_with_a_template_meets_the_taboo_check_fixes_it_and_sends(
    live_server, transactional_db, org, rulebooks, customer, browser_page
):
    from kefu.cases.services import case_register
    from kefu.knowledge.services import reply_template_save

    reply_template_save(
        actor=org.supervisor,
        name="保修咨询答复",
        body="{客户姓名}您好，您咨询的工单 {工单号} 已查询：产品整机保修两年，保修期内免费上门。",
        case_type="inquiry",
    )
    case, _ = case_register(
        actor=org.agent,
        case_type="inquiry",
        category="product",
        customer=customer,
        channel="hotline",
        title="咨询产品保修期限",
        description="客户询问去年购买的产品保修期多长，是否包含上门服务。",
    )
    page, base = browser_page, live_server.url

    page.goto(f"{base}/login/")
    page.fill("#id_username", "agent")
    page.fill("#id_password", "pw-agent")
    page.click(".login-card button[type=submit]")
    page.wait_for_selector("h1:has-text('工单列表')")
    page.goto(f"{base}/cases/{case.number}/")

    form = page.locator("#action-reply")
    form.locator("summary:has-text('插入回复模板')").click()
    form.locator("button.tpl-insert:has-text('保修咨询答复')").click()
    box = form.locator("textarea[name='reply-reply']")
    expected = f"王建国您好，您咨询的工单 {case.number} 已查询：产品整机保修两年，保修期内免费上门。"
    assert box.input_value() == expected

    # The agent adds a sentence of their own, with a phrase the regulation forbids.
    box.press("End")
    box.type("喂，干什么还打电话？")
    form.locator("button[type=submit]").click()
    warning = page.locator("#action-reply .text-check")
    warning.wait_for()
    assert warning.locator("mark").inner_text() == "喂，干什么"
    assert "您好，请问有什么可以帮您？" in warning.inner_text()  # the polite alternative
    assert page.locator("#action-reply input[type=checkbox][name='reply-override_text_checks']").count() == 1
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    assert axe_violations(page, "#action-reply") == []
    case.refresh_from_db()
    assert case.reply == "" and case.stage == "registered"  # nothing was sent

    # The agent fixes the text and sends it: no override needed.
    box = page.locator("#action-reply textarea[name='reply-reply']")
    assert box.input_value().endswith("喂，干什么还打电话？")  # what they wrote is kept
    box.fill(expected + "如有其他问题，欢迎随时来电。")
    page.locator("#action-reply button[type=submit]").click()
    page.wait_for_selector(".msg-success")
    assert "已答复" in page.locator(".stage-lg").inner_text() or case.number in page.url
    case.refresh_from_db()
    assert case.reply.endswith("欢迎随时来电。") and "喂" not in case.reply
    assert "text_check_override" not in case.events.order_by("-id").first().data


def test_knowledge_and_duty_screens_pass_axe_at_phone_width(
    live_server, transactional_db, org, rulebooks, browser_page
):
    from kefu.knowledge.choices import Visibility
    from kefu.knowledge.services import article_create

    article_create(
        title="暖气片不热怎么办",
        body="供暖期间如果暖气片不热，请先检查进水阀门是否完全打开。",
        visibility=Visibility.PUBLIC,
        actor=org.supervisor,
    )
    page, base = browser_page, live_server.url
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base}/help/?q=阀门")
    assert page.locator("a:has-text('暖气片不热怎么办')").count() == 1
    assert axe_violations(page, "main") == []
    page.goto(f"{base}/login/")
    page.fill("#id_username", "cs_supervisor")
    page.fill("#id_password", "pw-cs_supervisor")
    page.click(".login-card button[type=submit]")
    page.wait_for_selector("h1")
    for path in ("/knowledge/?q=暖气片", "/knowledge/phrases/", "/duty/", "/duty/rosters/", "/duty/handover/"):
        page.goto(base + path)
        assert axe_violations(page, "main") == [], path
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, (path, width)
