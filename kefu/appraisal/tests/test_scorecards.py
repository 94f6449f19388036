"""Scorecards of the default rulebook (service-complaint: 003-§1 self 30 % / records 70 %, D15
−1 point per percentage point under 95 %, 篇2 −5 points per complaint that stood) from a known data
set, with the figures worked out by hand."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from kefu.appraisal.choices import EntryStatus, RunStatus
from kefu.appraisal.models import LedgerEntry, Scorecard
from kefu.appraisal.services import scorecard_approve, scorecard_assess, scorecard_compute
from kefu.cases.choices import CaseStatus, Responsibility, Validity
from kefu.cases.models import Case
from kefu.core.exceptions import ConflictError, ForbiddenError
from kefu.sla.choices import ClockStatus
from kefu.sla.models import Clock

pytestmark = pytest.mark.django_db


def at(day: int, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime(2026, 11, day, hour))


def stop_clocks(cases, met: int) -> None:
    """The cases' first clocks stop on 20 November: the first `met` before their deadline, the rest after."""
    for i, case in enumerate(cases):
        clock = Clock.objects.filter(case=case).order_by("pk").first()
        deadline = at(20, 12)
        stopped = at(20, 11) if i < met else at(20, 15)
        Clock.objects.filter(pk=clock.pk).update(
            status=ClockStatus.MET if i < met else ClockStatus.MISSED, deadline=deadline, stopped_at=stopped
        )


def close(case, *, accepted=None, finding_against=None) -> None:
    fields = dict(status=CaseStatus.CLOSED, closed_at=at(25), customer_accepted=accepted)
    if finding_against is not None:
        fields |= dict(
            validity=Validity.ESTABLISHED, responsibility=Responsibility.COMPANY, responsible_person=finding_against
        )
    Case.objects.filter(pk=case.pk).update(**fields)


@pytest.fixture
def november_data(org, make_case):
    """客服部 in November 2026:
    * 张 (agent) owns 25 cases whose clocks stopped: 23 met → 92 %; one complaint stood against them;
      five closed cases answered by the customer: 4 accepted, 1 rejected → 80 %.
    * agent2 owns 20: 19 met → 95 %; nothing else.
    """
    mine = [make_case(actor=org.agent) for _ in range(25)]
    theirs = [make_case(actor=org.agent2) for _ in range(20)]
    stop_clocks(mine, met=23)
    stop_clocks(theirs, met=19)
    for case, accepted in zip(mine[:5], [True, True, True, True, False], strict=True):
        close(case, accepted=accepted)
    close(mine[5], finding_against=org.agent)
    return mine, theirs


def items(card):
    return {i.kpi: (i.value, i.points) for i in card.items.all()}


def test_scores_and_ranks_worked_out_by_hand(org, november_data, november):
    """agent: 及时率 92 % → 50 − (95 − 92) × 1 = 47; 有责投诉 1 → 30 − 5 = 25; 认可率 80 % → 20 × 0.8 = 16;
    records 88 of 100 → 70 % × 88 = 61.60; self not yet entered → 0.  Total 61.60.
    agent2: 95 % → 50; 0 findings → 30; nobody answered → full 20; records 100 → 70.00.
    agent2 ranks 1, agent 2. Once agent enters 90 for themselves (+30 % × 90 = 27 → 88.60) and agent2
    50 (+15 → 85.00), agent ranks 1."""
    run = scorecard_compute(period=november, unit=org.service, actor=org.gm)
    agent = Scorecard.objects.get(run=run, person=org.agent)
    agent2 = Scorecard.objects.get(run=run, person=org.agent2)
    assert items(agent) == {
        "timeliness": (Decimal("92.00"), Decimal("47.00")),
        "findings": (Decimal("1.00"), Decimal("25.00")),
        "accepted": (Decimal("80.00"), Decimal("16.00")),
        "self": (None, Decimal("0.00")),
    }
    assert (agent.total, agent.rank) == (Decimal("61.60"), 2)
    assert (agent2.total, agent2.rank) == (Decimal("70.00"), 1)
    # The unit's rollup card counts the cases of 客服部 itself: 42 of 45 clocks met = 93.33 % → 50 − 1.67 = 48.33.
    unit_card = Scorecard.objects.get(run=run, unit=org.service)
    assert items(unit_card)["timeliness"] == (Decimal("93.33"), Decimal("48.33"))

    scorecard_assess(scorecard=agent, group="self", points=90, actor=org.agent)
    scorecard_assess(scorecard=agent2, group="self", points=50, actor=org.agent2)
    agent.refresh_from_db()
    agent2.refresh_from_db()
    assert (agent.total, agent.rank, agent2.total, agent2.rank) == (Decimal("88.60"), 1, Decimal("85.00"), 2)
    with pytest.raises(ForbiddenError):  # nobody enters someone else's self-assessment
        scorecard_assess(scorecard=agent2, group="self", points=100, actor=org.agent)

    # Recomputing keeps what people entered.
    run = scorecard_compute(period=november, unit=org.service, actor=org.gm)
    assert Scorecard.objects.get(run=run, person=org.agent).total == Decimal("88.60")


