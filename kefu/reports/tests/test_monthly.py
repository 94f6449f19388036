"""Monthly statistics: counts over a crafted set of cases, scope, the Excel export and query cost."""

import datetime as dt
from io import BytesIO
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.translation import gettext

from kefu.cases.choices import CaseStatus
from kefu.cases.models import Case
from kefu.reports.selectors import Month, monthly_report
from kefu.rulebooks.selectors import active_rulebooks
from kefu.sla.choices import ClockStatus
from kefu.sla.models import Clock

SH = ZoneInfo("Asia/Shanghai")
MARCH = Month(2026, 3)


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SH)


@pytest.fixture
def crafted(org, make_case):
    """Cases around March 2026 (Asia/Shanghai); dates are set directly, the report only reads them.

    "Closed in time" reads the outcome of the cases' resolution clocks (`resolution: true` in the
    rulebook), so each closed case's resolution clock is given the outcome its dates imply.
    """

    def case(name, case_type="complaint", received=None, closed=None, status=None, clock=None, **fields):
        extra = {}
        if case_type == "quality_claim":
            extra = {"rulebook_key": "quality-claim", "category": "quality"}
        if case_type == "power":
            case_type, extra = "complaint", {"rulebook_key": "power-supply", "category": "supply_quality"}
        created = make_case(case_type, title=name, channel=fields.pop("channel", "phone"), **extra)
        status = status or (CaseStatus.CLOSED if closed else CaseStatus.OPEN)
        Case.objects.filter(pk=created.pk).update(received_at=received, closed_at=closed, status=status, **fields)
        if clock:
            Clock.objects.filter(case=created, resolution=True).update(status=clock, stopped_at=closed)
        return created

    return {
        # Service complaint: reply within 2 working days of Thursday 03-05, i.e. by Monday 03-09 17:30: late.
        "a": case(
            "A",
            received=at(2026, 3, 5, 10),
            closed=at(2026, 3, 10, 9),
            clock=ClockStatus.MISSED,
            responsibility="company",
            responsible_unit=org.aftersales,
        ),
        # Quality claims: 15 calendar days. B closed after 11 days (in time), C after 20 (late, received in Feb).
        "b": case(
            "B",
            "quality_claim",
            received=at(2026, 3, 1, 9),
            closed=at(2026, 3, 12, 9),
            clock=ClockStatus.MET,
            responsibility="supplier",
        ),
        "c": case(
            "C",
            "quality_claim",
            received=at(2026, 2, 10, 9),
            closed=at(2026, 3, 2, 9),
            clock=ClockStatus.MISSED,
            responsibility="company",
        ),
        # An inquiry: its case type has no deadline clock, so "closed in time" is not applicable ("—").
        "i": case("I", "inquiry", received=at(2026, 3, 6, 10), closed=at(2026, 3, 7, 10)),
        # Boundaries: 23:59 on 31 March in Shanghai is still March (15:59 UTC); midnight is April.
        "d": case("D", received=at(2026, 3, 31, 23, 59)),
        "e": case("E", received=at(2026, 4, 1, 0, 0)),
        "f": case("F", received=at(2026, 2, 28, 23, 59, 59)),
        # Withdrawn: received in March and has a closed_at, but was never concluded.
        "g": case(
            "G",
            "quality_claim",
            received=at(2026, 3, 3, 9),
            closed=at(2026, 3, 4, 9),
            status=CaseStatus.WITHDRAWN,
            clock=ClockStatus.CANCELLED,
            channel="letter",
        ),
        "h": case(
            "H",
            "power",
            received=at(2026, 3, 20, 9),
            closed=at(2026, 3, 25, 9),
            clock=ClockStatus.MET,  # 5 working days from Friday 03-20: by 03-27
            channel="hotline",
            responsible_unit=org.other_dept,
        ),
    }


def rows(report, code):
    return {r.key: (r.received, r.closed, r.in_time_display) for r in report.breakdown(code).rows}


def test_month_bounds_are_shanghai_months():
    assert MARCH.start == at(2026, 3, 1) and MARCH.end == at(2026, 4, 1)
    assert MARCH.start.astimezone(dt.UTC) == dt.datetime(2026, 2, 28, 16, tzinfo=dt.UTC)
    assert Month(2026, 1).previous == Month(2025, 12) and Month(2026, 12).next == Month(2027, 1)
    assert Month.last(dt.datetime(2026, 3, 31, 16, 30, tzinfo=dt.UTC)) == Month(2026, 3)  # 1 April 00:30 in Shanghai
    assert Month.parse("2026-13", MARCH) == (MARCH, False)
    assert Month.parse("2025-07", MARCH) == (Month(2025, 7), True)


