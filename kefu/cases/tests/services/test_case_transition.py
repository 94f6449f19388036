"""The case engine against the service-complaint preset: every transition, and each refusal."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core import mail

from kefu.cases import events
from kefu.cases.choices import CaseStatus, EventKind, NoteVisibility, Validity
from kefu.cases.models import Approval, Case, CaseEvent
from kefu.cases.services import approval_steps_required, case_register, case_transition
from kefu.core.exceptions import ApplicationError, ConflictError, ForbiddenError


def walk(case, steps):
    for name, actor, data in steps:
        case = case_transition(case=case, actor=actor, transition=name, expected_version=case.version, data=data)
    return case


def to_approving(org, case, amount="500"):
    return walk(
        case,
        [
            ("establish", org.agent, {}),
            ("route", org.agent, {"unit": org.aftersales.pk, "assignee": org.handler.pk}),
            (
                "finding",
                org.handler,
                {"cause": "技术员迟到两小时", "responsibility": "company", "responsible_person": org.technician.pk},
            ),
            ("propose_remedy", org.handler, {"remedies": [{"kind": "allowance", "amount": amount}]}),
        ],
    )


def test_complaint_walks_every_step_to_archive_with_one_history_row_per_version(org, make_case):
    case = make_case(subject_person=org.technician)
    case = to_approving(org, case)
    case = walk(
        case,
        [
            ("approve", org.manager, {"comment": "同意"}),
            ("reply", org.handler, {"reply": "已致歉，补偿 500 元"}),
            ("customer_accept", org.agent, {}),
            ("return_visit", org.agent, {"note": "客户满意"}),
            ("review", org.supervisor, {"summary": "加强准时上门培训"}),
        ],
    )
    assert (case.stage, case.status) == ("closed", CaseStatus.CLOSED)
    assert case.closed_at is not None
    case = walk(case, [("archive", org.agent, {})])
    assert (case.stage, case.status) == ("archived", CaseStatus.ARCHIVED)
    assert case.validity == Validity.ESTABLISHED
    assert case.responsible_unit == org.aftersales and case.assignee == org.handler
    assert case.responsibility == "company" and case.responsible_person == org.technician
    assert case.remedy_total == Decimal("500") and case.customer_accepted is True
    versions = list(case.events.values_list("case_version", flat=True))
    assert versions == list(range(1, case.version + 1))
    assert [e.transition for e in case.events.all()][1:4] == ["establish", "route", "finding"]


def test_complaint_that_does_not_stand_is_answered_with_a_reason_and_closed(org, make_case):
    case = make_case()
    with pytest.raises(ApplicationError) as err:
        case_transition(case=case, actor=org.agent, transition="not_established", expected_version=1, data={})
    assert "reason" in err.value.extra
    case = case_transition(
        case=case,
        actor=org.agent,
        transition="not_established",
        expected_version=1,
        data={"reason": "经核实，维修人员按约定时间到达。"},
    )
    assert case.status == CaseStatus.CLOSED and case.validity == Validity.NOT_ESTABLISHED
    assert case.notes.get().visibility == NoteVisibility.CUSTOMER


def test_transition_from_the_wrong_stage_is_refused_and_changes_nothing(org, make_case):
    case = make_case()
    with pytest.raises(ApplicationError, match="not possible"):
        case_transition(case=case, actor=org.handler, transition="reply", expected_version=1, data={"reply": "x"})
    case.refresh_from_db()
    assert (case.stage, case.version, case.events.count()) == ("registered", 1, 1)


def test_unknown_transition_is_refused(org, make_case):
    with pytest.raises(ApplicationError, match="not a transition"):
        case_transition(case=make_case(), actor=org.agent, transition="teleport", expected_version=1)


def test_role_not_in_the_rulebook_is_refused(org, make_case):
    case = make_case()
    with pytest.raises(ForbiddenError):
        case_transition(case=case, actor=org.technician, transition="establish", expected_version=1)


def test_stale_version_is_a_conflict(org, make_case):
    case = make_case()
    case_transition(case=case, actor=org.agent, transition="establish", expected_version=1)
    with pytest.raises(ConflictError):
        case_transition(
            case=case, actor=org.agent, transition="route", expected_version=1, data={"unit": org.aftersales.pk}
        )
    case.refresh_from_db()
    assert case.stage == "forwarded" and case.version == 2


@pytest.mark.parametrize(
    ("name", "data", "field"),
    [
        ("route", {}, "unit"),
        ("route", {"unit": 999999}, "unit"),
        ("route", {"unit": "x"}, "unit"),
    ],
)
def test_route_needs_a_real_unit(org, make_case, name, data, field):
    case = walk(make_case(), [("establish", org.agent, {})])
    with pytest.raises(ApplicationError) as err:
        case_transition(case=case, actor=org.agent, transition=name, expected_version=case.version, data=data)
    assert field in err.value.extra


def test_finding_and_remedy_validate_their_input(org, make_case):
    route = {"unit": org.aftersales.pk, "assignee": org.handler.pk}
    case = walk(make_case(), [("establish", org.agent, {}), ("route", org.agent, route)])
    with pytest.raises(ApplicationError) as err:
        case_transition(
            case=case,
            actor=org.handler,
            transition="finding",
            expected_version=case.version,
            data={"responsibility": "martians"},
        )
    assert set(err.value.extra) == {"cause", "responsibility"}
    case = walk(case, [("finding", org.handler, {"cause": "c", "responsibility": "customer"})])
    for bad in (
        [],
        [{"kind": "bribe", "amount": "1"}],
        [{"kind": "refund", "amount": "-5"}],
        [{"kind": "refund", "amount": "1.234"}],
        ["refund"],
    ):
        with pytest.raises(ApplicationError):
            case_transition(
                case=case,
                actor=org.handler,
                transition="propose_remedy",
                expected_version=case.version,
                data={"remedies": bad},
            )
    assert case.remedies.count() == 0


@pytest.mark.parametrize(
    ("amount", "severity", "approvers"),
    [
        ("0", "normal", ["manager"]),
        ("2000", "normal", ["manager"]),
        ("2000.01", "normal", ["manager", "deputy_gm"]),
        ("20001", "normal", ["manager", "deputy_gm", "gm"]),
        ("100", "serious", ["manager", "deputy_gm"]),
        ("100", "major", ["manager", "deputy_gm", "gm"]),
    ],
)
def test_approval_chain_climbs_by_amount_and_severity(org, make_case, amount, severity, approvers):
    case = to_approving(org, make_case(severity=severity), amount=amount)
    assert [s.role for s in approval_steps_required(case)] == [
        {"manager": "manager", "deputy_gm": "deputy_gm", "gm": "general_manager"}[a] for a in approvers
    ]
    for who in approvers:
        assert case.stage == "approving"
        case = walk(case, [("approve", getattr(org, who), {})])
    assert case.stage == "replying"
    assert Approval.objects.filter(case=case).count() == len(approvers)


def test_approval_out_of_order_is_refused(org, make_case):
    case = to_approving(org, make_case(), amount="50000")
    with pytest.raises(ForbiddenError, match="role 'manager'"):
        case_transition(case=case, actor=org.gm, transition="approve", expected_version=case.version)


def test_decline_sends_the_remedy_back_and_starts_a_new_round(org, make_case):
    case = to_approving(org, make_case(), amount="3000")
    case = walk(case, [("approve", org.manager, {})])
    with pytest.raises(ApplicationError):
        case_transition(case=case, actor=org.deputy_gm, transition="decline", expected_version=case.version, data={})
    case = walk(case, [("decline", org.deputy_gm, {"comment": "金额过高"})])
    assert case.stage == "solution" and case.approval_round == 2
    case = walk(
        case, [("propose_remedy", org.handler, {"remedies": [{"kind": "apology"}]}), ("approve", org.manager, {})]
    )
    assert case.stage == "replying"
    assert case.remedies.filter(superseded=True).count() == 1


def test_customer_rejection_opens_a_linked_follow_up_case(org, make_case):
    case = to_approving(org, make_case(subject_person=org.technician))
    case = walk(case, [("approve", org.manager, {}), ("reply", org.handler, {"reply": "补偿 500 元"})])
    case = walk(case, [("customer_reject", org.agent, {"reason": "补偿太少"})])
    follow_up = case.follow_ups.get()
    assert case.customer_accepted is False and case.stage == "return_visit"
    assert follow_up.stage == "registered" and follow_up.number != case.number
    assert follow_up.subject_person == org.technician and follow_up.description == "补偿太少"
    assert case.events.last().data["follow_up"] == follow_up.number


def test_recusal_the_person_complained_about_cannot_act(org, make_case):
    case = make_case(subject_person=org.supervisor)
    case = walk(case, [("establish", org.agent, {})])
    with pytest.raises(ApplicationError) as err:
        case_transition(
            case=case,
            actor=org.agent,
            transition="route",
            expected_version=case.version,
            data={"unit": org.aftersales.pk, "assignee": org.supervisor.pk},
        )
    assert "assignee" in err.value.extra
    case = walk(
        case,
        [
            ("route", org.agent, {"unit": org.aftersales.pk, "assignee": org.handler.pk}),
            ("finding", org.handler, {"cause": "c", "responsibility": "company"}),
        ],
    )
    with pytest.raises(ForbiddenError, match="complains about"):
        case_transition(
            case=case,
            actor=org.supervisor,
            transition="propose_remedy",
            expected_version=case.version,
            data={"remedies": [{"kind": "apology"}]},
        )
    assert not Case.objects.visible_to(org.supervisor).filter(pk=case.pk).exists()
    assert Case.objects.visible_to(org.manager).filter(pk=case.pk).exists()


def test_cannot_register_a_complaint_about_yourself(org, make_case):
    with pytest.raises(ApplicationError) as err:
        make_case(subject_person=org.agent)
    assert "subject_person" in err.value.extra


def test_notification_is_sent_after_commit_to_the_people_concerned(org, make_case, django_capture_on_commit_callbacks):
    case = walk(make_case(), [("establish", org.agent, {})])
    events.dispatch_pending()  # the set-up's own events are delivered (their mail is not what we test)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        case_transition(
            case=case,
            actor=org.agent,
            transition="route",
            expected_version=case.version,
            data={"unit": org.aftersales.pk, "assignee": org.handler.pk},
        )
    # One mail per person and change: the handler hears it once, from whichever app covers them
    # (kefu.cases.tasks.register_email_cover; with kefu.handoffs installed, its hand-off notice).
    assert [m.to for m in mail.outbox] == [["handler@example.com"]]
    assert case.number in mail.outbox[0].subject


def test_nothing_is_sent_when_the_transition_fails(org, make_case, django_capture_on_commit_callbacks):
    case = make_case()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ApplicationError):
        case_transition(case=case, actor=org.agent, transition="route", expected_version=1, data={})
    assert mail.outbox == []


@pytest.mark.parametrize("case_type", ["inquiry", "suggestion", "praise", "repair"])
def test_other_case_types_reach_closed(org, make_case, case_type):
    case = make_case(case_type)
    paths = {
        "inquiry": [("reply", org.agent, {"reply": "营业时间 9:00-17:00"}), ("close", org.agent, {})],
        "suggestion": [
            ("route", org.agent, {"unit": org.aftersales.pk}),
            ("reply", org.supervisor, {"reply": "感谢建议"}),
            ("close", org.agent, {}),
        ],
        "praise": [("route", org.agent, {"unit": org.aftersales.pk}), ("close", org.agent, {})],
        "repair": [
            ("route", org.agent, {"unit": org.team.pk, "assignee": org.technician.pk}),
            ("complete", org.technician, {}),
            ("close", org.agent, {}),
        ],
    }[case_type]
    case = walk(case, paths)
    assert case.status == CaseStatus.CLOSED


def test_numbers_follow_the_pattern_and_restart_each_month(org, make_case):
    with time_machine.travel(dt.datetime(2026, 1, 31, 23, 50, tzinfo=dt.timezone(dt.timedelta(hours=8))), tick=False):
        a, b = make_case(), make_case()
    with time_machine.travel(dt.datetime(2026, 2, 1, 0, 5, tzinfo=dt.timezone(dt.timedelta(hours=8))), tick=False):
        c = make_case()
    assert [a.number, b.number, c.number] == ["KF260100001", "KF260100002", "KF260200001"]


def test_registration_errors_name_every_field_and_create_nothing(org, rulebooks, customer):
    with pytest.raises(ApplicationError) as err:
        case_register(
            actor=org.agent,
            case_type="complaint",
            customer=customer,
            channel="pigeon",
            title=" ",
            description="",
            category="weather",
            severity="apocalyptic",
        )
    assert set(err.value.extra) == {"channel", "title", "description", "category", "severity"}
    assert Case.objects.count() == 0 and CaseEvent.objects.filter(kind=EventKind.REGISTERED).count() == 0
