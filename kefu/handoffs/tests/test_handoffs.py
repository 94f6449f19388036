"""Hand-off notices: the next person finds the case in their inbox, once, in their own language.

The walk is the service-complaint preset (seeds-000-003 篇2: 成立的投诉经 OA 转被投诉部门主管), on the
conftest organisation: 杭州公司/售后部 (handler, supervisor, manager), the deputy GM in 总经理办公室.
"""

from django.core import mail
from django.utils import translation

from kefu.cases import events
from kefu.cases.models import CaseEvent
from kefu.cases.services import case_add_note, case_transition
from kefu.handoffs.models import HandoffNotice
from kefu.handoffs.subscribers import mentioned_usernames
from kefu.sla.models import Notification


def walk(case, steps):
    for name, actor, data in steps:
        case = case_transition(case=case, actor=actor, transition=name, expected_version=case.version, data=data)
    events.dispatch_pending()
    return case


def inbox_of(user, case=None):
    qs = Notification.objects.filter(recipient=user, message_code__startswith="handoffs.")
    if case is not None:
        qs = qs.filter(case=case)
    return list(qs.order_by("id"))


def to_approving(org, case, amount):
    return walk(
        case,
        [
            ("establish", org.agent, {}),
            ("route", org.agent, {"unit": org.aftersales.pk, "assignee": org.handler.pk}),
            ("finding", org.handler, {"cause": "技术员迟到两小时", "responsibility": "company"}),
            ("propose_remedy", org.handler, {"remedies": [{"kind": "allowance", "amount": amount}]}),
        ],
    )


def test_routed_to_a_unit_without_a_handler_tells_the_units_people_who_take_the_next_step(org, make_case):
    """转被投诉部门 with no handler named: the next step (查明原因与责任) may be taken by handler,
    supervisor and manager of 杭州公司/售后部. The supervisor and the manager, who see their unit's
    cases, are told; the handler may not open a case not yet assigned to them, so is not; nor the
    technician in 维修一班 below, nor 宁波 售后部's handler, nor the agent who routed it."""
    case = walk(make_case(), [("establish", org.agent, {}), ("route", org.agent, {"unit": org.aftersales.pk})])
    told = Notification.objects.filter(case=case, message_code="handoffs.routed")
    assert sorted(n.recipient.username for n in told) == ["manager", "supervisor"]
    note = told.get(recipient=org.supervisor)
    assert note.url == f"/cases/{case.number}/"
    assert note.due_at is not None  # the complaint's investigation clock is running
    with translation.override("zh-hans"):
        assert note.display_title == f"工单 {case.number} 已转至您的部门 售后部"
    with translation.override("en"):
        assert note.display_title == f"Case {case.number} was routed to your unit 售后部"


def test_routed_with_a_handler_tells_that_handler_only(org, make_case):
    case = walk(
        make_case(),
        [("establish", org.agent, {}), ("route", org.agent, {"unit": org.aftersales.pk, "assignee": org.handler.pk})],
    )
    assert [(n.recipient.username, n.message_code) for n in Notification.objects.filter(case=case)] == [
        ("handler", "handoffs.assigned")
    ]


def test_remedy_over_the_managers_limit_goes_to_the_manager_then_the_deputy_gm_in_the_leadership_office(org, make_case):
    """5,000 yuan: the chain is 部门经理 (up to 2,000) then 副总经理 (up to 20,000): both approve.
    The manager of 售后部 is told first; after the manager's approval (step 1 of 2, the case stays
    at 审批中) the deputy GM, who sits in 总经理办公室 beside the chain, is told — not the general
    manager, whose step this amount does not reach."""
    case = to_approving(org, make_case(), "5000")
    (first,) = [n for n in inbox_of(org.manager, case) if n.message_code == "handoffs.approval"]
    assert first.params["step"] == 1 and first.params["level"] == "部门经理"
    assert inbox_of(org.deputy_gm, case) == []
    case = walk(case, [("approve", org.manager, {"comment": "同意"})])
    assert case.stage == "approving"
    (second,) = inbox_of(org.deputy_gm, case)
    assert second.message_code == "handoffs.approval" and second.params["step"] == 2
    with translation.override("zh-hans"):
        assert second.display_title == f"工单 {case.number} 等待您审批（副总经理）"
    assert inbox_of(org.gm, case) == []


def test_sent_back_tells_the_handler_with_the_reason(org, make_case):
    case = to_approving(org, make_case(), "500")
    case = walk(case, [("decline", org.manager, {"comment": "补偿金额偏高，请重新核定"})])
    (note,) = [n for n in inbox_of(org.handler, case) if n.message_code == "handoffs.returned"]
    with translation.override("zh-hans"):
        assert "补偿金额偏高，请重新核定" in note.display_body
        assert note.display_title == f"工单 {case.number} 已退回给您"


