"""The appraisal API as a client uses it."""

from decimal import Decimal

import pytest

from kefu.appraisal.models import LedgerEntry

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("rulebooks")]


def test_ledger_through_the_api(api, org):
    """A praise letter (篇8 9.1, ¥200 by default) for the agent: proposed twice under one key → one entry;
    approved by the GM; corrected by a reversing entry of −¥200."""
    sup = api(org.cs_supervisor)
    body = {"person": org.agent.pk, "reason": "praise_letter", "note": "客户来信表扬耐心解答"}
    first = sup.post("/api/v1/appraisal/ledger/", body, format="json", HTTP_IDEMPOTENCY_KEY="praise-1")
    again = sup.post("/api/v1/appraisal/ledger/", body, format="json", HTTP_IDEMPOTENCY_KEY="praise-1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"] and first.json()["amount"] == "200.00"
    entry_id = first.json()["id"]
    assert (
        api(org.agent)
        .post(f"/api/v1/appraisal/ledger/{entry_id}/decide/", {"approve": True}, format="json")
        .status_code
        == 403
    )
    decided = api(org.gm).post(f"/api/v1/appraisal/ledger/{entry_id}/decide/", {"approve": True}, format="json")
    assert decided.status_code == 200 and decided.json()["status"] == "approved"
    assert (
        api(org.gm)
        .post(f"/api/v1/appraisal/ledger/{entry_id}/decide/", {"approve": False, "note": "x"}, format="json")
        .status_code
        == 409
    )
    corrected = sup.post(f"/api/v1/appraisal/ledger/{entry_id}/correct/", {"note": "重复登记"}, format="json")
    assert corrected.status_code == 201 and corrected.json()["amount"] == "-200.00"
    assert corrected.json()["corrects"] == entry_id
    assert LedgerEntry.objects.get(pk=entry_id).amount == Decimal("200.00")
    mine = api(org.agent).get("/api/v1/appraisal/ledger/").json()["results"]
    assert {e["id"] for e in mine} == {entry_id, corrected.json()["id"]}
    assert api(org.outsider).get(f"/api/v1/appraisal/ledger/{entry_id}/").status_code == 404


def test_scorecards_through_the_api(api, org):
    gm = api(org.gm)
    made = gm.post(
        "/api/v1/appraisal/scorecards/compute/",
        {"period": "month", "day": "2026-11-03", "unit": org.service.pk},
        format="json",
    )
    assert made.status_code == 201
    run = made.json()
    assert run["period_start"] == "2026-11-01" and run["status"] == "computed"
    people = [c for c in run["scorecards"] if c["person"]]
    assert {c["person"]["username"] for c in people} == {"agent", "agent2"}
    assert {c["total"] for c in people} == {"70.00"}  # nothing measured: records full (70 %), self not entered
    assert gm.post(f"/api/v1/appraisal/scorecards/{run['id']}/approve/").status_code == 200
    assert gm.post(f"/api/v1/appraisal/scorecards/{run['id']}/approve/").status_code == 409
    again = gm.post(
        "/api/v1/appraisal/scorecards/compute/",
        {"period": "month", "day": "2026-11-20", "unit": org.service.pk},
        format="json",
    )
    assert again.status_code == 409
    assert api(org.agent).get(f"/api/v1/appraisal/scorecards/{run['id']}/").status_code == 404


def test_daily_reports_through_the_api(api, org, make_case):
    """篇3: the agent writes today's report (the figures come from the records: one case received),
    sends it again with better words (rewritten, 200, still one report); 客服部's supervisor sees it
    and reviews it once (409 the second time); 宁波's supervisor does not see it (404); a report for a
    day not yet come is refused with the field named."""
    from django.utils import timezone

    make_case(actor=org.agent)
    me = api(org.agent)
    today = timezone.localdate().isoformat()
    first = me.post("/api/v1/appraisal/daily-reports/", {"day": today, "text": "受理投诉 1 件"}, format="json")
    again = me.post("/api/v1/appraisal/daily-reports/", {"day": today, "text": "受理投诉 1 件，已派单"}, format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    report = again.json()
    assert report["id"] == first.json()["id"] and report["text"] == "受理投诉 1 件，已派单"
    assert report["figures"]["received"] == 1 and report["reviewed_at"] is None
    url = f"/api/v1/appraisal/daily-reports/{report['id']}/"
    waiting = api(org.cs_supervisor).get("/api/v1/appraisal/daily-reports/?reviewed=false").json()["results"]
    assert [r["id"] for r in waiting] == [report["id"]]
    assert api(org.outsider_supervisor).get(url).status_code == 404
    reviewed = api(org.cs_supervisor).post(url + "review/", {"review": "及时"}, format="json")
    assert reviewed.status_code == 200 and reviewed.json()["reviewed_by"]["username"] == "cs_supervisor"
    assert api(org.cs_supervisor).post(url + "review/", {"review": "再看"}, format="json").status_code == 409
    future = (timezone.localdate() + timezone.timedelta(days=1)).isoformat()
    refused = me.post("/api/v1/appraisal/daily-reports/", {"day": future, "text": "明天"}, format="json")
    assert refused.status_code == 400 and "day" in refused.json()["errors"]
