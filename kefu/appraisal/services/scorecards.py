"""Scorecards: compute a period for a unit, let people enter the assessed part, approve, apply the
consequences of rank."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.appraisal.choices import EntrySource, RunStatus, Scoring
from kefu.appraisal.measures import Period, Scope, get_measure
from kefu.appraisal.models import Scorecard, ScoreItem, ScoreRun
from kefu.appraisal.services.ledger import ledger_entry_propose
from kefu.appraisal.services.rules import appraisal_rules, within
from kefu.core.exceptions import ApplicationError, ConflictError, FieldErrors, ForbiddenError

if TYPE_CHECKING:
    from kefu.appraisal.rules import AppraisalSection, KpiDef
    from kefu.org.models import OrgUnit, User

__all__ = ("item_points", "scorecard_approve", "scorecard_assess", "scorecard_compute")

CENT = Decimal("0.01")
ZERO = Decimal(0)


def item_points(kpi: KpiDef, value: Decimal | None) -> Decimal:
    """The points a KPI scores for its value (a rate in percent, or a count). No value (nothing to
    measure) scores full points. Never below 0 nor above the KPI's points."""
    if value is None:
        return kpi.points
    if kpi.scoring == Scoring.PER_POINT_SHORT:
        short = max(ZERO, kpi.target - value)
        points = kpi.points - kpi.per_point * short
    elif kpi.scoring == Scoring.PER_INCIDENT:
        points = kpi.points - kpi.per_point * value
    else:  # ratio
        points = kpi.points * value / 100
    return min(kpi.points, max(ZERO, points)).quantize(CENT)


def _kpis(section: AppraisalSection, period: Period) -> list[KpiDef]:
    """The KPIs of this period kind; a quarter or year without KPIs of its own measures the monthly
    ones over the whole period (篇8 5.1 ranks the quarter)."""
    return section.kpis_for(period.kind) or section.kpis_for("month")


def _total(section: AppraisalSection, items: list[ScoreItem]) -> Decimal:
    total = ZERO
    for group in section.groups:
        mine = [i for i in items if i.group == group.code]
        maximum = sum((i.max_points for i in mine), ZERO)
        if not maximum:
            continue
        total += group.weight * (100 * sum((i.points for i in mine), ZERO) / maximum) / 100
    return total.quantize(CENT)


def _rank(run: ScoreRun) -> None:
    """Competition ranking by total (equal scores share a rank: 1, 2, 2, 4)."""
    cards = list(run.scorecards.filter(person__isnull=False).order_by("-total", "person__username"))
    previous: Decimal | None = None
    rank = 0
    for position, card in enumerate(cards, start=1):
        if card.total != previous:
            rank, previous = position, card.total
        card.rank = rank
    Scorecard.objects.bulk_update(cards, ["rank"])