def test_counts_for_a_crafted_month(org, crafted):
    report = monthly_report(user=org.admin, month=MARCH)
    assert (report.total.received, report.total.closed, report.total.in_time) == (6, 5, 2)
    assert report.total.in_time_applicable == 4  # the inquiry has no resolution clock
    assert rows(report, "case_type") == {
        "service-complaint:complaint": (2, 1, 0),
        "service-complaint:inquiry": (1, 1, None),
        "quality-claim:quality_claim": (2, 2, 1),
        "power-supply:complaint": (1, 1, 1),
    }
    assert rows(report, "category") == {
        "service-complaint:attitude": (2, 1, 0),
        "service-complaint:product": (1, 1, None),
        "quality-claim:quality": (2, 2, 1),
        "power-supply:supply_quality": (1, 1, 1),
    }
    assert rows(report, "responsibility") == {"company": (1, 2, 0), "supplier": (1, 1, 1), "": (4, 2, 1)}
    # Company: A and C closed, both late; both are applicable, so "in time" is 0, not "—".
    company = next(r for r in report.breakdown("responsibility").rows if r.key == "company")
    assert (company.in_time, company.in_time_applicable) == (0, 2)
    assert rows(report, "unit") == {
        str(org.aftersales.pk): (1, 1, 0),
        str(org.other_dept.pk): (1, 1, 1),
        "": (4, 3, 1),
    }
    assert rows(report, "channel") == {"phone": (4, 4, 1), "letter": (1, 0, None), "hotline": (1, 1, 1)}

    february = monthly_report(user=org.admin, month=Month(2026, 2))
    assert (february.total.received, february.total.closed) == (2, 0)  # C and F
    april = monthly_report(user=org.admin, month=Month(2026, 4))
    assert april.total.received == 1  # E


def test_complaints_that_stood_and_did_not_stand(org, make_case):
    """Six complaints of the service rulebook around March 2026, worked out by hand:

    | case | received | concluded        | validity        | resolution clock |
    |------|----------|------------------|-----------------|------------------|
    | P    | 03-02    | closed 03-10     | established     | met              |
    | Q    | 03-03    | closed 03-20     | established     | missed           |
    | R    | 03-04    | closed 03-05     | not established | (stopped)        |
    | S    | 02-20    | archived, closed 03-01 | not established |            |
    | T    | 03-06    | open             | established     | running          |
    | U    | 03-07    | closed 04-02     | established     | met              |

    March: received P Q R T U = 5; closed (dealt with) P Q = 2, of which in time P = 1 and both have a
    resolution clock (applicable 2); stood P Q = 2 (T stood but is not closed, U closes in April);
    did not stand R S = 2, and neither of them is "closed within the month" like a resolved one.
    """

    def complaint(name, received, closed=None, status=CaseStatus.OPEN, validity="", clock=None):
        case = make_case("complaint", title=name, category="attitude")
        Case.objects.filter(pk=case.pk).update(received_at=received, closed_at=closed, status=status, validity=validity)
        if clock:
            Clock.objects.filter(case=case, resolution=True).update(status=clock, stopped_at=closed)
        return case

    closed, archived = CaseStatus.CLOSED, CaseStatus.ARCHIVED
    complaint("P", at(2026, 3, 2, 9), at(2026, 3, 10, 9), closed, "established", ClockStatus.MET)
    complaint("Q", at(2026, 3, 3, 9), at(2026, 3, 20, 9), closed, "established", ClockStatus.MISSED)
    complaint("R", at(2026, 3, 4, 9), at(2026, 3, 5, 9), closed, "not_established", ClockStatus.MET)
    complaint("S", at(2026, 2, 20, 9), at(2026, 3, 1, 9), archived, "not_established", ClockStatus.MET)
    complaint("T", at(2026, 3, 6, 9), validity="established")
    complaint("U", at(2026, 3, 7, 9), at(2026, 4, 2, 9), closed, "established", ClockStatus.MET)

    total = monthly_report(user=org.admin, month=MARCH).total
    assert (total.received, total.closed, total.in_time, total.in_time_applicable) == (5, 2, 1, 2)
    assert (total.established, total.not_established) == (2, 2)
    row = monthly_report(user=org.admin, month=MARCH).breakdown("case_type").rows[0]
    assert (row.key, row.received, row.closed, row.established, row.not_established) == (
        "service-complaint:complaint",
        5,
        2,
        2,
        2,
    )
    april = monthly_report(user=org.admin, month=Month(2026, 4)).total
    assert (april.received, april.closed, april.in_time, april.established, april.not_established) == (0, 1, 1, 1, 0)


