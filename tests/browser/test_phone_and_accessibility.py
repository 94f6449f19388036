"""Issue 7: every Kefu page at 390×844 without sideways scrolling and with zero axe-core violations
(WCAG 2.1 AA) at phone and desktop width; the next-step line after a first-level approval; a phone
user finishing a step with the actions shown first; the keyboard shortcuts.

Runs Debian's /usr/bin/chromium through Playwright against pytest-django's live server.
"""

import os
from datetime import date

import pytest

from tests.browser.support import axe_violations, chromium_page

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1300, "height": 900}


def _advance(case, steps):
    from kefu.cases.services import case_transition

    for name, actor, data in steps:
        case = case_transition(case=case, actor=actor, transition=name, expected_version=case.version, data=data)
    return case


def _approving_case(org, make_case, amount: str):
    return _advance(
        make_case(title="维修人员上门迟到且态度差"),
        [
            ("establish", org.agent, {}),
            ("route", org.agent, {"unit": org.aftersales.pk, "assignee": org.handler.pk}),
            ("finding", org.handler, {"cause": "派工时间安排过紧", "responsibility": "company"}),
            ("propose_remedy", org.handler, {"remedies": [{"kind": "allowance", "amount": amount}]}),
        ],
    )


def _log_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", f"pw-{username}")
    page.click(".login-card button[type=submit]")
    page.wait_for_selector("h1")


def _pages(org, case) -> list[str]:
    from kefu.calendars.models import WorkCalendar

    calendar = WorkCalendar.objects.get(key="office")
    year = date.today().year
    return [
        "/",
        "/intake/",
        f"/cases/{case.number}/",
        "/inbox/",
        "/board/",
        "/unit/",
        "/reports/monthly/",
        "/knowledge/",
        "/duty/",
        f"/admin/calendars/workcalendar/{calendar.pk}/year/{year}/",
        # The apps built on the engine: their home pages and the supervisors' lists.
        f"/customers/{case.customer.code}/",
        "/customers/care/",
        "/workorders/",
        "/workorders/register/",
        "/workorders/daily/",
        "/visits/",
        "/visits/review/",
        "/visits/surveys/",
        "/appraisal/",
        "/appraisal/ledger/",
        "/appraisal/reports/",
        "/exports/",
        "/exports/import/",
    ]


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_every_page_fits_and_has_no_axe_violations(live_server, transactional_db, org, rulebooks, make_case, viewport):
    """Each page as the administrator (who may open all of them): at 390 px the document is no wider
    than the screen (scrollWidth ≤ 390), and axe-core finds nothing at either width."""
    case = _approving_case(org, make_case, "500")
    # One of its deadlines passed two hours ago: the board has a row with its actions (催办, 延期, 改派).
    from datetime import timedelta

    from django.utils import timezone

    from kefu.sla.models import Clock

    late = timezone.now() - timedelta(hours=2)
    clock = Clock.objects.filter(case=case, status="running").order_by("id").first()
    Clock.objects.filter(pk=clock.pk).update(deadline=late, warn_at=late - timedelta(hours=1))
    # A case sent back to 拟定方案: the remedy form with its rows of inputs is on the page.
    solution = _advance(_approving_case(org, make_case, "800"), [("decline", org.manager, {"comment": "金额过高"})])
    base = live_server.url
    problems: list[str] = []
    with chromium_page(**viewport) as page:
        page.goto(f"{base}/login/")
        page.wait_for_selector("#id_username")
        problems += [f"/login/ {v}" for v in axe_violations(page)]
        if viewport is PHONE:
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > 390:
                problems.append(f"/login/ is {width} px wide")
        _log_in(page, base, "admin")
        for path in _pages(org, case) + [f"/cases/{solution.number}/"]:
            response = page.goto(f"{base}{path}")
            assert response is not None and response.status == 200, path
            page.wait_for_load_state("load")
            if path == "/board/":
                assert page.locator(".board-actions button:has-text('催办')").count() == 1
            problems += [f"{path} {v}" for v in axe_violations(page)]
            if viewport is PHONE:
                width = page.evaluate("document.documentElement.scrollWidth")
                if width > 390:
                    problems.append(f"{path} is {width} px wide")
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_after_the_first_approval_the_next_step_names_the_deputy_gm(
    live_server, transactional_db, org, rulebooks, make_case, viewport
):
    """¥5,000 is above the manager's ¥2,000 and within the deputy GM's ¥20,000: after the manager
    approves, the message and the line under the title name level 2 and the deputy GM."""
    case = _approving_case(org, make_case, "5000")
    base = live_server.url
    with chromium_page(**viewport) as page:
        _log_in(page, base, "manager")
        page.goto(f"{base}/cases/{case.number}/")
        assert "等待第 1 级审批（共 2 级）" in page.locator("#next-step").inner_text()
        form = page.locator("#action-approve")
        form.locator("textarea[name='approve-comment']").fill("同意")
        form.locator("button[type=submit]").click()
        page.wait_for_selector(".msg-success")
        message = page.locator(".msg-success").inner_text()
        assert "审批通过：已记录。" in message and "已完成" not in message
        line = page.locator("#next-step").inner_text()
        assert "第 2 级审批（共 2 级）" in line and "副总经理" in line and "deputy_gm" in line
        assert page.locator("#action-approve").count() == 0  # the manager's level is done


