"""The case page says what happens next (issue 7): who acts next and by when, true messages after a
step, rule explanations and durations in words, routing targets as unit paths, follow-up links, the
remedy form kept after a send-back and typed text kept across a conflict."""

import re

import pytest

from kefu.cases.models import Case
from kefu.web.deadlines import format_duration, time_left_text
from kefu.web.tests.test_screens import advance, case_url, to_approving

pytestmark = pytest.mark.django_db


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_after_the_first_approval_the_page_names_the_deputy_gm_not_done(client, org, make_case):
    """A ¥5,000 remedy under the compensation chain (部门经理 ≤ ¥2,000, 副总经理 ≤ ¥20,000, 总经理):
    5,000 > 2,000 so two levels are needed. After the manager approves, the message and the page say
    level 2 of 2 waits for the deputy GM (deputy_gm in 总经理办公室), not "审批通过：已完成"."""
    case = to_approving(org, make_case(), amount="5000")
    client.force_login(org.manager)
    before = _text(client.get(case_url(case)).content.decode())
    assert "等待第 1 级审批（共 2 级），由部门经理（manager）审批。" in before
    assert "本级审批权限：¥2,000 以内。" in before
    response = client.post(
        case_url(case, "web:case_transition", name="approve"),
        {"approve-version": case.version, "approve-comment": "同意"},
        follow=True,
    )
    page = _text(response.content.decode())
    assert "审批通过：已记录。" in page
    assert "已完成" not in page
    assert "下一步：第 2 级审批（共 2 级），由副总经理（deputy_gm）审批。" in page
    assert "本级审批权限：¥20,000 以内。" in page
    assert re.search(r"期限：\d{4}-\d\d-\d\d \d\d:\d\d。", page)  # by when: the running clock's deadline


def test_the_page_says_who_acts_in_words_without_codes_or_versions(client, org, make_case):
    """A fresh complaint: the agent (its owner) decides whether it stands. The deadline's rule reads
    "标准时限" instead of "default → 1 working_days", and no "版本 N" is shown."""
    case = make_case()
    client.force_login(org.agent)
    page = _text(client.get(case_url(case)).content.decode())
    assert "下一步：由agent办理“投诉成立”或“投诉不成立”。" in page
    assert "working_days" not in page and "working_hours" not in page and "default" not in page
    assert "标准时限" in page
    assert not re.search(r"版本 \d", page)
    assert 'class="status status-open"' not in client.get(case_url(case)).content.decode()  # stage once, not twice


def test_a_condition_rule_is_said_in_words(client, org, make_case):
    """A major complaint's start clock comes from the variant `severity=major → 4 working_hours`:
    the page says why in words (因严重程度为重大) with the rulebook's label, not the codes."""
    case = make_case(severity="major")
    client.force_login(org.agent)
    page = _text(client.get(case_url(case)).content.decode())
    assert "因严重程度为" in page
    assert "severity=major" not in page


def test_timeline_names_the_unit_path_and_the_handler(client, org, make_case):
    """Routing to Hangzhou's 售后部 (two units are called 售后部) shows the path in the timeline and the
    facts: 华东分公司 / 杭州公司 / 售后部."""
    case = advance(
        make_case(),
        [("establish", org.agent, {}), ("route", org.agent, {"unit": org.aftersales.pk, "assignee": org.handler.pk})],
    )
    client.force_login(org.agent)
    page = _text(client.get(case_url(case)).content.decode())
    assert "转至 华东分公司 / 杭州公司 / 售后部 · 处理人: handler" in page


def test_route_picker_shows_unit_paths_and_handler_units(client, org, make_case):
    """The two 售后部 are told apart in the picker, and each handler option carries its unit's path
    (data-path) so the page's script narrows the handlers to the chosen unit."""
    case = advance(make_case(), [("establish", org.agent, {})])
    client.force_login(org.agent)
    html = client.get(case_url(case)).content.decode()
    assert f'value="{org.aftersales.pk}" data-path="{org.aftersales.path}">华东分公司 / 杭州公司 / 售后部<' in html
    assert f'data-path="{org.other_aftersales.path}">华东分公司 / 宁波公司 / 售后部<' in html
    assert (
        f'value="{org.handler.pk}" data-path="{org.aftersales.path}">handler（华东分公司 / 杭州公司 / 售后部）<' in html
    )


def test_a_follow_up_and_its_parent_link_to_each_other(client, org, make_case):
    parent = make_case()
    child = make_case(title="客户不接受后的复查")
    Case.objects.filter(pk=child.pk).update(parent=parent)
    client.force_login(org.agent)
    assert f'href="{case_url(child)}"' in client.get(case_url(parent)).content.decode()
    assert f'href="{case_url(parent)}"' in client.get(case_url(child)).content.decode()


def test_after_a_send_back_the_remedy_form_starts_from_the_sent_back_remedy(client, org, make_case):
    case = to_approving(org, make_case(), amount="800")
    case = advance(case, [("decline", org.manager, {"comment": "金额过高，请调整"})])
    client.force_login(org.handler)
    html = client.get(case_url(case)).content.decode()
    assert 'name="propose_remedy-amount_0" value="800.00"' in html
    assert re.search(r'<option value="allowance" selected>', html)


def test_send_back_is_not_a_second_primary_button(client, org, make_case):
    case = to_approving(org, make_case())
    client.force_login(org.manager)
    html = client.get(case_url(case)).content.decode()
    assert re.search(r'class="btn btn-primary" name="do" value="approve"', html)
    assert re.search(r'class="btn" name="do" value="decline"', html)


def test_typed_text_survives_a_conflict(client, org, make_case):
    """Someone else changes the case while the manager writes the send-back reason: the answer is 409
    with the fresh case and the reason still in the form, bound to the fresh version."""
    case = to_approving(org, make_case())
    stale = case.version
    advance(case, [])
    from kefu.cases.services import case_add_note

    case_add_note(case=case, actor=org.handler, body="补充材料已上传")
    client.force_login(org.manager)
    response = client.post(
        case_url(case, "web:case_transition", name="decline"),
        {"decline-version": stale, "decline-comment": "请补充发票后重新提交"},
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "请补充发票后重新提交</textarea>" in html
    assert f'name="decline-version" value="{stale + 1}"' in html
    assert "您填写的内容已保留" in html
    case.refresh_from_db()
    assert case.stage == "approving"


def test_durations_are_said_in_working_days_and_hours():
    """On a 7.5-hour (450-minute) working day: 3 × 450 + 130 = 1,480 min → "超时 3个工作日2小时" (the
    10 minutes are not worth saying); 200 min stay hours; 900 = 2 × 450 → "剩余 2个工作日"."""
    assert format_duration(1480, working=True, day_minutes=450) == "3个工作日2小时"
    assert time_left_text(-1480, working=True, day_minutes=450) == "超时 3个工作日2小时"
    assert time_left_text(-200, working=True, day_minutes=450) == "超时 3小时20分（工作时间）"
    assert time_left_text(900, working=True, day_minutes=450) == "剩余 2个工作日"