@transaction.atomic
def scorecard_compute(*, period: Period, unit: OrgUnit, actor: User | None = None) -> ScoreRun:
    """Compute (or recompute) the scorecards of `period` for everyone of the rulebook's population in
    `unit` and below, and one rollup card per unit. One aggregate query per KPI and level. An approved
    run is final: recomputing it is refused (409). Points people entered themselves are kept."""
    from kefu.org.models import OrgUnit, User

    if actor is not None and not (actor.sees_everything or (actor.sees_unit and within(actor, unit.path))):
        raise ForbiddenError(_("You may not compute scorecards for this unit."))
    version, section = appraisal_rules()
    run, created = ScoreRun.objects.select_for_update().get_or_create(
        period_kind=period.kind,
        period_start=period.first_day,
        unit=unit,
        defaults={"rulebook_version": version, "computed_by": actor},
    )
    kept: dict[tuple[int, str], Decimal] = {}
    if not created:
        if run.status == RunStatus.APPROVED:
            raise ConflictError(
                _("The scorecards of %(period)s were approved and can no longer be recomputed.") % {"period": period}
            )
        assessed = {g.code for g in section.groups if g.assessed_by}
        for person_id, kpi, points in ScoreItem.objects.filter(
            scorecard__run=run, scorecard__person__isnull=False, kpi__in=assessed
        ).values_list("scorecard__person_id", "kpi", "points"):
            kept[(person_id, kpi)] = points
        # Derived rows of an unapproved run: replaced, not kept (the run, its approval and the ledger are the records).
        ScoreItem.objects.filter(scorecard__run=run).delete()
        run.scorecards.all().delete()
        run.rulebook_version = version
        run.computed_by = actor
        run.version += 1
        run.save(update_fields=["rulebook_version", "computed_by", "version", "updated_at"])
    people = list(
        User.objects.filter(is_active=True, role__in=section.population, unit__path__startswith=unit.path).order_by(
            "pk"
        )
    )
    units = list(OrgUnit.objects.filter(path__startswith=unit.path).order_by("path"))
    kpis = _kpis(section, period)
    figures = {
        (kpi.code, by): get_measure(kpi.measure).compute(period, Scope(by=by, unit_path=unit.path, clock=kpi.clock))
        for kpi in kpis
        for by in ("person", "unit")
    }
    cards = Scorecard.objects.bulk_create(
        [Scorecard(run=run, person=p) for p in people] + [Scorecard(run=run, unit=u) for u in units]
    )
    items: list[ScoreItem] = []
    by_card: dict[int, list[ScoreItem]] = {}
    role_of = {p.pk: p.role for p in people}
    # A KPI for some roles only is on a unit's card when people with those roles work in that unit.
    roles_in_unit: dict[int, set[str]] = {}
    for p in people:
        roles_in_unit.setdefault(p.unit_id, set()).add(p.role)
    for card in cards:
        by, key = ("person", card.person_id) if card.person_id else ("unit", card.unit_id)
        held = {role_of[card.person_id]} if card.person_id else roles_in_unit.get(card.unit_id, set())
        mine = []
        for kpi in kpis:
            if kpi.roles and not held & set(kpi.roles):
                continue
            measure = get_measure(kpi.measure)
            fig = figures[(kpi.code, by)].get(key)
            value = measure.value(fig) if fig is not None else (ZERO if measure.kind == "count" else None)
            mine.append(
                ScoreItem(
                    scorecard=card,
                    kpi=kpi.code,
                    label=kpi.label,
                    group=kpi.group,
                    measure=kpi.measure,
                    numerator=fig.numerator if fig else ZERO,
                    denominator=fig.denominator if fig else None,
                    value=value,
                    target=kpi.target,
                    points=item_points(kpi, value),
                    max_points=kpi.points,
                )
            )
        if card.person_id:
            for group in section.groups:
                if group.assessed_by:
                    mine.append(
                        ScoreItem(
                            scorecard=card,
                            kpi=group.code,
                            label=group.label,
                            group=group.code,
                            points=kept.get((card.person_id, group.code), ZERO),
                            max_points=Decimal(100),
                        )
                    )
        items.extend(mine)
        by_card[card.pk] = mine
    ScoreItem.objects.bulk_create(items)
    for card in cards:
        card.total = _total(section, by_card[card.pk])
    Scorecard.objects.bulk_update(cards, ["total"])
    _rank(run)
    return run


@transaction.atomic
def scorecard_assess(*, scorecard: Scorecard, group: str, points: Any, actor: User) -> Scorecard:
    """Enter the assessed part of a scorecard (out of 100): the person their own (`self`), the
    approvers the `manager` one. Re-totals and re-ranks the run; refused once the run is approved."""
    _version, section = appraisal_rules()
    card = Scorecard.objects.select_for_update(of=("self",)).select_related("run", "person__unit").get(pk=scorecard.pk)
    run = ScoreRun.objects.select_for_update().get(pk=card.run_id)
    errors = FieldErrors()
    group_def = section.group(group)
    if group_def is None or not group_def.assessed_by or card.person_id is None:
        errors.add("group", _("This part of the score is not entered by a person."))
        errors.raise_if_any(_("The score was not saved."))
    if group_def.assessed_by == "self":
        allowed = actor.pk == card.person_id
    else:
        allowed = (
            actor.pk != card.person_id and actor.role in section.approvers and within(actor, card.person.unit.path)
        )
    if not allowed:
        raise ForbiddenError(_("You may not enter this part of the score."))
    try:
        value = Decimal(str(points)).quantize(CENT)
    except (ArithmeticError, ValueError):
        value = Decimal(-1)
    if not (0 <= value <= 100):
        errors.add("points", _("Enter a score from 0 to 100."))
    errors.raise_if_any(_("The score was not saved."))
    if run.status == RunStatus.APPROVED:
        raise ConflictError(_("The scorecards were approved; the score can no longer change."))
    ScoreItem.objects.filter(scorecard=card, kpi=group).update(points=value)
    card.total = _total(section, list(card.items.all()))
    card.save(update_fields=["total"])
    _rank(run)
    card.refresh_from_db()
    return card


