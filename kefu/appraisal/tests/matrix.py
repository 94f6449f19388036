"""The appraisal app's rows of the permission matrix (tests/matrix_kit.py).

The world: November 2026's scorecards of 杭州 客服部 ("run", approved by the GM; "card" is the agent's)
a draft conduct deduction for the agent entered by 客服部's supervisor ("entry"), and the agent's
daily report of today, reviewed by that supervisor ("daily"), and October's monthly statistics of
客服部 as the worker stores them ("report"; addressed to quality, who sits in the leadership office
beside 客服部's line, so it is seen through the role, not through the mail).
"""

from __future__ import annotations

from tests.matrix_kit import LOGIN, UNIT_VIEW, only, row

# Who sees the agent's entry and 客服部's scorecards: the agent (their own entry), 客服部's supervisor,
# the all-seeing roles.
LEADERS = {"dgm", "quality", "gm", "adminrole", "root"}
SEE_RUN = {"cs_sup", *LEADERS}
SEE_ENTRY = {"agent", *SEE_RUN}
# Who may enter or correct the agent's rewards and penalties (not the agent, not another unit's supervisor).
ENTER = {"cs_sup", *LEADERS}
# Who approves: the rulebook's approvers (manager, general_manager) over the agent's unit; a superuser.
DECIDE = {"gm", "root"}


def build(world) -> dict:
    from datetime import date

    from kefu.appraisal.measures import Period
    from kefu.appraisal.models import Scorecard
    from kefu.appraisal.services import ledger_entry_propose, scorecard_approve, scorecard_compute

    people, units = world["people"], world["units"]
    run = scorecard_compute(period=Period.of("month", date(2026, 11, 1)), unit=units["hz_cs"], actor=people["gm"])
    scorecard_approve(run=run, actor=people["gm"])
    entry = ledger_entry_propose(
        person=people["agent"], reason="conduct", actor=people["cs_sup"], amount=50, note="私人电话超过 3 分钟"
    )
    from django.utils import timezone

    from kefu.appraisal.services import daily_report_review, daily_report_submit

    daily = daily_report_submit(
        person=people["agent"], day=timezone.localdate(), text="受理 12 个来电，2 个投诉已转售后部"
    )
    daily_report_review(report=daily, actor=people["cs_sup"], review="已阅")
    from kefu.appraisal.rules import ReportDef
    from kefu.appraisal.services.reports import report_generate
    from kefu.appraisal.services.rules import appraisal_rules

    version, _section = appraisal_rules()
    defn = ReportDef(
        code="monthly_statistics",
        label="月度投诉统计",
        period="month",
        day=5,
        roles=["quality"],
        contents=["statistics"],
    )
    report, _made = report_generate(
        defn=defn, start=date(2026, 10, 1), end=date(2026, 10, 31), unit=units["hz_cs"], version=version
    )
    return {
        "report": report,
        "run": run,
        "card": Scorecard.objects.get(run=run, person=people["agent"]),
        "entry": entry,
        "daily": daily,
    }


