"""Measures from work orders and return visits (registered by kefu.workorders and kefu.visits), the
D15 field KPI on the technicians' scorecards, and the ledger drafts of 篇8 9.4 (返修) and 9.5
(未签收《服务记录单》每次罚款100元) made once — all against figures worked out by hand."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from kefu.appraisal.choices import EntrySource, EntryStatus
from kefu.appraisal.measures import Scope, get_measure
from kefu.appraisal.models import LedgerEntry, Scorecard
from kefu.appraisal.services import scorecard_compute
from kefu.appraisal.services.sources import ledger_sources_collect

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
PNG = "data:image/png;base64,iVBORw0KGgo="


def at(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=SHANGHAI)


@pytest.fixture
def orders(org, rulebooks, customer):
    """维修一班's technician in November 2026: five orders arrived at — four by the deadline, one two
    hours late; four completed: one of them a repeat fault of an earlier order, one not signed, one
    signed off by a waiver (not reachable to sign), two signed. An order of 宁波 售后部's technician
    (same department name, other city) counts for them only."""
    from kefu.org.models import User
    from kefu.workorders.models import WorkOrder
    from kefu.workorders.services import workorder_create

    other_tech = User.objects.create_user(username="nb_tech", role="technician", unit=org.other_aftersales)
    made = []
    for _i in range(6):
        order, _ = workorder_create(
            actor=org.agent,
            kind="repair",
            customer=customer,
            description="车载终端不上线",
            unit=org.team,
            reported_at=at(2, 9),
        )
        made.append(order)
    first, *mine = made  # `first` was repaired in October; mine[0] repeats it
    WorkOrder.objects.filter(pk=first.pk).update(
        technician=org.technician, status="completed", completed_at=at(1, 0) - timedelta(days=20), signature=PNG
    )
    for i, order in enumerate(mine):
        due = at(10 + i, 12)
        WorkOrder.objects.filter(pk=order.pk).update(
            technician=org.technician,
            arrival_due_at=due,
            arrived_at=due + (timedelta(hours=2) if i == 4 else -timedelta(hours=1)),
        )
    completion = [
        dict(repeat_of=first, signature=PNG),
        dict(signature=""),
        dict(signature="", waiver_reason="客户不在现场，无法签字"),
        dict(signature=PNG),
    ]
    for order, fields in zip(mine[:4], completion, strict=True):
        WorkOrder.objects.filter(pk=order.pk).update(status="completed", completed_at=at(20), **fields)
    theirs, _ = workorder_create(
        actor=org.agent,
        kind="repair",
        customer=customer,
        description="终端故障",
        unit=org.other_aftersales,
        reported_at=at(2, 9),
    )
    WorkOrder.objects.filter(pk=theirs.pk).update(
        technician=other_tech,
        arrival_due_at=at(5, 12),
        arrived_at=at(5, 16),
        status="completed",
        completed_at=at(6),
        signature="",
    )
    return first, mine, theirs, other_tech


def figures(code, period, by, unit):
    out = get_measure(code).compute(period, Scope(by=by, unit_path=unit.path))
    return {k: (f.numerator, f.denominator) for k, f in out.items()}


def test_work_order_measures_worked_out_by_hand(org, orders, november):
    """Technician: arrived 5, by the deadline 4 → 80 %; completed 4, repeat faults 1 → 25 %; without a
    signature 2 (one unsigned, one waived). 宁波's technician: 0 of 1 on time, 1 completed, 1 unsigned."""
    _first, _mine, _theirs, other_tech = orders
    assert figures("workorders.on_time", november, "person", org.group) == {
        org.technician.pk: (4, 5),
        other_tech.pk: (0, 1),
    }
    assert get_measure("workorders.on_time").value(
        get_measure("workorders.on_time").compute(november, Scope(by="person", unit_path=org.group.path))[
            org.technician.pk
        ]
    ) == Decimal("80.00")
    assert figures("workorders.repeat_fault", november, "person", org.city) == {org.technician.pk: (1, 4)}
    assert figures("workorders.completed", november, "unit", org.group) == {
        org.team.pk: (4, None),
        org.other_aftersales.pk: (1, None),
    }
    assert figures("workorders.signature_missing", november, "unit", org.city) == {org.team.pk: (2, None)}


def test_technicians_get_the_field_timeliness_kpi(org, orders, november):
    """D15: 上门及时率 15 points, target 95 %, −1 point per point short: 80 % → 15 − 15 = 0. The
    handler of 售后部 has no such item (the KPI is the technicians')."""
    run = scorecard_compute(period=november, unit=org.aftersales, actor=org.gm)
    tech = Scorecard.objects.get(run=run, person=org.technician).items.get(kpi="field_timeliness")
    assert (tech.value, tech.points, tech.max_points) == (Decimal("80.00"), Decimal("0.00"), Decimal("15.00"))
    handler = Scorecard.objects.get(run=run, person=org.handler)
    assert not handler.items.filter(kpi="field_timeliness").exists()


