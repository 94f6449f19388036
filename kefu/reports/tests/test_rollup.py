"""The monthly statistics rollup (issue 10): organisation-wide readers read the worker's counts, and
get exactly the figures the live count gives them — never a case they may not see."""

import datetime as dt
from io import BytesIO
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from kefu.cases.changes import case_lock, case_record_change
from kefu.cases.choices import CaseStatus, EventKind
from kefu.cases.models import Case, CaseEvent, CaseSupervisor, sealed_against_q
from kefu.cases.services import case_reopen
from kefu.reports.counting import Month
from kefu.reports.grouping import COUNT_NAMES
from kefu.reports.models import MonthlyCount, ReportRollupState
from kefu.reports.rollup import reports_refresh
from kefu.reports.selectors import monthly_report
from kefu.reports.tasks import reports_refresh_task
from kefu.sla.choices import ClockStatus
from kefu.sla.models import Clock

SH = ZoneInfo("Asia/Shanghai")
FEBRUARY, MARCH, APRIL = Month(2026, 2), Month(2026, 3), Month(2026, 4)
MONTHS = (FEBRUARY, MARCH, APRIL)


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SH)


@pytest.fixture
def world(org, make_case):
    """March 2026 around the leadership: a complaint about the general manager, sealed staff
    complaints (only the administrator and the GM may read them, and the people assigned), two units
    called 售后部 in different cities, quality claims with a choice field, one received in March and
    closed in April, one received in February and closed in March."""

    def case(name, case_type="complaint", *, received, closed=None, clock=None, rulebook=None, **values):
        extra = {"rulebook_key": rulebook} if rulebook else {}
        if rulebook == "quality-claim":
            extra["category"] = "quality"
        if rulebook == "staff-complaint":
            extra["category"] = "pay"
        subject = values.pop("subject_person", None)
        created = make_case(case_type, title=name, subject_person=subject, **extra)
        Case.objects.filter(pk=created.pk).update(
            received_at=received,
            closed_at=closed,
            status=CaseStatus.CLOSED if closed else CaseStatus.OPEN,
            **values,
        )
        if clock:
            Clock.objects.filter(case=created, resolution=True).update(status=clock, stopped_at=closed)
        return created

    return {
        "hz": case(
            "杭州售后",
            received=at(2026, 3, 5, 10),
            closed=at(2026, 3, 10, 9),
            clock=ClockStatus.MET,
            responsible_unit=org.aftersales,
            validity="established",
        ),
        "nb": case("宁波售后", received=at(2026, 3, 6, 9), responsible_unit=org.other_aftersales, channel="web"),
        "late": case(
            "二月到三月",
            "quality_claim",
            rulebook="quality-claim",
            received=at(2026, 2, 20, 9),
            closed=at(2026, 3, 3, 9),
            clock=ClockStatus.MISSED,
            responsibility="company",
            fields={"penalty_type": "bonus"},
        ),
        "spans": case(
            "三月到四月",
            "quality_claim",
            rulebook="quality-claim",
            received=at(2026, 3, 28, 9),
            closed=at(2026, 4, 2, 9),
            clock=ClockStatus.MET,
            fields={"penalty_type": "none"},
            responsible_unit=org.aftersales,
        ),
        "about_gm": case(
            "投诉总经理", received=at(2026, 3, 7, 9), subject_person=org.gm, responsible_unit=org.gm_office
        ),
        "sealed": case("员工投诉", rulebook="staff-complaint", received=at(2026, 3, 8, 9)),
        "sealed_assigned": case(
            "员工举报（副总调查）", rulebook="staff-complaint", received=at(2026, 3, 9, 9), assignee=org.deputy_gm
        ),
        "sealed_about_gm": case(
            "员工举报总经理",
            rulebook="staff-complaint",
            received=at(2026, 3, 10, 9),
            closed=at(2026, 3, 20, 9),
            subject_person=org.gm,
        ),
    }