def test_customer_rejected_tells_the_owner_and_opens_a_follow_up_for_the_unit_supervisor(org, make_case):
    """The handler records 客户不接受: the agent who owns the case hears it; the follow-up case (owned
    by the handler, who opened it) is announced to the supervisor of 售后部."""
    case = to_approving(org, make_case(), "500")
    case = walk(
        case,
        [
            ("approve", org.manager, {}),
            ("reply", org.handler, {"reply": "已致歉，补偿 500 元"}),
            ("customer_reject", org.handler, {"reason": "客户认为补偿不足"}),
        ],
    )
    follow_up = case.children.get() if hasattr(case, "children") else None
    (rejected,) = [n for n in inbox_of(org.agent) if n.message_code == "handoffs.customer_rejected"]
    follow_number = rejected.params["follow_up"]
    assert follow_number and follow_number != case.number
    (opened,) = [n for n in inbox_of(org.supervisor) if n.message_code == "handoffs.follow_up"]
    assert opened.case.number == follow_number and opened.params["parent"] == case.number
    assert follow_up is None or follow_up.number == follow_number
    assert not [n for n in inbox_of(org.handler) if n.message_code == "handoffs.customer_rejected"]


def test_a_mention_in_a_note_tells_the_person_named_if_they_may_see_the_case(org, make_case):
    """The supervisor writes to @manager (sees 售后部's cases: told) and @other_handler (宁波: may not
    see this case, hears nothing)."""
    case = walk(make_case(), [("establish", org.agent, {}), ("route", org.agent, {"unit": org.aftersales.pk})])
    before = set(Notification.objects.values_list("pk", flat=True))
    case_add_note(case=case, actor=org.supervisor, body="请 @manager 看一下，@other_handler 也请留意。")
    events.dispatch_pending()
    (note,) = Notification.objects.filter(case=case).exclude(pk__in=before)
    assert note.recipient == org.manager and note.message_code == "handoffs.mentioned"
    with translation.override("zh-hans"):
        assert note.display_title == f"supervisor 在工单 {case.number} 中提到了您"


def test_one_event_never_gives_two_entries_even_when_delivered_again(org, make_case):
    case = walk(
        make_case(),
        [("establish", org.agent, {}), ("route", org.agent, {"unit": org.aftersales.pk, "assignee": org.handler.pk})],
    )
    CaseEvent.objects.filter(case=case).update(dispatched_at=None, dispatch_attempts=0)  # an administrator's retry
    events.dispatch_pending()
    assert len(inbox_of(org.handler, case)) == 1
    assert HandoffNotice.objects.filter(recipient=org.handler).count() == 1


def test_the_email_carries_the_words_and_an_absolute_link(org, make_case, django_capture_on_commit_callbacks, settings):
    settings.KEFU_SITE_URL = "https://kefu.example.com"
    case = walk(make_case(), [("establish", org.agent, {})])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        case_transition(
            case=case,
            actor=org.agent,
            transition="route",
            expected_version=case.version,
            data={"unit": org.aftersales.pk, "assignee": org.handler.pk},
        )
    (sent,) = [m for m in mail.outbox if "X-Kefu-Notification" in m.extra_headers]
    assert sent.to == ["handler@example.com"]
    assert sent.subject == f"工单 {case.number} 已分派给您"
    assert f"https://kefu.example.com/cases/{case.number}/" in sent.body


def test_mentions_are_read_like_people_type_them():
    assert mentioned_usernames("请 @handler 和 @manager. 看一下，邮件 a@b.com 不算") == ["handler", "manager"]


def test_the_demo_puts_hand_off_notices_in_the_demo_inboxes(rulebooks):
    from django.core.management import call_command

    call_command("demo", size=40, seed=7, stdout=open("/dev/null", "w"))
    notes = Notification.objects.filter(message_code__startswith="handoffs.")
    assert notes.exists() and HandoffNotice.objects.count() == notes.count()


def test_one_email_per_person_per_hand_off(org, make_case, django_capture_on_commit_callbacks, settings):
    """转被投诉部门 to 售后部 naming the handler, done by the customer-service supervisor: the handler gets
    the hand-off notice's mail only ("已分派给您"), not also the engine's change mail; the agent who owns the
    case and is not told by a hand-off notice gets the engine's mail, in words with the step's own label
    and an absolute link — never a raw transition code."""
    settings.KEFU_SITE_URL = "https://kefu.example.com"
    case = walk(make_case(), [("establish", org.agent, {})])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        case_transition(
            case=case,
            actor=org.cs_supervisor,
            transition="route",
            expected_version=case.version,
            data={"unit": org.aftersales.pk, "assignee": org.handler.pk},
        )
    by_person: dict[str, list] = {}
    for sent in mail.outbox:
        for address in sent.to:
            by_person.setdefault(address, []).append(sent)
    assert sorted(by_person) == ["agent@example.com", "handler@example.com"]
    assert [m.subject for m in by_person["handler@example.com"]] == [f"工单 {case.number} 已分派给您"]
    (change,) = by_person["agent@example.com"]
    assert change.subject == f"工单 {case.number} 有变动：{case.title}"
    route = case.type_def.transition("route")
    assert f"{org.cs_supervisor}：{route.label}" in change.body
    assert "route" not in change.body.replace(route.label, "")
    assert f"https://kefu.example.com/cases/{case.number}/" in change.body
