"""Writes and reads of satisfaction surveys (seed-002 Doc 8 某物业客户满意率测量的管理规定; issue 9):
survey forms with typed questions, rounds sent to a sample of customers, the public answer by token,
results per item (satisfied answers ÷ answers for that item), a round valid only at or above its
response threshold, results by unit and period.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from pydantic import TypeAdapter, ValidationError

from kefu.core.exceptions import ApplicationError, FieldErrors, ForbiddenError
from kefu.core.inputs import check_text
from kefu.org.choices import ALL_SEEING_ROLES, UNIT_SEEING_ROLES
from kefu.visits.choices import QuestionType, RoundStatus
from kefu.visits.models import Survey, SurveyAnswer, SurveyInvitation, SurveyResponse, SurveyRound
from kefu.visits.rules import QuestionDef
from kefu.visits.services import check_answers

__all__ = (
    "ItemResult",
    "RoundResult",
    "may_run_surveys",
    "results_by_unit_and_period",
    "round_result",
    "survey_answer",
    "survey_answer_on_paper",
    "survey_create",
    "survey_round_close",
    "survey_round_open",
)

_QUESTIONS = TypeAdapter(list[QuestionDef])
TOKEN_BYTES = 32  # secrets.token_urlsafe(32): 43 characters, 256 bits


def may_run_surveys(user: Any) -> bool:
    """Supervisors, managers and the roles that see everything (quality, GM, deputy GM, administrator)."""
    return bool(
        user.is_authenticated
        and user.is_active
        and (user.is_superuser or user.role in ALL_SEEING_ROLES or user.role in UNIT_SEEING_ROLES)
    )


def _require(user: Any) -> None:
    if not may_run_surveys(user):
        raise ForbiddenError(_("Only supervisors, managers and the quality office run satisfaction surveys."))


@transaction.atomic
def survey_create(*, actor: Any, title: str, questions: Any, intro: str = "") -> Survey:
    """A survey form; questions as in a rulebook questionnaire (code, text, type, options, unsatisfied…)."""
    _require(actor)
    errors = FieldErrors()
    title = check_text(errors, "title", title, limit=100, required=True)
    intro = check_text(errors, "intro", intro, limit=1000)
    try:
        parsed = _QUESTIONS.validate_python(questions)
    except ValidationError as exc:
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"])
            errors.add(f"questions.{where}" if where else "questions", err["msg"])
        parsed = []
    if not errors and not parsed:
        errors.add("questions", _("A survey needs at least one question."))
    codes = [q.code for q in parsed]
    if len(set(codes)) != len(codes):
        errors.add("questions", _("Two questions have the same code."))
    errors.raise_if_any()
    return Survey.objects.create(
        title=title, intro=intro, questions=[q.model_dump(mode="json") for q in parsed], created_by=actor
    )


@transaction.atomic
def survey_round_open(
    *,
    actor: Any,
    survey: Survey,
    name: str,
    period_start: date,
    period_end: date,
    sample_size: int,
    threshold_percent: Decimal,
    answer_days: int = 30,
    unit: Any = None,
    customers: Any = None,
) -> SurveyRound:
    """Open a round and invite a sample of `sample_size` customers (of `customers`, default every active
    customer) chosen at random with the round's id as the seed, so the sample can be drawn again."""
    from kefu.customers.models import Customer

    _require(actor)
    errors = FieldErrors()
    name = check_text(errors, "name", name, limit=100, required=True)
    if period_end < period_start:
        errors.add("period_end", _("The period ends before it starts."))
    if not 1 <= sample_size <= 100_000:
        errors.add("sample_size", _("Between 1 and 100,000 customers."))
    if not Decimal(0) < Decimal(threshold_percent) <= Decimal(100):
        errors.add("threshold_percent", _("A percentage above 0 and at most 100."))
    if not 1 <= answer_days <= 365:
        errors.add("answer_days", _("Between 1 and 365 days."))
    errors.raise_if_any()
    round_ = SurveyRound.objects.create(
        survey=survey,
        name=name,
        unit=unit,
        period_start=period_start,
        period_end=period_end,
        sample_size=sample_size,
        threshold_percent=threshold_percent,
        expires_at=timezone.now() + timedelta(days=answer_days),
        created_by=actor,
    )
    pool = customers if customers is not None else Customer.objects.filter(is_active=True)
    ids = list(pool.order_by("pk").values_list("pk", flat=True))
    chosen = random.Random(f"survey-round:{round_.pk}").sample(ids, min(sample_size, len(ids)))
    if not chosen:
        raise ApplicationError(_("There is no customer to ask."), extra={"sample_size": [_("No customers.")]})
    SurveyInvitation.objects.bulk_create(
        [
            SurveyInvitation(round=round_, customer_id=pk, token=secrets.token_urlsafe(TOKEN_BYTES))
            for pk in sorted(chosen)
        ],
        batch_size=2000,
    )
    return round_


@transaction.atomic
def survey_round_close(*, actor: Any, round_: SurveyRound) -> SurveyRound:
    _require(actor)
    locked = SurveyRound.objects.select_for_update().get(pk=round_.pk)
    if locked.status == RoundStatus.CLOSED:
        raise ApplicationError(_("This round is already closed."))
    locked.status = RoundStatus.CLOSED
    locked.save(update_fields=["status", "updated_at"])
    return locked


class SurveyClosed(ApplicationError):
    """The link cannot be answered (expired, closed, answered): shown as a page, never as which."""