def test_approval_applies_the_consequences_and_closes_the_period(org, november_data, november):
    """Ranks after self-assessment: agent 1st (88.60), agent2 last (85.00). 003-§1 六.1: first +100,
    last −100 (drafts in the ledger); 六.2: both are in the bottom two → rectification plan due in 7 days."""
    run = scorecard_compute(period=november, unit=org.service, actor=org.gm)
    scorecard_assess(
        scorecard=Scorecard.objects.get(run=run, person=org.agent), group="self", points=90, actor=org.agent
    )
    scorecard_assess(
        scorecard=Scorecard.objects.get(run=run, person=org.agent2), group="self", points=50, actor=org.agent2
    )
    with pytest.raises(ForbiddenError):  # a supervisor is not an approver in this rulebook
        scorecard_approve(run=run, actor=org.cs_supervisor)
    with pytest.raises(ForbiddenError):  # 售后部's manager has no say over 客服部
        scorecard_approve(run=run, actor=org.manager)
    scorecard_approve(run=run, actor=org.gm)
    run.refresh_from_db()
    assert run.status == RunStatus.APPROVED
    entries = {(e.person.username, e.reason, e.kind, e.amount, e.status) for e in LedgerEntry.objects.all()}
    assert entries == {
        ("agent", "rank_first", "reward", Decimal("100.00"), EntryStatus.DRAFT),
        ("agent2", "rank_last", "penalty", Decimal("100.00"), EntryStatus.DRAFT),
    }
    due = (timezone.now() + timedelta(days=7)).date()
    assert set(Scorecard.objects.filter(run=run, person__isnull=False).values_list("rectification_due", flat=True)) == {
        due
    }
    with pytest.raises(ConflictError):
        scorecard_compute(period=november, unit=org.service, actor=org.gm)
    with pytest.raises(ConflictError):
        scorecard_approve(run=run, actor=org.gm)


def test_three_months_last_in_a_row_is_flagged(org, make_case, november):
    """003-§1 六.3: last three months in a row → flagged. agent has a complaint that stood each month
    (70 % × (100 − 5) = 66.50 against agent2's 70.00), so agent is last in Sep, Oct and Nov."""
    from kefu.appraisal.measures import Period

    for month in (9, 10, 11):
        case = make_case(actor=org.agent)
        Case.objects.filter(pk=case.pk).update(
            status=CaseStatus.CLOSED,
            closed_at=timezone.make_aware(datetime(2026, month, 10)),
            validity=Validity.ESTABLISHED,
            responsibility=Responsibility.COMPANY,
            responsible_person=org.agent,
        )
    flags = []
    for month in (9, 10, 11):
        run = scorecard_compute(period=Period.of("month", datetime(2026, month, 1).date()), unit=org.service)
        scorecard_approve(run=run, actor=org.gm)
        card = Scorecard.objects.get(run=run, person=org.agent)
        flags.append((card.total, card.rank, card.flagged))
    assert flags == [(Decimal("66.50"), 2, False), (Decimal("66.50"), 2, False), (Decimal("66.50"), 2, True)]


