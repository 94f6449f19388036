"""Satisfaction surveys (seed-002 Doc 8): typed questions, a sampled round, one answer per token,
expiry, per-item rates, validity at the response threshold, results by unit and period, and the
public answer page without login."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from kefu.core.exceptions import ApplicationError, ForbiddenError
from kefu.customers.services import customer_create
from kefu.visits.models import SurveyInvitation, SurveyResponse, SurveyRound
from kefu.visits.surveys import (
    SurveyClosed,
    results_by_customer_category,
    results_by_unit_and_period,
    round_result,
    survey_answer,
    survey_create,
    survey_round_open,
)

QUESTIONS = [
    {
        "code": "attitude",
        "text": "您对服务态度满意吗？",
        "type": "choice",
        "options": ["满意", "一般", "不满意"],
        "unsatisfied": ["不满意"],
    },
    {"code": "timely", "text": "维修是否及时？", "type": "yes_no", "unsatisfied": ["no"]},
    {"code": "score", "text": "总体打分", "type": "score", "unsatisfied_below": 6},
    {"code": "advice", "text": "意见和建议", "type": "text", "required": False},
]


@pytest.fixture
def customers(db):
    return [customer_create(name=f"住户{i:02d}", phone=f"1390000{i:04d}") for i in range(20)]


@pytest.fixture
def survey(org):
    return survey_create(actor=org.cs_supervisor, title="2026 年上半年客户满意度调查", questions=QUESTIONS)


def _open(org, survey, **kw):
    args = dict(
        actor=org.cs_supervisor,
        survey=survey,
        name="2026 上半年",
        unit=org.service,
        period_start=date(2026, 1, 1),
        period_end=date(2026, 6, 30),
        sample_size=10,
        threshold_percent=Decimal("85"),
    )
    args.update(kw)
    return survey_round_open(**args)


def test_a_survey_needs_typed_questions_and_the_right_role(org):
    with pytest.raises(ForbiddenError):
        survey_create(actor=org.agent, title="x", questions=QUESTIONS)
    with pytest.raises(ApplicationError) as refused:
        survey_create(actor=org.cs_supervisor, title="", questions=[{"code": "a", "text": "?", "type": "stars"}])
    assert "title" in refused.value.extra and any(k.startswith("questions.0") for k in refused.value.extra)


def test_a_round_invites_a_reproducible_sample_with_unguessable_tokens(org, survey, customers):
    round_ = _open(org, survey)
    invitations = list(round_.invitations.all())
    assert len(invitations) == 10 and len({i.customer_id for i in invitations}) == 10
    assert all(len(i.token) == 43 for i in invitations) and len({i.token for i in invitations}) == 10


def test_per_item_rates_and_validity_at_the_threshold(org, survey, customers):
    """10 invited, threshold 85%. 8 answer: attitude 满意×6, 一般×1, 不满意×1 → 7/8 = 87.50%;
    timely yes×6 no×2 → 75.00%; score 9,9,8,7,6,5,3,10 → below 6: two → 6/8 = 75.00%. 8/10 = 80% < 85%:
    not valid. The 9th answer (满意, yes, 8) makes 9/10 = 90%: valid, attitude 8/9 = 88.89%."""
    round_ = _open(org, survey)
    tokens = [i.token for i in round_.invitations.order_by("pk")]
    rows = [
        ("满意", "yes", 9), ("满意", "yes", 9), ("满意", "yes", 8), ("满意", "no", 7),
        ("满意", "yes", 6), ("满意", "yes", 5), ("一般", "no", 3), ("不满意", "yes", 10),
    ]  # fmt: skip
    for token, (attitude, timely, score) in zip(tokens, rows, strict=False):
        survey_answer(token=token, answers={"attitude": attitude, "timely": timely, "score": score})
    result = round_result(round_)
    assert (result.invited, result.responded, result.response_rate, result.valid) == (10, 8, Decimal("80.00"), False)
    assert [(i.code, i.answers, i.satisfied, i.rate) for i in result.items] == [
        ("attitude", 8, 7, Decimal("87.50")),
        ("timely", 8, 6, Decimal("75.00")),
        ("score", 8, 6, Decimal("75.00")),
    ]
    assert results_by_unit_and_period(survey=survey) == []  # the only round is not valid
    survey_answer(token=tokens[8], answers={"attitude": "满意", "timely": "yes", "score": "8", "advice": "希望更快"})
    result = round_result(round_)
    assert (result.response_rate, result.valid, result.items[0].rate) == (Decimal("90.00"), True, Decimal("88.89"))
    by_unit = results_by_unit_and_period(survey=survey)
    assert [(r["unit_id"], r["period_start"], r["item"], r["answers"], r["satisfied"], r["rate"]) for r in by_unit] == [
        (org.service.pk, date(2026, 1, 1), "attitude", 9, 8, Decimal("88.89")),
        (org.service.pk, date(2026, 1, 1), "score", 9, 7, Decimal("77.78")),
        (org.service.pk, date(2026, 1, 1), "timely", 9, 7, Decimal("77.78")),
    ]


def test_results_by_customer_category(org, survey, customers):
    """Doc 8 asks for results by category too: the first four invited are grade A files, the next
    five grade B; nine answer (the rows of the test above, then 满意/yes/8). A: attitude 满意×4 → 4/4
    = 100.00%, timely yes×3 no×1 → 75.00%, score 9,9,8,7 → 100.00%. B: attitude 满意,满意,一般,不满意,满意
    → 4/5 = 80.00% (一般 is not dissatisfied), timely yes,yes,no,yes,yes → 80.00%, score 6,5,3,10,8 →
    two below 6 → 60.00%. A category with no valid round shows nothing."""
    from kefu.customers.models import Customer

    round_ = _open(org, survey)
    invitations = list(round_.invitations.order_by("pk"))
    Customer.objects.filter(pk__in=[i.customer_id for i in invitations[:4]]).update(grade="A")
    Customer.objects.filter(pk__in=[i.customer_id for i in invitations[4:]]).update(grade="B")
    rows = [
        ("满意", "yes", 9), ("满意", "yes", 9), ("满意", "yes", 8), ("满意", "no", 7),
        ("满意", "yes", 6), ("满意", "yes", 5), ("一般", "no", 3), ("不满意", "yes", 10), ("满意", "yes", 8),
    ]  # fmt: skip
    for invitation, (attitude, timely, score) in zip(invitations, rows, strict=False):
        survey_answer(token=invitation.token, answers={"attitude": attitude, "timely": timely, "score": score})
    got = [
        (r["grade"], r["item"], r["answers"], r["satisfied"], r["rate"])
        for r in results_by_customer_category(survey=survey)
    ]
    assert got == [
        ("A", "attitude", 4, 4, Decimal("100.00")),
        ("A", "score", 4, 4, Decimal("100.00")),
        ("A", "timely", 4, 3, Decimal("75.00")),
        ("B", "attitude", 5, 4, Decimal("80.00")),
        ("B", "score", 5, 3, Decimal("60.00")),
        ("B", "timely", 5, 4, Decimal("80.00")),
    ]


def test_one_answer_per_token_and_none_after_expiry(org, survey, customers):
    round_ = _open(org, survey, sample_size=2)
    first, second = round_.invitations.order_by("pk")
    answers = {"attitude": "满意", "timely": "yes", "score": 9}
    survey_answer(token=first.token, answers=answers)
    with pytest.raises(SurveyClosed):
        survey_answer(token=first.token, answers=answers)
    SurveyRound.objects.filter(pk=round_.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(SurveyClosed):
        survey_answer(token=second.token, answers=answers)
    with pytest.raises(SurveyClosed):
        survey_answer(token="no-such-token", answers=answers)
    assert SurveyResponse.objects.count() == 1


def test_the_public_page_answers_without_login_and_refuses_what_it_must(org, survey, customers, settings):
    settings.KEFU_SURVEY_RATE = 8
    cache.clear()
    round_ = _open(org, survey, sample_size=2)
    invitation = round_.invitations.order_by("pk").first()
    client = Client(enforce_csrf_checks=True)
    url = f"/s/{invitation.token}/"
    page = client.get(url)
    assert page.status_code == 200 and "您对服务态度满意吗？" in page.content.decode()
    csrf = page.cookies["csrftoken"].value
    data = {"version": 1, "q_attitude": "不满意", "q_timely": "no", "q_score": "2", "q_advice": "师傅迟到"}
    assert client.post(url, data).status_code == 403  # no CSRF token
    done = client.post(url, {**data, "csrfmiddlewaretoken": csrf})
    assert done.status_code == 200 and SurveyInvitation.objects.get(pk=invitation.pk).answered_at is not None
    assert client.get(url).status_code == 410  # answered: no questions shown again
    unknown = client.get("/s/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/")
    assert unknown.status_code == 404 and "您对服务态度满意吗？" not in unknown.content.decode()
    statuses = [client.get(f"/s/guess{i}/").status_code for i in range(6)]
    assert statuses[-1] == 429  # 8 requests per window from one address