def test_ledger_drafts_from_work_orders_once(org, orders):
    """篇8 9.5: two completions not signed by the customer → two drafts of ¥100 for the technician, and
    one for 宁波's; 篇8 9.4: the repeat fault drafts a rework penalty (tier t1, ¥30) for the technician
    of the order it repeats. Run again (or a second worker): nothing more."""
    first, mine, theirs, other_tech = orders
    made = ledger_sources_collect(since=at(1, 0))
    drafts = {(e.source_ref, e.person_id, e.reason, e.amount) for e in made}
    assert drafts == {
        (f"workorders:{mine[1].number}", org.technician.pk, "missing_signature", Decimal("100.00")),
        (f"workorders:{mine[2].number}", org.technician.pk, "missing_signature", Decimal("100.00")),
        (f"workorders:{theirs.number}", other_tech.pk, "missing_signature", Decimal("100.00")),
        (f"workorders:{first.number}", org.technician.pk, "rework", Decimal("30.00")),
    }
    assert all(e.status == EntryStatus.DRAFT and e.source == EntrySource.RECORDS for e in made)
    assert ledger_sources_collect(since=at(1, 0)) == []
    assert LedgerEntry.objects.filter(source=EntrySource.RECORDS).count() == 4


def test_visit_measures_worked_out_by_hand(org, customer, november):
    """agent's visits due in November: 4, done 3, one cancelled (left out) → 75 %; records 3, one
    unsatisfied → 66.67 % satisfied. A visit due in December does not count."""
    from kefu.visits.models import VisitRecord, VisitTask

    def task(status, due=date(2026, 11, 10)):
        return VisitTask.objects.create(
            customer=customer, purpose="usage", visitor=org.agent, unit=org.service, due_date=due, status=status
        )

    done = [task("done") for _ in range(3)]
    task("open")
    task("cancelled")
    task("done", due=date(2026, 12, 1))
    for t, unhappy in zip(done, [False, False, True], strict=True):
        VisitRecord.objects.create(task=t, visitor=org.agent, visited_on=date(2026, 11, 12), unsatisfied=unhappy)
    completion = get_measure("visits.completion")
    fig = completion.compute(november, Scope(by="person", unit_path=org.service.path))[org.agent.pk]
    assert (fig.numerator, fig.denominator, completion.value(fig)) == (3, 4, Decimal("75.00"))
    satisfied = get_measure("visits.satisfied")
    fig = satisfied.compute(november, Scope(by="unit", unit_path=org.group.path))[org.service.pk]
    assert (fig.numerator, fig.denominator, satisfied.value(fig)) == (2, 3, Decimal("66.67"))


def test_survey_satisfaction_across_items_and_rounds(org, customer, november):
    """Two rounds measuring 客服部 in November: 5 rated answers, 4 satisfied, plus a text answer (not
    rated) → 80 %; a round measuring 宁波客服部 counts for it alone. A person has no survey figure."""
    from kefu.customers.services import customer_create
    from kefu.visits.survey_models import Survey, SurveyAnswer, SurveyInvitation, SurveyResponse, SurveyRound

    survey = Survey.objects.create(title="满意度调查", created_by=org.gm)
    others = [customer_create(name=f"客户{i}", phone=f"139 0000 00{i:02d}") for i in range(6)]

    def answers(unit, rated):
        rnd = SurveyRound.objects.create(
            survey=survey,
            name="11月",
            unit=unit,
            period_start=date(2026, 11, 1),
            period_end=date(2026, 11, 30),
            sample_size=10,
            threshold_percent=Decimal("85"),
            expires_at=at(30),
            created_by=org.gm,
        )
        for i, items in enumerate(rated):
            invitation = SurveyInvitation.objects.create(round=rnd, customer=others[i], token=f"{rnd.pk}-{i}")
            response = SurveyResponse.objects.create(invitation=invitation, round=rnd)
            for item, satisfied in items.items():
                SurveyAnswer.objects.create(
                    response=response,
                    round=rnd,
                    unit=unit,
                    period_start=rnd.period_start,
                    item=item,
                    value="x",
                    satisfied=satisfied,
                )

    answers(org.service, [{"attitude": True, "speed": True, "note": None}, {"attitude": False, "speed": True}])
    answers(org.service, [{"attitude": True}])
    answers(org.other_dept, [{"attitude": False}])
    measure = get_measure("surveys.satisfaction")
    out = measure.compute(november, Scope(by="unit", unit_path=org.group.path))
    assert (out[org.service.pk].numerator, out[org.service.pk].denominator) == (4, 5)
    assert measure.value(out[org.service.pk]) == Decimal("80.00")
    assert (out[org.other_dept.pk].numerator, out[org.other_dept.pk].denominator) == (0, 1)
    assert measure.compute(november, Scope(by="person", unit_path=org.group.path)) == {}
