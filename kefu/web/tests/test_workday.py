"""The agent's day: saved queue views with counts, the inbox filter and its live unread badge."""

import datetime as dt

import time_machine
from django.urls import reverse
from django.utils import timezone

from kefu.cases import events
from kefu.cases.services import case_transition
from kefu.sla.choices import NoticeKind
from kefu.sla.inbox import inbox_notify
from kefu.sla.models import Notification


def walk(case, steps):
    for name, actor, data in steps:
        case = case_transition(case=case, actor=actor, transition=name, expected_version=case.version, data=data)
    events.dispatch_pending()
    return case


def to_approving(org, case, amount="5000"):
    return walk(
        case,
        [
            ("establish", org.agent, {}),
            ("route", org.agent, {"unit": org.aftersales.pk, "assignee": org.handler.pk}),
            ("finding", org.handler, {"cause": "技术员迟到两小时", "responsibility": "company"}),
            ("propose_remedy", org.handler, {"remedies": [{"kind": "allowance", "amount": amount}]}),
        ],
    )


def numbers(response):
    return [c.number for c in response.context["page"].object_list]


def test_an_agent_lands_on_their_own_open_cases_and_can_see_all(client, org, make_case):
    """agent owns an open complaint and a closed one (不成立); agent2's case is not theirs."""
    open_case = make_case()
    closed = walk(make_case(title="已答复"), [("not_established", org.agent, {"reason": "经核实按时到达。"})])
    make_case(actor=org.agent2)
    client.force_login(org.agent)
    assert numbers(client.get(reverse("web:queue"))) == [open_case.number]
    everything = client.get(reverse("web:queue"), {"view": "all"})
    assert sorted(numbers(everything)) == sorted([open_case.number, closed.number])


def test_awaiting_my_approval_follows_the_chain_level(client, org, make_case):
    """5,000 yuan needs 部门经理 then 副总经理: the case is the manager's to approve first, then the
    deputy GM's (and no longer the manager's)."""
    case = to_approving(org, make_case())
    other = make_case(title="未到审批")
    client.force_login(org.manager)
    assert numbers(client.get(reverse("web:queue"), {"view": "approve"})) == [case.number]
    client.force_login(org.deputy_gm)
    assert numbers(client.get(reverse("web:queue"), {"view": "approve"})) == []
    walk(case, [("approve", org.manager, {})])
    assert numbers(client.get(reverse("web:queue"), {"view": "approve"})) == [case.number]
    assert other.number not in numbers(client.get(reverse("web:queue"), {"view": "approve"}))
    client.force_login(org.manager)
    assert numbers(client.get(reverse("web:queue"), {"view": "approve"})) == []


def test_the_views_count_their_cases_in_one_aggregate(client, org, make_case, django_assert_max_num_queries):
    """Three complaints routed to 杭州公司/售后部 with the handler; ten calendar days later the
    first-response clocks (1 working day) are long past: all three overdue, none merely due soon."""
    cases = [walk(make_case(title=f"投诉 {i}"), [("establish", org.agent, {})]) for i in range(3)]
    for case in cases:
        walk(case, [("route", org.agent, {"unit": org.aftersales.pk, "assignee": org.handler.pk})])
    client.force_login(org.supervisor)
    with time_machine.travel(timezone.now() + dt.timedelta(days=10)):
        with django_assert_max_num_queries(12) as ctx:
            response = client.get(reverse("web:queue_views"))
        counts = {item["key"]: item["count"] for item in response.context["views"]}
    case_counts = [q["sql"] for q in ctx.captured_queries if 'FROM "cases_case"' in q["sql"] and "COUNT(" in q["sql"]]
    assert len(case_counts) == 1
    assert counts == {"mine": 0, "approve": 0, "unit": 3, "due_soon": 0, "overdue": 3}
    overdue = client.get(reverse("web:queue"), {"view": "overdue"})
    assert overdue.status_code == 200


def test_the_inbox_filters_by_kind_and_the_badge_is_a_small_fragment(client, org, make_case):
    from kefu.sla.inbox import register_message

    register_message("test.workday", title="%(number)s")
    case = make_case()
    inbox_notify(recipients=[org.handler], kind=NoticeKind.WORK, code="test.workday", params={"number": "A"}, case=case)
    inbox_notify(recipients=[org.handler], kind=NoticeKind.INFO, code="test.workday", params={"number": "B"}, case=case)
    client.force_login(org.handler)
    work = client.get(reverse("web:inbox"), {"kind": "work"})
    assert [n.display_title for n in work.context["page"].object_list] == ["A"]
    badge = client.get(reverse("web:inbox_count"))
    assert badge.status_code == 200 and b">2</span>" in badge.content and b'hx-trigger="every 30s"' in badge.content
    Notification.objects.filter(recipient=org.handler).update(read_at=timezone.now())
    assert b"badge" not in client.get(reverse("web:inbox_count")).content