def table(report) -> dict:
    """Everything the page shows: the total and every row of every breakdown, in order."""

    def counts(row):
        return (row.received, row.closed, row.in_time, row.in_time_applicable, row.established, row.not_established)

    out = {"total": counts(report.total)}
    for b in report.breakdowns:
        out[b.code] = [(r.key, r.label, r.group, *counts(r)) for r in b.rows]
        out[b.code + ":total"] = counts(b.total) if b.total else None
    return out


def readers(org):
    return [org.gm, org.deputy_gm, org.quality, org.admin]


def test_rollup_report_equals_the_live_report_for_every_organisation_wide_reader(org, world):
    live = {(u.username, m): table(monthly_report(user=u, month=m)) for u in readers(org) for m in MONTHS}
    assert all(monthly_report(user=org.gm, month=m).counted_at is None for m in MONTHS)  # never refreshed: live

    done = reports_refresh()
    assert done.full and {FEBRUARY, MARCH, APRIL} <= set(done.months)
    for user in readers(org):
        for month in MONTHS:
            report = monthly_report(user=user, month=month)
            assert report.counted_at is not None, (user.username, month)
            assert table(report) == live[(user.username, month)], (user.username, month)


def test_what_each_reader_does_not_count(org, world):
    reports_refresh()
    received = {u.username: monthly_report(user=u, month=MARCH).total.received for u in readers(org)}
    # March receipts: 杭州售后, 宁波售后, 三月到四月, 投诉总经理 and three sealed staff complaints = 7.
    assert received["admin"] == 7
    # The GM reads sealed staff complaints, but never a case about himself (two of them).
    assert received["gm"] == 5
    # The deputy GM may not read sealed staff complaints, except the one he investigates.
    assert received["deputy_gm"] == 5
    # Quality: no sealed case at all.
    assert received["quality"] == 4
    by_type = {r.key for r in monthly_report(user=org.quality, month=MARCH).breakdown("case_type").rows}
    assert not any(key.startswith("staff-complaint:") for key in by_type)
    units = {r.key: (r.label, r.received) for r in monthly_report(user=org.gm, month=MARCH).breakdown("unit").rows}
    assert units[str(org.aftersales.pk)] == ("华东分公司 / 杭州公司 / 售后部", 2)
    assert units[str(org.other_aftersales.pk)] == ("华东分公司 / 宁波公司 / 售后部", 1)
    assert str(org.gm_office.pk) not in units  # the only case of the GM's office is about him
    # A supervisor added to a sealed case (督办) reads it: the deputy GM now counts one more.
    CaseSupervisor.objects.create(case=world["sealed"], user=org.deputy_gm, reason="督办")
    assert monthly_report(user=org.deputy_gm, month=MARCH).total.received == 6


def test_a_change_shows_after_the_next_refresh_for_its_months_only(org, world):
    reports_refresh()
    # The world was registered an hour before that refresh (the refresh re-reads a few minutes of
    # events before its last run, in case a transaction committed late).
    CaseEvent.objects.update(created_at=F("created_at") - dt.timedelta(hours=1))
    before = table(monthly_report(user=org.gm, month=MARCH))
    rows_before = set(MonthlyCount.objects.values_list("pk", "month", *COUNT_NAMES))

    again = reports_refresh()  # nothing changed since
    assert (again.full, again.months, again.written) == (False, [], 0)
    assert set(MonthlyCount.objects.values_list("pk", "month", *COUNT_NAMES)) == rows_before

    # 宁波售后 comes in by phone after all: recorded through the change API, like any app would.
    case = case_lock(world["nb"].pk, expected_version=None)
    case.channel = "phone"
    case_record_change(case, actor=org.admin, kind=EventKind.ACTIVITY, fields=["channel"], message="渠道更正")
    # Until the worker runs, the GM reads the counts of the last refresh (and is told when they are from).
    assert table(monthly_report(user=org.gm, month=MARCH)) == before
    done = reports_refresh()
    assert done.months == [MARCH] and done.written > 0
    # Rows of other months are untouched; so is a refresh right after (its re-read recounts March, writes nothing).
    after = set(MonthlyCount.objects.values_list("pk", "month", *COUNT_NAMES))
    assert {r for r in after if r[1] != MARCH.first_day} == {r for r in rows_before if r[1] != MARCH.first_day}
    assert reports_refresh().written == 0
    channels = {r.key: r.received for r in monthly_report(user=org.gm, month=MARCH).breakdown("channel").rows}
    assert channels == {"phone": 5}
    assert monthly_report(user=org.gm, month=MARCH).counted_at > timezone.now() - dt.timedelta(minutes=1)