def test_page_and_api_show_stood_and_did_not_stand(client, api, org, make_case):
    case = make_case("complaint")
    Case.objects.filter(pk=case.pk).update(
        received_at=at(2026, 3, 2, 9), closed_at=at(2026, 3, 3, 9), status="closed", validity="not_established"
    )
    client.force_login(org.admin)
    html = client.get("/reports/monthly/", {"month": "2026-03"}).content.decode()
    assert '<dd data-count="closed">0</dd>' in html and '<dd data-count="not_established">1</dd>' in html
    body = api(org.admin).get("/api/v1/reports/monthly/", {"month": "2026-03"}).json()
    assert body["month"] == "2026-03"
    assert body["total"] == {
        "received": 1,
        "closed": 0,
        "in_time": None,
        "in_time_applicable": 0,
        "established": 0,
        "not_established": 1,
    }
    assert [b["code"] for b in body["breakdowns"]] == ["case_type", "category", "unit", "responsibility", "channel"]
    assert body["breakdowns"][0]["rows"][0]["key"] == "service-complaint:complaint"
    assert api(org.admin).get("/api/v1/reports/monthly/", {"month": "2026-13"}).status_code == 400
    # Only what the person may see: the outsider's month is empty.
    assert api(org.outsider).get("/api/v1/reports/monthly/", {"month": "2026-03"}).json()["total"]["received"] == 0


def test_outsider_sees_zeros_and_a_unit_supervisor_only_their_unit(org, crafted):
    outsider = monthly_report(user=org.outsider, month=MARCH)
    assert (outsider.total.received, outsider.total.closed) == (0, 0)
    assert all(not b.rows for b in outsider.breakdowns)
    supervisor = monthly_report(user=org.outsider_supervisor, month=MARCH)
    assert (supervisor.total.received, supervisor.total.closed) == (1, 1)
    assert rows(supervisor, "case_type") == {"power-supply:complaint": (1, 1, 1)}


def test_page_shows_the_month(client, org, crafted):
    client.force_login(org.manager)
    response = client.get("/reports/monthly/", {"month": "2026-03"})
    assert response.status_code == 200
    assert response.context["report"].month == MARCH
    # The manager (售后部) sees A (routed to the unit); the others were received by 客服部.
    assert response.context["report"].total.received == 1
    html = response.content.decode()
    assert 'value="2026-03"' in html and "/reports/monthly.xlsx?month=2026-03" in html


def test_page_defaults_to_last_month_and_survives_a_bad_month(client, org):
    client.force_login(org.agent)
    response = client.get("/reports/monthly/")
    assert response.status_code == 200 and response.context["month"] == Month.last()
    response = client.get("/reports/monthly/", {"month": "garbage"})
    assert response.status_code == 200 and response.context["month"] == Month.last()


@pytest.mark.parametrize("url", ["/reports/monthly/", "/reports/monthly.xlsx"])
def test_anonymous_is_sent_to_login(client, db, url):
    response = client.get(url)
    assert response.status_code == 302
    assert "login" in response["Location"] and "next=" in response["Location"]