def test_a_phone_user_finishes_a_step_with_the_actions_first(live_server, transactional_db, org, rulebooks, make_case):
    """The handler on a 390 px phone: the action form comes before the case's facts, fits the screen,
    and recording the finding moves the case on."""
    case = _advance(
        make_case(),
        [("establish", org.agent, {}), ("route", org.agent, {"unit": org.aftersales.pk, "assignee": org.handler.pk})],
    )
    base = live_server.url
    with chromium_page(**PHONE) as page:
        _log_in(page, base, "handler")
        assert page.locator("details.navmenu").get_attribute("open") is None  # the menu is folded away
        page.goto(f"{base}/cases/{case.number}/")
        actions = page.locator(".case-side").bounding_box()
        facts = page.locator(".case-main").bounding_box()
        assert actions["y"] < facts["y"]
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        form = page.locator("#action-finding")
        form.locator("textarea[name='finding-cause']").fill("派工时间安排过紧，技术员迟到。")
        form.locator("select[name='finding-responsibility']").select_option("company")
        form.locator("button[type=submit]").click()
        page.wait_for_selector(".msg-success")
        assert "拟定方案" in page.locator(".stage-lg").inner_text()
        assert "提出解决方案" in page.locator("#next-step").inner_text()


def test_keyboard_shortcuts(live_server, transactional_db, org, rulebooks, make_case):
    """? opens the help overlay and Escape closes it; j moves to the first queue row; / focuses the
    search box; n opens the intake form."""
    make_case(title="第一张工单")
    make_case(title="第二张工单")
    base = live_server.url
    with chromium_page(**DESKTOP) as page:
        _log_in(page, base, "agent")
        page.keyboard.press("?")
        assert page.locator("#shortcut-help").is_visible()
        assert axe_violations(page) == []
        page.keyboard.press("Escape")
        assert not page.locator("#shortcut-help").is_visible()
        page.keyboard.press("j")
        assert page.evaluate("document.activeElement.closest('tr') !== null")
        page.keyboard.press("/")
        assert page.evaluate("document.activeElement.name") == "q"
        page.keyboard.press("Escape")
        page.locator("h1").click()
        page.keyboard.press("n")
        page.wait_for_url(f"{base}/intake/")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_monthly_report_draws_its_charts_under_the_strict_policy(
    live_server, transactional_db, org, rulebooks, make_case, viewport
):
    """Three cases this month: the charts are drawn by ECharts (served locally) from the page's data,
    the browser blocks nothing, axe finds nothing, and at 390 px nothing scrolls sideways."""
    from django.utils import timezone

    for title in ("上门迟到", "态度生硬", "配件缺货"):
        make_case(title=title)
    month = timezone.localtime().strftime("%Y-%m")
    base = live_server.url
    with chromium_page(**viewport) as page:
        page.context.add_init_script(
            "window.__csp = []; document.addEventListener('securitypolicyviolation',"
            " e => window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline')));"
        )
        _log_in(page, base, "admin")
        page.goto(f"{base}/reports/monthly/?month={month}")
        page.wait_for_selector("[data-chart=type] svg")
        assert page.locator("[data-chart=type] svg text:has-text('投诉')").count() >= 1
        assert page.evaluate("window.__csp") == []
        assert axe_violations(page) == []
        if viewport is PHONE:
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