def test_reopening_recounts_the_month_the_case_had_been_closed_in(org, world):
    late = world["late"]  # received in February, closed on 3 March
    # A real close writes its event; the crafted dates above have none, so give this case one.
    case = case_lock(late.pk, expected_version=None)
    case_record_change(case, actor=org.admin, kind=EventKind.TRANSITION, fields=["status"], message="结案")
    Case.objects.filter(pk=late.pk).update(closed_at=timezone.now())  # the close, as the engine stamps it
    reports_refresh()
    closed_month = Month.of(Case.objects.get(pk=late.pk).closed_at)
    assert monthly_report(user=org.gm, month=closed_month).total.closed == 1

    case_reopen(case=Case.objects.get(pk=late.pk), actor=org.admin, expected_version=None, reason="客户不认可")
    done = reports_refresh()
    assert closed_month in done.months and FEBRUARY in done.months
    assert monthly_report(user=org.gm, month=closed_month).total.closed == 0


def test_a_supervisor_reads_live_and_the_same_figures(org, world):
    supervisor_before = table(monthly_report(user=org.supervisor, month=MARCH))
    reports_refresh()
    report = monthly_report(user=org.supervisor, month=MARCH)
    assert report.counted_at is None
    assert table(report) == supervisor_before
    assert report.total.received == 2  # 杭州 售后部's own: 杭州售后, 三月到四月


def test_new_choice_fields_send_readers_live_until_the_next_full_refresh(org, world, v2_rulebook):
    # v2_rulebook was loaded with the fixtures; refresh now, then load a rulebook version the signature lacks.
    reports_refresh()
    assert monthly_report(user=org.gm, month=MARCH).counted_at is not None
    ReportRollupState.objects.update(signature="an older set of dimensions")
    assert monthly_report(user=org.gm, month=MARCH).counted_at is None  # live until the worker recounts
    assert reports_refresh().full
    assert monthly_report(user=org.gm, month=MARCH).counted_at is not None


def test_a_new_organisation_wide_reader_is_counted_live_until_refreshed(org, world):
    reports_refresh()
    # The handler is promoted to quality: the rollup has no partition of the cases about him yet.
    org.handler.role = "quality"
    org.handler.save(update_fields=["role"])
    assert monthly_report(user=org.handler, month=MARCH).counted_at is None
    assert reports_refresh().full
    assert monthly_report(user=org.handler, month=MARCH).counted_at is not None


