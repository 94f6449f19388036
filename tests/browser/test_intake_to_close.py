"""A complaint from the intake screen to closed, in a real browser, by the people the rulebook names.

Runs Debian's /usr/bin/chromium through Playwright against pytest-django's live server. The walk also
counts what people do (issue 7: "the number of clicks from intake to closed"): every click, tick and
choice in a select is a click, every field typed into is a typed field; signing in and out and opening
the case (one click on the inbox notice or the queue row) are counted apart. The figure is printed
under "figures" and written in docs/web.md.
"""

import os
import re
from pathlib import Path

import pytest

from tests.browser.support import axe_violations

# Playwright's sync API runs an event loop in this thread; the live server's ORM calls are in another.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOT = Path("/tmp/kefu-closed.png")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed"),
]


@pytest.fixture
def browser_page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
        page = context.new_page()
        page.set_default_timeout(15_000)
        yield page
        context.close()
        browser.close()


def test_complaint_from_intake_to_closed(live_server, transactional_db, org, rulebooks, customer, browser_page, figure):
    page = browser_page
    base = live_server.url
    work = {"clicks": 0, "typed": 0}
    overhead = {"clicks": 0, "typed": 0}

    def log_in(username: str) -> None:
        page.goto(f"{base}/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", f"pw-{username}")
        page.click(".login-card button[type=submit]")
        page.wait_for_selector("h1:has-text('工单列表')")
        overhead["typed"] += 2
        overhead["clicks"] += 1

    def log_out() -> None:
        page.click("header button:has-text('退出登录')")
        page.wait_for_selector("#id_username")
        overhead["clicks"] += 1

    def open_case(number: str) -> None:
        page.goto(f"{base}/cases/{number}/")
        overhead["clicks"] += 1  # the inbox notice or the queue row

    def act(name: str, fill: dict[str, str] | None = None, select: dict[str, str] | None = None) -> None:
        form = page.locator(f"#action-{name}")
        for field, value in (fill or {}).items():
            form.locator(f"[name='{name}-{field}']").fill(value)
        for field, value in (select or {}).items():
            form.locator(f"[name='{name}-{field}']").select_option(value)
        form.locator("button[type=submit]").click()
        page.wait_for_selector(".msg-success")
        work["typed"] += len(fill or {})
        work["clicks"] += len(select or {}) + 1

    # Agent: intake, finding the customer by part of the phone number.
    log_in("agent")
    page.click("nav >> text=登记工单")
    page.locator("#customer-search").press_sequentially("1234 5678", delay=20)
    option = page.locator(f"input[name=customer][value='{customer.pk}']")
    option.wait_for()
    option.check()
    # 投诉 is the preset's first case type and 电话 the default channel: nothing to choose there.
    assert page.locator("#id_case_type").input_value() == "complaint"
    page.select_option("#id_category", "attitude")
    page.fill("#id_title", "维修人员上门迟到且态度差")
    page.fill("#id_description", "约定上午九点上门，十一点才到，解释时态度生硬。")
    page.fill("#id_customer_request", "道歉并给予补偿")
    page.select_option("#id_subject_person", str(org.technician.pk))
    page.click("button:has-text('登记工单')")
    page.wait_for_selector(".msg-success")
    work["clicks"] += 2 + 3  # the menu item, the customer found; category, person complained about, submit
    work["typed"] += 4  # the phone searched, title, description, what the customer asks
    number = re.search(r"KF\d+", page.locator(".msg-success").inner_text()).group(0)
    assert page.url.endswith(f"/cases/{number}/")
    assert "已受理" in page.locator(".stage-lg").inner_text()
    assert "服务态度" in page.locator(".facts").first.inner_text()
    assert page.locator("#action-approve").count() == 0  # an agent is never offered approval

    # 成立 and 转部门 in one form (kefu/web/combined.py), its unit picker with a search box: "宁波" leaves
    # 宁波公司's units and hides 杭州公司 / 售后部 (checked here, not counted: the walk picks from the list).
    combined = page.locator("#action-establish-route")
    assert axe_violations(page, "#action-establish-route") == []
    page.set_viewport_size({"width": 390, "height": 844})  # and on a phone, without sideways scrolling
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    page.set_viewport_size({"width": 1400, "height": 1000})
    search = combined.locator("input.unit-search")
    search.fill("宁波")
    hangzhou = combined.locator(f"select[name='establish-route-unit'] option[value='{org.aftersales.pk}']")
    assert hangzhou.evaluate("o => o.hidden") is True
    search.fill("")
    assert hangzhou.evaluate("o => o.hidden") is False
    act("establish-route", select={"unit": str(org.aftersales.pk), "assignee": str(org.handler.pk)})
    assert "调查中" in page.locator(".stage-lg").inner_text()
    log_out()

    # Handler: cause and responsibility, then a small remedy that only the manager needs to approve.
    log_in("handler")
    open_case(number)
    act("finding", fill={"cause": "派工时间安排过紧，技术员迟到。"}, select={"responsibility": "company"})
    act(
        "propose_remedy",
        fill={"amount_0": "200", "description_0": "上门服务费减免"},
        select={"kind_0": "allowance"},
    )
    assert "审批中" in page.locator(".stage-lg").inner_text()
    log_out()

    log_in("manager")
    open_case(number)
    act("approve")  # a comment is optional
    assert "答复客户" in page.locator(".stage-lg").inner_text()
    log_out()

    log_in("handler")
    open_case(number)
    act("reply", fill={"reply": "非常抱歉给您带来不便，已减免上门服务费 200 元。"})
    log_out()

    log_in("agent")
    open_case(number)
    act("customer_accept")
    act("return_visit", fill={"note": "客户表示满意。"})
    log_out()

    log_in("supervisor")
    open_case(number)
    act("review", fill={"summary": "加强派工时间管理，组织服务礼仪培训。"})

    assert page.locator(".stage-lg").inner_text().strip() == "已结案"
    timeline = page.locator(".timeline").inner_text()
    for step in (
        "已登记",
        "投诉成立",
        "转被投诉部门",
        "查明原因与责任",
        "提出解决方案",
        "审批通过",
        "答复客户",
        "客户接受",
        "回访记录",
        "总结评价",
    ):
        assert step in timeline, step
    assert page.locator(".actions .action-form").count() == 0 or "归档" in page.locator(".actions").inner_text()
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    total_clicks, total_typed = work["clicks"] + overhead["clicks"], work["typed"] + overhead["typed"]
    figure(
        f"service-complaint, intake to closed by four people (six sign-ins): {work['clicks']} clicks and {work['typed']} typed "
        f"fields of work, {total_clicks} clicks and {total_typed} typed fields with signing in and out and "
        f"opening the case (issue 7 measured 47 clicks and 19 typed fields before)"
    )
