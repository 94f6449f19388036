"""The reward/penalty ledger: drafts from findings (篇2 七(二): 罚款200元，扣除月度绩效考评分5分),
approval by the rulebook's approvers (a manager subject → the GM), corrections as reversing entries."""

from decimal import Decimal

import pytest

from kefu.appraisal.choices import EntrySource, EntryStatus
from kefu.appraisal.models import LedgerEntry
from kefu.appraisal.services import (
    ledger_entry_correct,
    ledger_entry_decide,
    ledger_entry_propose,
    ledger_service_points,
)
from kefu.cases import events
from kefu.cases.services import case_transition
from kefu.core.exceptions import ApplicationError, ConflictError, ForbiddenError
from kefu.sla.models import Notification

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("rulebooks")]


def finding_against(case, org, person):
    for transition, actor, data in [
        ("establish", org.agent, {}),
        ("route", org.agent, {"unit": org.aftersales.pk, "assignee": org.handler.pk}),
        (
            "finding",
            org.handler,
            {"cause": "上门迟到两小时且态度生硬", "responsibility": "company", "responsible_person": person.pk},
        ),
    ]:
        case = case_transition(case=case, actor=actor, transition=transition, expected_version=case.version, data=data)
    return case


def test_a_complaint_that_stands_against_a_technician_proposes_one_penalty(
    org, make_case, django_capture_on_commit_callbacks
):
    """The finding names 维修一班's technician: tier t2 of 篇2 → ¥200 and 5 points, a draft; the manager of
    售后部 (the technician's unit is below it) is told. Delivering the events again adds nothing."""
    case = finding_against(make_case(), org, org.technician)
    with django_capture_on_commit_callbacks(execute=True):
        events.dispatch_pending()
    entry = LedgerEntry.objects.get()
    assert (
        entry.person,
        entry.reason,
        entry.kind,
        entry.tier,
        entry.amount,
        entry.points,
        entry.status,
        entry.source,
    ) == (
        org.technician,
        "complaint_finding",
        "penalty",
        "t2",
        Decimal("200.00"),
        Decimal("5.00"),
        EntryStatus.DRAFT,
        EntrySource.CASE,
    )
    assert entry.case == case
    assert Notification.objects.filter(recipient=org.manager, message_code="appraisal.entry_proposed").count() == 1
    # A later step of the same case (a second delivery for the same finding) proposes nothing new.
    from kefu.appraisal.subscribers import propose_finding_penalty

    for event in case.events.all():
        propose_finding_penalty(events._info(event))
    assert LedgerEntry.objects.count() == 1


def test_approval_once_never_by_the_subject_and_a_manager_goes_to_the_gm(org):
    """A penalty for the technician is approved by 售后部's manager (not by the technician, not by 宁波's
    people); a penalty for the manager themselves only by the GM (篇2)."""
    entry = ledger_entry_propose(person=org.technician, reason="missing_signature", actor=org.supervisor)
    assert (entry.amount, entry.points) == (Decimal("100.00"), Decimal("0.00"))  # 篇8 9.5 每次罚款100元
    for who in (org.technician, org.outsider_supervisor, org.agent):
        with pytest.raises(ForbiddenError):
            ledger_entry_decide(entry=entry, actor=who, approve=True)
    ledger_entry_decide(entry=entry, actor=org.manager, approve=True)
    with pytest.raises(ConflictError):
        ledger_entry_decide(entry=entry, actor=org.gm, approve=False, note="重复")

    about_manager = ledger_entry_propose(person=org.manager, reason="conduct", actor=org.gm, amount=50, note="迟到")
    with pytest.raises(ForbiddenError):
        ledger_entry_decide(entry=about_manager, actor=org.manager, approve=True)
    with pytest.raises(ForbiddenError):
        ledger_entry_decide(entry=about_manager, actor=org.admin, approve=True)
    ledger_entry_decide(entry=about_manager, actor=org.gm, approve=True)


def test_tier_ranges_and_rejection_need_reasons(org):
    """篇2 七(一): tier t1 is 30–100 yuan per instance; ¥120 is refused. A rejection says why."""
    with pytest.raises(ApplicationError) as refused:
        ledger_entry_propose(person=org.agent, reason="conduct", actor=org.cs_supervisor, amount=120)
    assert "amount" in refused.value.extra
    with pytest.raises(ForbiddenError):  # nobody enters their own
        ledger_entry_propose(person=org.cs_supervisor, reason="conduct", actor=org.cs_supervisor, amount=50)
    entry = ledger_entry_propose(
        person=org.agent, reason="conduct", actor=org.cs_supervisor, amount=50, note="私人电话5分钟"
    )
    with pytest.raises(ApplicationError):
        ledger_entry_decide(entry=entry, actor=org.gm, approve=False)
    entry = ledger_entry_decide(entry=entry, actor=org.gm, approve=False, note="已口头警告")
    assert entry.status == EntryStatus.REJECTED


def test_an_approved_entry_is_corrected_by_a_reversing_entry(org):
    entry = ledger_entry_propose(person=org.agent, reason="praise_letter", actor=org.cs_supervisor, amount=300)
    with pytest.raises(ConflictError):  # a draft is rejected, not corrected
        ledger_entry_correct(entry=entry, actor=org.cs_supervisor, note="金额有误")
    ledger_entry_decide(entry=entry, actor=org.gm, approve=True)
    reversal = ledger_entry_correct(entry=entry, actor=org.cs_supervisor, note="表扬信重复登记")
    assert (reversal.amount, reversal.corrects, reversal.status) == (Decimal("-300.00"), entry, EntryStatus.DRAFT)
    entry.refresh_from_db()
    assert (entry.amount, entry.status) == (Decimal("300.00"), EntryStatus.APPROVED)
    with pytest.raises(ConflictError):
        ledger_entry_correct(entry=entry, actor=org.cs_supervisor, note="再次")


def test_service_points_above_the_baseline(org):
    """篇8 4.1: 17 points a month is the baseline, 270 yuan a point above it: 21 points → 4 × 270 = 1080."""
    entry = ledger_service_points(person=org.technician, points=21, month="2026-11", actor=org.supervisor)
    assert (entry.kind, entry.amount, entry.points) == ("reward", Decimal("1080.00"), Decimal("4.00"))
    with pytest.raises(ApplicationError):
        ledger_service_points(person=org.technician, points=17, month="2026-11", actor=org.supervisor)
