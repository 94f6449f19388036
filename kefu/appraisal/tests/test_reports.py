"""Scheduled reports of the default rulebook (service-complaint `appraisal.reports`): which are due
on which day (篇11 weekly on Friday, 篇9 statistics before the 10th, 篇11 bulletin before the 20th,
half-yearly and annual), made once, mailed after commit with a link, PDF and Excel with the figures."""

from datetime import date, datetime
from io import BytesIO

import pytest
from django.core import mail
from django.utils import timezone

from kefu.appraisal.models import StoredReport
from kefu.appraisal.schedule import due_on, owed
from kefu.appraisal.services.reports import reports_generate_due
from kefu.appraisal.services.rules import appraisal_rules
from kefu.cases.choices import CaseStatus
from kefu.cases.models import Case

pytestmark = pytest.mark.django_db


def reports():
    return {r.code: r for r in appraisal_rules()[1].reports}


def test_which_reports_are_due_on_which_day(rulebooks):
    """2026-12-04 is a Friday: the weekly report (篇11 每周五) covers Friday 27 Nov to Thursday 3 Dec.
    The monthly statistics (篇9 每月10日前) are made on the 5th for November; the supervision report
    on the 1st (month end); the bulletin on the 15th (篇11 20日前). The half-year report of January to
    June on 10 July, of July to December on 10 January, with the annual report."""
    defs = reports()
    friday = date(2026, 12, 4)
    due = {code for code, d in defs.items() if due_on(d, friday)}
    assert due == {"daily", "weekly"}
    assert owed(defs["weekly"], friday)[1:] == (date(2026, 11, 27), date(2026, 12, 3))
    assert {c for c, d in defs.items() if due_on(d, date(2026, 12, 5))} == {"daily", "monthly_statistics"}
    assert owed(defs["monthly_statistics"], date(2026, 12, 5))[1:] == (date(2026, 11, 1), date(2026, 11, 30))
    assert {c for c, d in defs.items() if due_on(d, date(2026, 12, 1))} == {"daily", "monthly_supervision"}
    assert {c for c, d in defs.items() if due_on(d, date(2026, 12, 15))} == {"daily", "bulletin"}
    assert owed(defs["half_year"], date(2026, 7, 10))[1:] == (date(2026, 1, 1), date(2026, 6, 30))
    assert {c for c, d in defs.items() if due_on(d, date(2027, 1, 10))} == {"daily", "half_year", "annual"}
    assert owed(defs["half_year"], date(2027, 1, 10))[1:] == (date(2026, 7, 1), date(2026, 12, 31))
    assert owed(defs["annual"], date(2027, 1, 10))[1:] == (date(2026, 1, 1), date(2026, 12, 31))
    # A worker that did not run on the 5th still owes November's statistics on the 8th (before the 10th).
    assert owed(defs["monthly_statistics"], date(2026, 12, 8)).start == date(2026, 11, 1)


@pytest.fixture
def november_cases(org, make_case):
    """Three complaints received in November at 客服部, two closed."""
    cases = [make_case(actor=org.agent) for _ in range(3)]
    received = timezone.make_aware(datetime(2026, 11, 12, 9))
    Case.objects.filter(pk__in=[c.pk for c in cases]).update(received_at=received)
    Case.objects.filter(pk__in=[c.pk for c in cases[:2]]).update(
        status=CaseStatus.CLOSED, closed_at=timezone.make_aware(datetime(2026, 11, 20, 9))
    )
    return cases


def test_made_once_and_mailed_after_commit_with_the_link(
    org, november_cases, settings, django_capture_on_commit_callbacks
):
    """On 5 December the monthly statistics of November are made for the organisation and mailed to
    the managers, the GM and quality with an absolute link; a second run (a killed worker run again)
    makes and mails nothing more."""
    settings.KEFU_SITE_URL = "https://kefu.example.com"
    with django_capture_on_commit_callbacks(execute=True):
        made = reports_generate_due(today=date(2026, 12, 5))
    # The first run catches up every report owed by that day (the worker had never run).
    assert sorted(r.code for r in made) == [
        "annual",
        "bulletin",
        "daily",
        "half_year",
        "monthly_statistics",
        "monthly_supervision",
        "weekly",
    ]
    report = StoredReport.objects.get(code="monthly_statistics")
    assert (report.period_start, report.period_end, report.unit) == (date(2026, 11, 1), date(2026, 11, 30), org.group)
    assert report.data["statistics"] == [
        {"unit": "客服部", "received": 3, "closed": 2, "clocks": 0, "met": 0, "rate": "", "breaches": 0}
    ]
    statistics_mail = next(m for m in mail.outbox if "月度投诉统计" in m.subject)
    assert sorted(statistics_mail.to) == ["gm@example.com", "manager@example.com", "quality@example.com"]
    assert f"https://kefu.example.com/appraisal/reports/{report.pk}/" in statistics_mail.body
    sent = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        again = reports_generate_due(today=date(2026, 12, 5))
    assert again == []
    assert StoredReport.objects.filter(code="monthly_statistics").count() == 1
    assert len(mail.outbox) == sent


def test_pdf_shows_chinese_and_excel_has_the_figures(org, november_cases, django_capture_on_commit_callbacks):
    from openpyxl import load_workbook
    from pypdf import PdfReader

    with django_capture_on_commit_callbacks(execute=True):
        reports_generate_due(today=date(2026, 12, 5))
    report = StoredReport.objects.get(code="monthly_statistics")
    pdf = report.pdf.open("rb").read()
    import hashlib

    assert hashlib.sha256(pdf).hexdigest() == report.pdf_sha256
    reader = PdfReader(BytesIO(pdf))
    text = "".join(page.extract_text() for page in reader.pages)
    assert "月度投诉统计" in text and "客服部" in text
    assert b"/STSong-Light" in pdf  # the built-in CID font: no font file shipped
    assert len(reader.pages) == 1
    sheet = load_workbook(BytesIO(report.xlsx.open("rb").read())).worksheets[0]  # the statistics
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[2][:3] == ("客服部", 3, 2)


def test_reports_page_lists_and_downloads_for_the_gm_only_what_they_may_see(
    org, november_cases, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        reports_generate_due(today=date(2026, 12, 5))
    report = StoredReport.objects.get(code="monthly_statistics")
    client.force_login(org.gm)
    page = client.get("/appraisal/reports/")
    assert "月度投诉统计" in page.content.decode()
    pdf = client.get(f"/appraisal/reports/{report.pk}/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    detail = client.get(f"/appraisal/reports/{report.pk}/")
    assert "客服部" in detail.content.decode()
    client.force_login(org.agent)  # an agent is no recipient and sees no unit's reports
    assert client.get(f"/appraisal/reports/{report.pk}/xlsx/").status_code == 404
