"""Rows of the permission matrix (tests/test_permission_matrix.py) for return visits and surveys.

The visit belongs to the agent (杭州 客服部): the agent, that unit's supervisor and the all-seeing
roles see it and may act on it; everyone else gets 404. Bodies carry a stale version (409) or an
invalid field (400), so the rows change nothing. The visit pages show the customer's name by design
(leak False); the phone stays masked except in the logged "show number"."""

from __future__ import annotations

from types import SimpleNamespace

from tests.matrix_kit import LOGIN, UNIT_VIEW, only, row

SEE_VISIT = {"agent", "cs_sup", "dgm", "quality", "gm", "adminrole", "root"}
# Who may unmask a phone number (kefu.customers CONTACT_ROLES, and superusers) among them.
REVEAL = {"agent", "cs_sup", "quality", "adminrole", "root"}


def build(world) -> dict:
    from datetime import date, timedelta
    from decimal import Decimal

    from django.utils import timezone

    from kefu.visits.services import visit_schedule
    from kefu.visits.surveys import survey_create, survey_round_close, survey_round_open

    people, wang = world["people"], world["ids"]["W"]
    task = visit_schedule(
        actor=people["agent"],
        customer=wang,
        visitor=people["agent"],
        due_date=timezone.localdate() + timedelta(days=1),
        purpose="usage",
    )
    survey = survey_create(
        actor=people["cs_sup"],
        title="满意度调查",
        questions=[{"code": "score", "text": "总体打分", "type": "score", "unsatisfied_below": 6}],
    )
    round_ = survey_round_open(
        actor=people["cs_sup"],
        survey=survey,
        name="2026 上半年",
        period_start=date(2026, 1, 1),
        period_end=date(2026, 6, 30),
        sample_size=1,
        threshold_percent=Decimal("85"),
    )
    invitation = round_.invitations.get()
    # A round already closed: closing it again changes nothing (the matrix's rows must not change the world).
    closed = survey_round_open(
        actor=people["cs_sup"],
        survey=survey,
        name="2025 下半年",
        period_start=date(2025, 7, 1),
        period_end=date(2025, 12, 31),
        sample_size=1,
        threshold_percent=Decimal("85"),
    )
    survey_round_close(actor=people["cs_sup"], round_=closed)
    return {
        "visit": task,
        "survey": survey,
        "survey_round": round_,
        "survey_round_closed": closed,
        "survey_invitation": invitation,
        "survey_token": SimpleNamespace(pk=invitation.token),
    }


STALE = {"version": 999}

API_ROWS = {
    ("get", "/api/v1/visits/tasks/"): ({}, None, row(200), False),
    ("post", "/api/v1/visits/tasks/"): (
        {},
        {"customer": "W", "visitor": "agent", "purpose": "picnic"},
        row(400),
        False,
    ),
    ("get", "/api/v1/visits/tasks/{id}/"): ({"id": "visit"}, None, only(SEE_VISIT, 200, 404), False),
    ("post", "/api/v1/visits/tasks/{id}/record/"): (
        {"id": "visit"},
        {**STALE, "answers": {}},
        only(SEE_VISIT, 409, 404),
        False,
    ),
    ("post", "/api/v1/visits/tasks/{id}/reschedule/"): (
        {"id": "visit"},
        {**STALE, "reason": "not_reachable"},
        only(SEE_VISIT, 409, 404),
        False,
    ),
    ("post", "/api/v1/visits/tasks/{id}/cancel/"): (
        {"id": "visit"},
        {**STALE, "reason": "客户已搬离"},
        only(SEE_VISIT, 409, 404),
        False,
    ),
    ("get", "/api/v1/visits/survey-rounds/"): ({}, None, row(200), False),
    ("get", "/api/v1/visits/survey-rounds/{id}/"): ({"id": "survey_round"}, None, only(UNIT_VIEW, 200, 404), False),
    ("get", "/api/v1/visits/survey-rounds/{id}/results/"): (
        {"id": "survey_round"},
        None,
        only(UNIT_VIEW, 200, 404),
        False,
    ),
}

WEB_ROWS = {
    "visits:today": ("get", {}, None, row(200, anon=LOGIN), False),
    "visits:task": ("get", {"pk": "visit"}, None, only(SEE_VISIT, 200, 404, anon=LOGIN), False),
    "visits:reschedule": (
        "post",
        {"pk": "visit"},
        {"reason": "not_reachable", "version": 999},
        only(SEE_VISIT, 302, 404, anon=LOGIN),
        False,
    ),
    "visits:show_number": (
        "post",
        {"pk": "visit"},
        {},
        only(REVEAL, 200, 404, anon=LOGIN, dgm__gm=302),
        False,
    ),
    # Reports, review, flags: a form missing its fields is refused with a message on the page it came
    # from (302), after the visibility check (404); nothing changes.
    "visits:review": ("get", {}, None, row(200, anon=LOGIN), False),
    "visits:report": ("post", {"pk": "visit"}, {}, only(SEE_VISIT, 302, 404, anon=LOGIN), False),
    "visits:extension": ("post", {"pk": "visit"}, {}, only(SEE_VISIT, 302, 404, anon=LOGIN), False),
    "visits:review_report": ("post", {"pk": "visit"}, {}, only(SEE_VISIT, 302, 404, anon=LOGIN), False),
    "visits:extension_decide": ("post", {"pk": "visit"}, {}, only(SEE_VISIT, 302, 404, anon=LOGIN), False),
    "visits:flag": ("post", {"pk": "visit"}, {}, only(SEE_VISIT, 302, 404, anon=LOGIN), False),
    # Survey staff screens: supervisors, managers and the all-seeing roles (may_run_surveys).
    "visits:surveys": ("get", {}, None, only(UNIT_VIEW, 200, 403, anon=LOGIN), False),
    "visits:survey": ("get", {"pk": "survey"}, None, only(UNIT_VIEW, 200, 403, anon=LOGIN), False),
    "visits:survey_round_open": (
        "post",
        {"pk": "survey"},
        {"sample_size": 0},
        only(UNIT_VIEW, 400, 403, anon=LOGIN),
        False,
    ),
    "visits:survey_round": ("get", {"pk": "survey_round"}, None, only(UNIT_VIEW, 200, 403, anon=LOGIN), False),
    "visits:survey_round_close": (
        "post",
        {"pk": "survey_round_closed"},
        {},
        only(UNIT_VIEW, 302, 403, anon=LOGIN),
        False,
    ),
    "visits:survey_round_print": ("get", {"pk": "survey_round"}, None, only(UNIT_VIEW, 200, 403, anon=LOGIN), False),
    "visits:survey_paper": ("get", {"pk": "survey_invitation"}, None, only(UNIT_VIEW, 200, 403, anon=LOGIN), False),
    # The customer's link: no login, the same for everyone.
    "survey:answer": ("get", {"token": "survey_token"}, None, row(200, anon=200), False),
}