def test_page_api_and_command_say_how_fresh(client, api, org, world):
    out = __import__("io").StringIO()
    call_command("reports", "refresh", stdout=out)
    assert "full refresh" in out.getvalue() and "2026-03" in out.getvalue()
    assert reports_refresh_task() == 0  # the beat's task, right after: nothing changed, nothing written
    counted = timezone.localtime(ReportRollupState.objects.get().refreshed_at)

    client.force_login(org.gm)
    with translation.override("zh-hans"):
        html = client.get("/reports/monthly/", {"month": "2026-03"}, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert f"统计截至 {counted:%Y-%m-%d %H:%M}（每 10 分钟更新）" in html
    client.force_login(org.supervisor)
    with translation.override("zh-hans"):
        html = client.get("/reports/monthly/", {"month": "2026-03"}, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "实时统计" in html and "统计截至" not in html

    body = api(org.gm).get("/api/v1/reports/monthly/", {"month": "2026-03"}).json()
    assert body["counted_at"] is not None and body["total"]["received"] == 5
    assert api(org.supervisor).get("/api/v1/reports/monthly/", {"month": "2026-03"}).json()["counted_at"] is None
    client.force_login(org.gm)
    book = openpyxl.load_workbook(BytesIO(client.get("/reports/monthly.xlsx", {"month": "2026-03"}).content))
    summary = {row[0]: row[1] for row in book["汇总"].iter_rows(min_row=2, values_only=True)}
    assert (summary["统计截至"], summary["受理数"]) == (f"{counted:%Y-%m-%d %H:%M}", 5)


@pytest.mark.postgres
def test_what_is_taken_off_or_added_back_is_found_on_the_sealed_partial_index(org, world):
    """The deputy GM's sealed cases (added back live) are read from the partial index on sealed cases'
    dates, not from the month's rows (the planner is told not to scan, to show the index applies)."""
    qs = Case.objects.visible_to(org.deputy_gm).filter(sealed_against_q(org.deputy_gm.role))
    for column, index in (("received_at", "case_sealed_recv"), ("closed_at", "case_sealed_closed")):
        month = qs.filter(**{f"{column}__gte": MARCH.start, f"{column}__lt": MARCH.end})
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            plan = month.explain()
        assert index in plan, plan


def test_choice_and_multi_choice_fields_from_the_rollup_equal_the_live_ones(org, make_case, v2_rulebook):
    """The format-v2 quality claim has a choice field (罚扣类别) and a multi-choice one (不良类型, a
    case counts under each option it has); one claim is about the GM."""
    made = [
        ("fine", ["size", "surface"], None, at(2026, 3, 2, 9), at(2026, 3, 12, 9)),
        ("fine", ["size"], None, at(2026, 3, 3, 9), at(2026, 4, 1, 9)),
        ("bonus_cut", ["function"], org.gm, at(2026, 3, 4, 9), None),
        (None, ["size"], None, at(2026, 2, 27, 9), at(2026, 3, 1, 9)),
    ]
    for penalty, defects, subject, received, closed in made:
        values = {"order_no": "SO-1", "defects": defects} | ({"penalty": penalty} if penalty else {})
        case = make_case(
            "quality_claim",
            rulebook_key="format-v2",
            category="quality",
            channel="hotline",
            fields=values,
            subject_person=subject,
        )
        Case.objects.filter(pk=case.pk).update(
            received_at=received, closed_at=closed, status=CaseStatus.CLOSED if closed else CaseStatus.OPEN
        )
    live = {(u.username, m): table(monthly_report(user=u, month=m)) for u in readers(org) for m in MONTHS}
    reports_refresh()
    for user in readers(org):
        for month in MONTHS:
            report = monthly_report(user=user, month=month)
            assert report.counted_at is not None
            assert table(report) == live[(user.username, month)], (user.username, month)
    defects = monthly_report(user=org.gm, month=MARCH).breakdown("field:format-v2:quality_claim:defects")
    # The claim about the GM (功能) is not his to count.
    assert [(r.label, r.received, r.closed) for r in defects.rows] == [("尺寸", 2, 2), ("外观", 1, 1)]


def test_the_gms_report_from_the_rollup_costs_the_same_for_more_cases(org, world, make_case):
    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            report = monthly_report(user=org.gm, month=MARCH)
        assert report.counted_at is not None
        return len(ctx.captured_queries)

    reports_refresh()
    monthly_report(user=org.gm, month=MARCH)  # warm the per-process rulebook cache
    few = queries()
    for day in range(1, 21):
        case = make_case("complaint", channel="web" if day % 2 else "phone")
        Case.objects.filter(pk=case.pk).update(received_at=at(2026, 3, day, 9), responsible_unit=org.other_aftersales)
    reports_refresh(full=True)  # the dates above were set in SQL, without history: what --full is for
    assert queries() == few
    assert monthly_report(user=org.gm, month=MARCH).total.received == 25


def test_the_demo_ends_with_a_full_refresh(org, world):
    from django.apps import apps

    said = []
    apps.get_app_config("reports").make_demo(None, rng=None, log=said.append)
    assert said and "monthly statistics rollup" in said[0]
    assert monthly_report(user=org.gm, month=MARCH).counted_at is not None