API_ROWS = {
    ("get", "/api/v1/appraisal/ledger/"): ({}, None, row(200), False),
    # An unknown reason: refused with 400 only after the role and unit check.
    ("post", "/api/v1/appraisal/ledger/"): ({}, {"person": "agent", "reason": "no_such"}, only(ENTER, 400, 403), False),
    ("get", "/api/v1/appraisal/ledger/{id}/"): ({"id": "entry"}, None, only(SEE_ENTRY, 200, 404), False),
    ("post", "/api/v1/appraisal/ledger/{id}/decide/"): (
        {"id": "entry"},
        {},
        only(SEE_ENTRY, 403, 404, **{"__".join(DECIDE): 400}),
        False,
    ),
    ("post", "/api/v1/appraisal/ledger/{id}/correct/"): (
        {"id": "entry"},
        {},
        only(SEE_ENTRY, 403, 404, **{"__".join(ENTER): 400}),
        False,
    ),
    ("get", "/api/v1/appraisal/scorecards/"): ({}, None, row(200), False),
    ("get", "/api/v1/appraisal/daily-reports/"): ({}, None, row(200), False),
    # Everyone may write their own report: an empty one is refused with the fields named.
    ("post", "/api/v1/appraisal/daily-reports/"): ({}, {}, row(400), False),
    ("get", "/api/v1/appraisal/daily-reports/{id}/"): ({"id": "daily"}, None, only(SEE_ENTRY, 200, 404), False),
    # Already reviewed: 409 for its reviewers; the agent sees their report but may not review it.
    ("post", "/api/v1/appraisal/daily-reports/{id}/review/"): (
        {"id": "daily"},
        {},
        only(SEE_RUN, 409, 404, agent=403),
        False,
    ),
    ("get", "/api/v1/appraisal/scorecards/{id}/"): ({"id": "run"}, None, only(SEE_RUN, 200, 404), False),
    ("post", "/api/v1/appraisal/scorecards/compute/"): ({}, {}, only(UNIT_VIEW, 400, 403), False),
    # Already approved: 409 for those who may approve.
    ("post", "/api/v1/appraisal/scorecards/{id}/approve/"): (
        {"id": "run"},
        None,
        only(SEE_RUN, 403, 404, **{"__".join(DECIDE): 409}),
        False,
    ),
}

WEB_ROWS = {
    "appraisal:dashboard": ("get", {}, None, row(200, anon=LOGIN), False),
    "appraisal:runs": ("get", {}, None, only(UNIT_VIEW, 200, 403, anon=LOGIN), False),
    "appraisal:run": ("get", {"pk": "run"}, None, only(SEE_RUN, 200, 404, anon=LOGIN), False),
    "appraisal:run_xlsx": ("get", {"pk": "run"}, None, only(SEE_RUN, 200, 404, anon=LOGIN), False),
    # Already approved: the page says so (redirect with a message) for the approvers, 403 for the rest.
    "appraisal:run_approve": (
        "post",
        {"pk": "run"},
        {},
        only(SEE_RUN, 403, 404, anon=LOGIN, **{"__".join(DECIDE): 302}),
        False,
    ),
    # No score sent: back to the dashboard with a message; the card is the agent's own.
    "appraisal:card_assess": ("post", {"pk": "card"}, {}, only(SEE_ENTRY, 302, 404, anon=LOGIN), False),
    "appraisal:ledger": ("get", {}, None, row(200, anon=LOGIN), False),
    # Nothing sent: the ledger page again with the fields named, for those who enter for their people.
    "appraisal:service_points": ("post", {}, {}, only(UNIT_VIEW, 200, 403, anon=LOGIN), False),
    "appraisal:entry": ("get", {"pk": "entry"}, None, only(SEE_ENTRY, 200, 404, anon=LOGIN), False),
    "appraisal:entry_decide": (
        "post",
        {"pk": "entry"},
        {},
        only(SEE_ENTRY, 403, 404, anon=LOGIN, **{"__".join(DECIDE): 302}),
        False,
    ),
    "appraisal:entry_correct": (
        "post",
        {"pk": "entry"},
        {},
        only(SEE_ENTRY, 403, 404, anon=LOGIN, **{"__".join(ENTER): 302}),
        False,
    ),
    "appraisal:notice": ("get", {"pk": "entry"}, None, only(SEE_ENTRY, 200, 404, anon=LOGIN), False),
    "appraisal:daily": ("get", {}, None, row(200, anon=LOGIN), False),
    "appraisal:reports": ("get", {}, None, row(200, anon=LOGIN), False),
    # 客服部's report: its supervisor, the leadership (quality got it by mail); nobody else.
    "appraisal:report": ("get", {"pk": "report"}, None, only(SEE_RUN, 200, 404, anon=LOGIN), False),
    "appraisal:report_file": (
        "get",
        {"pk": "report", "fmt": "pdf"},
        None,
        only(SEE_RUN, 200, 404, anon=LOGIN),
        False,
    ),
    # The agent's report, already reviewed: its reviewers are told so (redirect with a message); not the agent.
    "appraisal:daily_review": ("post", {"pk": "daily"}, {}, only(SEE_RUN, 302, 404, anon=LOGIN), False),
}
