"""The appraisal pages as people use them: dashboards per role, scorecards with the Excel sheet, the
ledger from entry to printed notice."""

import re
from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from kefu.appraisal.measures import Period
from kefu.appraisal.models import LedgerEntry, MonthlyRollup, ScoreRun
from kefu.appraisal.services import scorecard_compute
from kefu.appraisal.services.rollups import rollup_refresh
from kefu.sla.choices import ClockStatus
from kefu.sla.models import Clock

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("rulebooks")]


def login(client, user):
    client.force_login(user)
    return client


def test_dashboards_per_role_read_the_rollup(client, org, make_case):
    """Three cases of 客服部 this month; one clock met, one missed → the rollup has 2 clocks, 1 met
    (50 %), 1 breach; the GM sees it in the organisation's trend, 客服部's supervisor in theirs, the agent
    their running deadlines."""
    cases = [make_case(actor=org.agent) for _ in range(3)]
    first, second = (Clock.objects.filter(case=c).order_by("pk").first() for c in cases[:2])
    Clock.objects.filter(pk=first.pk).update(status=ClockStatus.MET, stopped_at=first.started_at)
    Clock.objects.filter(pk=second.pk).update(status=ClockStatus.MISSED, stopped_at=second.deadline)
    rollup_refresh()
    row = MonthlyRollup.objects.get(unit=org.service)
    assert (row.received, row.clocks, row.clocks_met, row.breaches) == (3, 2, 1, 1)

    page = login(client, org.gm).get("/appraisal/").content.decode()
    assert "Organisation overview" in page or "组织概况" in page
    assert 'id="ap-chart-data"' in page and '"rate": 50.0' in page
    page = login(client, org.cs_supervisor).get("/appraisal/").content.decode()
    assert 'id="ap-trend"' in page and '"breaches": 1' in page
    page = login(client, org.agent).get("/appraisal/").content.decode()
    assert cases[2].number in page and "ap-chart-data" not in page

    # Incremental: nothing changed → no month recounted; a changed case → its month only.
    assert rollup_refresh() == set()
    from kefu.cases.services import case_add_note

    case_add_note(case=cases[2], actor=org.agent, body="客户来电催促", visibility="internal")
    assert rollup_refresh() == {timezone.localtime(cases[2].received_at).date().replace(day=1)}


def test_scorecards_page_and_excel_sheet(client, org, make_case):
    run = scorecard_compute(period=Period.of("month", date.today()), unit=org.service, actor=org.gm)
    response = login(client, org.gm).get(f"/appraisal/scorecards/{run.pk}/xlsx/")
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    people = {r[1]: r for r in rows[1:] if r[1]}
    assert set(people) == {str(org.agent), str(org.agent2)}
    # Nothing measured yet: every KPI scores full points → records 100 × 70 % = 70.
    assert people[str(org.agent)][3] == 70.0
    assert login(client, org.outsider).get(f"/appraisal/scorecards/{run.pk}/").status_code == 404
    # Computing from the page, then approving it.
    response = login(client, org.cs_supervisor).post(
        "/appraisal/scorecards/", {"period": "quarter", "day": "2026-11-15", "unit": org.service.pk}
    )
    quarter = ScoreRun.objects.get(period_kind="quarter")
    assert response.status_code == 302 and quarter.period_start == date(2026, 10, 1)
    login(client, org.gm).post(f"/appraisal/scorecards/{quarter.pk}/approve/")
    quarter.refresh_from_db()
    assert quarter.status == "approved"


def test_ledger_entry_from_form_to_notice(client, org):
    """客服部's supervisor enters a conduct deduction (a private call over 3 minutes, ¥50 in tier t1); sending
    the form twice saves one entry; the GM approves it; the notice prints."""
    page = login(client, org.cs_supervisor).get("/appraisal/ledger/").content.decode()
    token = re.search(r'name="token" value="([0-9a-f]+)"', page).group(1)
    form = {
        "person": org.agent.pk,
        "reason": "conduct",
        "amount": "50",
        "points": "",
        "note": "私人电话 5 分钟",
        "token": token,
    }
    first = client.post("/appraisal/ledger/", form)
    again = client.post("/appraisal/ledger/", form)
    entry = LedgerEntry.objects.get()
    assert first.url == again.url == f"/appraisal/ledger/{entry.pk}/"
    assert (entry.amount, entry.tier, entry.status) == (Decimal("50.00"), "t1", "draft")
    # The agent sees their entry but cannot decide it.
    assert login(client, org.agent).get(f"/appraisal/ledger/{entry.pk}/").status_code == 200
    assert client.post(f"/appraisal/ledger/{entry.pk}/decide/", {"decision": "approve"}).status_code == 403
    assert login(client, org.outsider).get(f"/appraisal/ledger/{entry.pk}/").status_code == 404
    login(client, org.gm).post(f"/appraisal/ledger/{entry.pk}/decide/", {"decision": "approve", "note": ""})
    entry.refresh_from_db()
    assert entry.status == "approved"
    notice = client.get(f"/appraisal/ledger/{entry.pk}/notice/").content.decode()
    assert "50.00" in notice and str(org.gm) in notice


def test_service_points_form_rewards_the_points_above_the_baseline_once(client, org):
    """篇8 4.1 "以每月出差17个点为基数，超过17个点的部分按照270元/点": 售后部's manager enters 21 points
    for the technician in November → a draft of 4 × 270 = 1080 yuan and 4 points; the same form sent
    twice (its one-time token) makes one entry; 15 points (below the baseline) are refused, naming why."""
    login(client, org.manager)
    page = client.get("/appraisal/ledger/").content.decode()
    token = re.search(r'name="sp_token" value="([0-9a-f]+)"', page).group(1)
    body = {"sp_person": org.technician.pk, "sp_month": "2026-11", "sp_points": "21", "sp_token": token}
    first = client.post("/appraisal/ledger/service-points/", body)
    again = client.post("/appraisal/ledger/service-points/", body)
    entries = LedgerEntry.objects.filter(person=org.technician, reason="service_points")
    assert entries.count() == 1
    entry = entries.get()
    assert first.url == again.url == f"/appraisal/ledger/{entry.pk}/"
    assert (entry.amount, entry.points, entry.status, entry.kind) == (
        Decimal("1080.00"),
        Decimal("4.00"),
        "draft",
        "reward",
    )
    below = client.post(
        "/appraisal/ledger/service-points/",
        {"sp_person": org.technician.pk, "sp_month": "2026-11", "sp_points": "15", "sp_token": "other"},
    )
    assert below.status_code == 200 and "17" in below.content.decode()
    assert entries.count() == 1
    assert (
        client.post("/appraisal/ledger/service-points/", {**body, "sp_month": "11/2026", "sp_token": "x2"}).status_code
        == 200
    )
    login(client, org.agent)
    assert client.post("/appraisal/ledger/service-points/", {**body, "sp_token": "x3"}).status_code == 403