@transaction.atomic
def survey_answer(*, token: str, answers: dict[str, Any]) -> SurveyResponse:
    """A customer's answer through their link. One per token: the invitation is locked, and the
    response's one-to-one key refuses a second even from a parallel request."""
    invitation = (
        SurveyInvitation.objects.select_for_update(of=("self",))
        .select_related("round__survey")
        .filter(token=token)
        .first()
    )
    if invitation is None:
        raise SurveyClosed(_("This survey link is not valid."))
    return _answer(invitation, answers, entered_by=None)


@transaction.atomic
def survey_answer_on_paper(*, invitation: SurveyInvitation, actor: Any, answers: dict[str, Any]) -> SurveyResponse:
    """Staff type in a paper form the customer filled in (Doc 8 "采用物管处上门分发的方式"): the same checks and
    the same one answer per invitation as the link; who entered it is kept on the response."""
    _require(actor)
    locked = (
        SurveyInvitation.objects.select_for_update(of=("self",)).select_related("round__survey").get(pk=invitation.pk)
    )
    if locked.round.unit_id and not (actor.is_superuser or actor.role in ALL_SEEING_ROLES):
        if not (actor.unit_id and locked.round.unit.path.startswith(actor.unit.path)):
            raise ForbiddenError(_("This round measures another unit."))
    return _answer(locked, answers, entered_by=actor)


def _answer(invitation: SurveyInvitation, answers: dict[str, Any], *, entered_by: Any) -> SurveyResponse:
    round_ = invitation.round
    if invitation.answered_at is not None:
        raise SurveyClosed(_("This survey has already been answered. Thank you."))
    # A paper form may come back after the link's deadline, but not after the round was closed.
    if round_.status != RoundStatus.OPEN or (entered_by is None and round_.expires_at <= timezone.now()):
        raise SurveyClosed(_("This survey has closed."))
    errors = FieldErrors()
    clean, unsatisfied = check_answers({"questions": round_.survey.questions}, answers, errors)
    errors.raise_if_any()
    try:
        with transaction.atomic():
            response = SurveyResponse.objects.create(
                invitation=invitation, round=round_, answers=clean, entered_by=entered_by
            )
    except IntegrityError:
        raise SurveyClosed(_("This survey has already been answered. Thank you.")) from None
    kinds = {q["code"]: q["type"] for q in round_.survey.questions}
    SurveyAnswer.objects.bulk_create(
        [
            SurveyAnswer(
                response=response,
                round=round_,
                unit_id=round_.unit_id,
                period_start=round_.period_start,
                item=code,
                value=str(value)[:2000],
                satisfied=None if kinds[code] == QuestionType.TEXT else code not in unsatisfied,
            )
            for code, value in clean.items()
        ]
    )
    invitation.answered_at = timezone.now()
    invitation.save(update_fields=["answered_at"])
    return response


# --------------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class ItemResult:
    code: str
    text: str
    answers: int
    satisfied: int

    @property
    def rate(self) -> Decimal | None:
        """Satisfied answers ÷ answers for this item, in percent (2 places); None without answers."""
        if not self.answers:
            return None
        return (Decimal(self.satisfied * 100) / self.answers).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class RoundResult:
    invited: int
    responded: int
    threshold_percent: Decimal
    items: list[ItemResult]

    @property
    def response_rate(self) -> Decimal:
        if not self.invited:
            return Decimal(0)
        return (Decimal(self.responded * 100) / self.invited).quantize(Decimal("0.01"))

    @property
    def valid(self) -> bool:
        """Doc 8: the round counts only when at least `threshold_percent` of those asked answered."""
        return self.invited > 0 and self.responded * 100 >= self.threshold_percent * self.invited


def round_result(round_: SurveyRound) -> RoundResult:
    """Per-item rates of a round (rated items; text answers are listed but not rated): two aggregates."""
    counts = round_.invitations.aggregate(
        invited=Count("pk"), responded=Count("pk", filter=Q(answered_at__isnull=False))
    )
    rows = {
        r["item"]: r
        for r in SurveyAnswer.objects.filter(round=round_, satisfied__isnull=False)
        .values("item")
        .annotate(answers=Count("pk"), satisfied=Count("pk", filter=Q(satisfied=True)))
    }
    items = [
        ItemResult(
            code=q["code"],
            text=q["text"],
            answers=rows.get(q["code"], {}).get("answers", 0),
            satisfied=rows.get(q["code"], {}).get("satisfied", 0),
        )
        for q in round_.survey.questions
        if q["type"] != QuestionType.TEXT
    ]
    return RoundResult(
        invited=counts["invited"],
        responded=counts["responded"],
        threshold_percent=round_.threshold_percent,
        items=items,
    )


def results_by_unit_and_period(*, survey: Survey, valid_only: bool = True) -> list[dict[str, Any]]:
    """Per unit, period and item: answers, satisfied and rate, over the survey's (valid) rounds —
    one grouped aggregate. Rows: {unit_id, period_start, item, answers, satisfied, rate}."""
    rounds = list(survey.rounds.all())
    keep = [r.pk for r in rounds if not valid_only or round_result(r).valid]
    rows = (
        SurveyAnswer.objects.filter(round_id__in=keep, satisfied__isnull=False)
        .values("unit_id", "period_start", "item")
        .annotate(answers=Count("pk"), satisfied=Count("pk", filter=Q(satisfied=True)))
        .order_by("period_start", "unit_id", "item")
    )
    return [{**r, "rate": (Decimal(r["satisfied"] * 100) / r["answers"]).quantize(Decimal("0.01"))} for r in rows]