D15_SECTION = """
appraisal:
  population: [agent]
  groups:
    - {code: front, label: 前端考核指标（政企客户部）, weight: 60}
    - {code: back, label: 后端考核指标（网络管理中心）, weight: 40}
  kpis:
    - {code: timeliness, label: 业务保障及时率, measure: cases.on_time, group: back, points: 15, target: 95,
       scoring: per_point_short, per_point: 1}
    - {code: violations, label: 违规处理, measure: cases.findings, group: back, points: 15, scoring: per_incident, per_point: 1}
    - {code: satisfaction, label: 客户认可率, measure: cases.accepted, group: front, points: 100, scoring: ratio}
"""


def test_telecom_d15_weights_front_60_back_40(org, november_data, november):
    """seed-004 D15: 前端 60 %, 后端 40 %; 及时率 15 points, target 95 %, −1 per point short; 违规 −1 each.
    agent: 92 % → 15 − 3 = 12; one finding → 15 − 1 = 14; back 26 of 30 = 86.67 % → 40 % = 34.67;
    front: 4 of 5 accepted = 80 % → 80 of 100 → 60 % = 48.00. Total 82.67.
    agent2: 95 % → 15, no finding → 15 → 40.00; nobody answered → full 100 → 60.00. Total 100.00."""
    from kefu.rulebooks.services import PRESET_DIR, rulebook_load

    text = (PRESET_DIR / "service-complaint.yaml").read_text(encoding="utf-8")
    text = text[: text.index("\nappraisal:")] + D15_SECTION
    rulebook_load(text=text, source="d15.yaml", make_default=True)
    run = scorecard_compute(period=november, unit=org.service, actor=org.gm)
    agent = Scorecard.objects.get(run=run, person=org.agent)
    assert items(agent) == {
        "timeliness": (Decimal("92.00"), Decimal("12.00")),
        "violations": (Decimal("1.00"), Decimal("14.00")),
        "satisfaction": (Decimal("80.00"), Decimal("80.00")),
    }
    assert (agent.total, agent.rank) == (Decimal("82.67"), 2)
    assert Scorecard.objects.get(run=run, person=org.agent2).total == Decimal("100.00")


def test_quarter_ranks_1_to_3_and_4_to_8_are_rewarded(org, make_case):
    """篇8 5.1: 季度考核排名前3名，季度奖励1500元，第4~8名，季度奖励1000元. 杭州公司's agent, agent2, handler and
    technician; the quarter has no KPIs of its own, so the monthly ones are measured over Q4. agent has a
    complaint that stood (records 95 → 66.50), the others 70.00 share rank 1: three × ¥1500, agent (4th) ¥1000."""
    from datetime import date

    from kefu.appraisal.measures import Period

    case = make_case(actor=org.agent)
    Case.objects.filter(pk=case.pk).update(
        status=CaseStatus.CLOSED,
        closed_at=at(5),
        validity=Validity.ESTABLISHED,
        responsibility=Responsibility.COMPANY,
        responsible_person=org.agent,
    )
    run = scorecard_compute(period=Period.of("quarter", date(2026, 11, 5)), unit=org.city)
    scorecard_approve(run=run, actor=org.gm)
    rewards = {(e.person.username, e.reason, e.amount) for e in LedgerEntry.objects.filter(source="scorecard")}
    assert rewards == {
        ("agent2", "quarter_top3", Decimal("1500.00")),
        ("handler", "quarter_top3", Decimal("1500.00")),
        ("technician", "quarter_top3", Decimal("1500.00")),
        ("agent", "quarter_top8", Decimal("1000.00")),
    }