def test_xlsx_has_summary_and_one_sheet_per_breakdown(client, org, crafted):
    client.force_login(org.admin)
    response = client.get("/reports/monthly.xlsx", {"month": "2026-03"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "kefu-monthly-2026-03.xlsx" in response["Content-Disposition"]
    book = openpyxl.load_workbook(BytesIO(response.content))
    with translation.override("zh-hans"):
        expected = [
            gettext(t)
            for t in (
                "Summary",
                "By case type",
                "By category",
                "By responsible unit",
                "By responsibility",
                "By channel",
            )
        ]
        received, closed, in_time = gettext("Received"), gettext("Closed within the month"), gettext("Closed in time")
        stood, did_not_stand = gettext("Stood"), gettext("Did not stand")
    # The six fixed breakdowns, then one per choice form field of the month's case types (here the
    # quality-claim preset's 个人惩处种类; none was filled in, so all its cases count as "not filled in").
    assert book.sheetnames[:6] == expected
    # …and last the cases behind the figures (工单明细), one row each.
    [field_sheet, case_sheet] = book.sheetnames[6:]
    assert case_sheet == "工单"
    cases = list(book[case_sheet].iter_rows(min_row=2, values_only=True))
    # Received in March: A, B, D, G, H, I; concluded in March: also C (received in February) → 7.
    assert sorted(row[2] for row in cases) == ["A", "B", "C", "D", "G", "H", "I"]
    assert all(isinstance(row[9], dt.datetime) for row in cases)  # real dates, not text
    assert field_sheet.startswith("按个人惩处种类（客诉（质量异常））")
    assert [row[:2] for row in book[field_sheet].iter_rows(min_row=2, values_only=True)] == [("未填写", 2)]
    summary = {row[0]: row[1] for row in book[expected[0]].iter_rows(min_row=2, values_only=True)}
    assert (summary[received], summary[closed], summary[in_time]) == (6, 5, 2)
    sheet = book[expected[1]]
    assert sheet.freeze_panes == "A2" and all(cell.font.bold for cell in sheet[1])
    header = [c.value for c in sheet[1]]
    assert header[-7:] == [received, closed, in_time, "按时结案率（%）", stood, did_not_stand, "成立率（%）"]
    by_type = {row[:2]: row[2:] for row in sheet.iter_rows(min_row=2, values_only=True)}
    # Rates by hand: 1 of 2 closed in time = 50.0 %; 0 of 1 = 0.0 %; 1 of 1 = 100.0 %; the total
    # 2 in time of the 4 closed cases with a deadline = 50.0 %. No complaint was judged: no stood rate.
    assert by_type == {
        ("客诉处理程序（产品质量异常）", "客诉（质量异常）"): (2, 2, 1, 50.0, 0, 0, None),
        ("客户服务投诉管理制度", "投诉"): (2, 1, 0, 0.0, 0, 0, None),
        # No deadline clock for inquiries: empty cells, not "—", so the column stays numbers.
        ("客户服务投诉管理制度", "咨询"): (1, 1, None, None, 0, 0, None),
        ("客户投诉举报管理办法", "投诉"): (1, 1, 1, 100.0, 0, 0, None),
        (None, "合计"): (6, 5, 2, 50.0, 0, 0, None),
    }
    assert sheet.column_dimensions["B"].width >= 10


def _report_queries(user) -> int:
    with CaptureQueriesContext(connection) as ctx:
        monthly_report(user=user, month=MARCH)
    return len(ctx.captured_queries)


def test_query_count_does_not_grow_with_the_number_of_cases(org, make_case, django_assert_max_num_queries):
    def add(n: int) -> None:
        for i in range(n):
            case = make_case("complaint" if i % 2 else "inquiry", channel="phone" if i % 3 else "web")
            closed = at(2026, 3, 20) if i % 4 == 0 else None
            Case.objects.filter(pk=case.pk).update(
                received_at=at(2026, 3, 1 + i % 28), closed_at=closed, status="closed" if closed else "open"
            )

    add(5)
    monthly_report(user=org.manager, month=MARCH)  # warm the per-process rulebook cache
    # Two queries per breakdown on SQLite (received, closed; every choice field of the loaded presets is
    # a breakdown too: seven keys across the fifteen presets), two in all on PostgreSQL (GROUPING SETS,
    # each with its savepoint and work_mem setting), plus a few small reads. The bound grows with the
    # rulebooks' choice fields, never with the number of cases.
    choice_keys = {
        field.key
        for rulebook in active_rulebooks()
        for type_def in rulebook.active_version.doc.case_types.values()
        for field in type_def.fields
        if field.type == "choice"
    }
    bound = 12 if connection.vendor == "postgresql" else 14 + 2 * len(choice_keys)
    with django_assert_max_num_queries(bound):
        monthly_report(user=org.cs_supervisor, month=MARCH)
    few = _report_queries(org.cs_supervisor)
    add(45)
    with django_assert_max_num_queries(bound):
        report = monthly_report(user=org.cs_supervisor, month=MARCH)
    assert report.total.received == 50
    assert _report_queries(org.cs_supervisor) == few