@transaction.atomic
def scorecard_approve(*, run: ScoreRun, actor: User) -> ScoreRun:
    """The approver closes the period (once): ranks become final and the rulebook's consequences
    are applied — rewards and penalties drafted in the ledger, a rectification plan due date for the
    bottom ranks (with an inbox message), a flag for the last place N periods in a row."""
    from kefu.appraisal.subscribers import notify_rectification

    _version, section = appraisal_rules()
    run = ScoreRun.objects.select_for_update(of=("self",)).select_related("unit").get(pk=run.pk)
    if actor.role not in section.approvers and not actor.is_superuser:
        raise ForbiddenError(_("Only %(roles)s approve scorecards.") % {"roles": ", ".join(section.approvers)})
    if not within(actor, run.unit.path):
        raise ForbiddenError(_("You may not approve scorecards for this unit."))
    now = timezone.now()
    if not ScoreRun.objects.filter(pk=run.pk, status=RunStatus.COMPUTED).update(
        status=RunStatus.APPROVED, approved_by=actor, approved_at=now, updated_at=now
    ):
        raise ConflictError(_("These scorecards have already been approved."))
    run.refresh_from_db()
    cards = list(run.scorecards.filter(person__isnull=False).select_related("person").order_by("rank", "pk"))
    if not cards:
        return run
    last_rank = max(c.rank for c in cards)
    for consequence in section.consequences:
        if consequence.period != run.period_kind:
            continue
        if consequence.ranks is not None:
            chosen = [c for c in cards if consequence.ranks[0] <= c.rank <= consequence.ranks[1]]
        else:
            # The last N places: everyone ranked at or below the N-th from the bottom (ties included).
            threshold = sorted((c.rank for c in cards), reverse=True)[min(consequence.bottom, len(cards)) - 1]
            chosen = [c for c in cards if c.rank >= threshold]
        for card in chosen:
            if consequence.action in ("reward", "penalty"):
                ledger_entry_propose(
                    person=card.person,
                    reason=consequence.reason,
                    actor=actor,
                    amount=consequence.amount,
                    points=consequence.points,
                    note=_("%(period)s rank %(rank)s") % {"period": _period_label(run), "rank": card.rank},
                    source=EntrySource.SCORECARD,
                    scorecard=card,
                    check_actor=False,
                )
            elif consequence.action == "rectification":
                card.rectification_due = (now + timedelta(days=consequence.days)).date()
                card.save(update_fields=["rectification_due"])
                transaction.on_commit(lambda card_id=card.pk: notify_rectification(card_id))
            elif consequence.action == "flag" and card.rank == last_rank:
                if _last_in_a_row(run, card.person_id, consequence.consecutive):
                    card.flagged = True
                    card.save(update_fields=["flagged"])
    return run


def _period_label(run: ScoreRun) -> str:
    return str(Period(run.period_kind, run.period_start))


def _last_in_a_row(run: ScoreRun, person_id: int, n: int) -> bool:
    """Was the person last in the `n − 1` approved runs before this one as well (same unit, kind)?"""
    period = Period(run.period_kind, run.period_start)
    for _i in range(n - 1):
        period = period.previous()
        earlier = ScoreRun.objects.filter(
            period_kind=run.period_kind, period_start=period.first_day, unit=run.unit, status=RunStatus.APPROVED
        ).first()
        if earlier is None:
            return False
        ranks = list(earlier.scorecards.filter(person__isnull=False).values_list("person_id", "rank"))
        worst = max((r for _p, r in ranks), default=None)
        if worst is None or dict(ranks).get(person_id) != worst:
            return False
    return True


def ensure_unit(unit: Any) -> None:
    if unit is None:
        raise ApplicationError(_("Choose a unit."), extra={"unit": [_("This field is required.")]})
