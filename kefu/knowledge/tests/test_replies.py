"""Reply templates (variables, safe substitution, per case type and stage) and the greeting of the day.

seed-004 D6 四.1: "节日期间使用统一的开头用语: 元旦、春节:统一使用开头用语:“新年好!…” 五一劳动节:…“劳动节快乐!…”
中秋节:…“中秋节快乐!…” 国庆节:…“国庆节快乐!…” 节日开头语具体使用时间，统一以每次节日通知为准。" The dates come
from the working calendar's holidays (the official 2026 schedule).
"""

from datetime import date

import pytest
import time_machine
from django.utils import timezone

from kefu.core.exceptions import ApplicationError
from kefu.knowledge.replies import greeting_for, render_text, service_language_for_rulebook, values_for_case
from kefu.knowledge.selectors import templates_for_case
from kefu.knowledge.services import reply_template_save


@pytest.mark.parametrize(
    ("day", "opening"),
    [
        (date(2026, 1, 1), "新年好"),  # 元旦 2026-01-01..03
        (date(2026, 1, 3), "新年好"),
        (date(2026, 1, 4), "您好"),  # the make-up working day after 元旦
        (date(2026, 2, 14), "您好"),  # a make-up Saturday before 春节
        (date(2026, 2, 15), "新年好"),  # 春节 2026-02-15..23
        (date(2026, 2, 23), "新年好"),
        (date(2026, 2, 24), "您好"),
        (date(2026, 4, 5), "您好"),  # 清明节 has no greeting of its own
        (date(2026, 5, 1), "劳动节快乐"),
        (date(2026, 5, 5), "劳动节快乐"),
        (date(2026, 5, 6), "您好"),
        (date(2026, 9, 25), "中秋节快乐"),
        (date(2026, 9, 28), "您好"),
        (date(2026, 10, 1), "国庆节快乐"),
        (date(2026, 10, 7), "国庆节快乐"),
        (date(2026, 10, 8), "您好"),
    ],
)
def test_the_holiday_greeting_follows_the_2026_holidays(rulebooks, day, opening):
    assert greeting_for(section=service_language_for_rulebook("service-complaint"), day=day) == opening


def test_variables_render_in_english_or_chinese_names_and_user_text_stays_text(org, make_case, customer):
    case = make_case()
    values = values_for_case(case, org.handler, today=date(2026, 3, 2))
    body = "{问候语}，{客户姓名}！您的工单 {case_number} 由 {handler_name} 处理，{promised_date} 前答复。{ {x} {0} {__class__}"
    rendered = render_text(body, values)
    assert rendered.text.startswith(f"您好，王建国！您的工单 {case.number} 由 ")
    assert f"由 {org.handler} 处理" in rendered.text  # no handler on the case yet: the sender signs
    assert rendered.text.endswith("{ {x} {0} {__class__}")  # not variables: left alone, nothing evaluated
    # A customer whose name looks like a variable or a format string is inserted as it is.
    values["customer_name"] = "{case_number}%(x)s{0.__class__}"
    assert render_text("{客户姓名}", values).text == "{case_number}%(x)s{0.__class__}"


def test_a_missing_value_is_left_for_the_sender_and_reported(org, make_case):
    case = make_case(case_type="inquiry", category="product")
    values = values_for_case(case, org.agent)
    values["promised_date"] = ""
    rendered = render_text("我们将于{承诺日期}前回复您。", values)
    assert rendered.text == "我们将于【承诺日期】前回复您。"
    assert rendered.missing == ["承诺日期"]


@time_machine.travel("2026-03-02 09:00 +0800", tick=False)
def test_the_promised_date_is_the_cases_nearest_deadline(org, make_case):
    case = make_case()
    clock = case.clocks.filter(status="running").order_by("deadline").first()
    assert clock is not None
    expected = timezone.localtime(clock.deadline).date()
    values = values_for_case(case, org.agent)
    assert values["promised_date"] == f"{expected.year}年{expected.month}月{expected.day}日"


def test_templates_are_chosen_by_case_type_and_stage_most_specific_first(org, make_case):
    general = reply_template_save(actor=org.supervisor, name="通用答复", body="{客户姓名}您好。")
    complaint = reply_template_save(
        actor=org.supervisor, name="投诉答复", body="关于您的投诉 {工单号}。", case_type="complaint"
    )
    replying = reply_template_save(
        actor=org.supervisor,
        name="投诉处理结果",
        body="处理结果如下。",
        case_type="complaint",
        stage="replying",
        purpose="reply",
    )
    reply_template_save(actor=org.supervisor, name="报修进度", body="师傅已出发。", case_type="repair")
    reply_template_save(actor=org.supervisor, name="停用", body="旧模板", is_active=False)
    case = make_case()
    assert templates_for_case(case, "reply") == [complaint, general]
    case.stage = "replying"
    assert templates_for_case(case, "reply") == [replying, complaint, general]
    assert templates_for_case(case, "note") == [complaint, general]


def test_a_template_with_an_unknown_variable_is_refused(org):
    with pytest.raises(ApplicationError) as refused:
        reply_template_save(actor=org.supervisor, name="错", body="{客户名称}您好，{customer.name}")
    assert "{客户名称}" in refused.value.extra["body"][0]
    assert "{customer.name}" in refused.value.extra["body"][0]
