"""The GM opens the appraisal dashboard (charts drawn, zero axe-core violations, also at 390 px),
downloads November's scorecards as Excel from the scorecards page, and downloads the monthly
complaint statistics (篇9) the worker made, as PDF from the reports page."""

import os
from datetime import date, timedelta
from io import BytesIO
from pathlib import Path

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from tests.browser.support import axe_violations, chromium_page

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

SCREENSHOT = Path("/tmp/kefu-appraisal-dashboard.png")

pytestmark = [pytest.mark.browser]


def test_gm_opens_the_dashboard_and_downloads_the_monthly_scorecards(
    live_server, transactional_db, org, rulebooks, make_case, tmp_path
):
    from kefu.appraisal.measures import Period
    from kefu.appraisal.services import scorecard_compute
    from kefu.appraisal.services.rollups import rollup_refresh
    from kefu.sla.choices import ClockStatus
    from kefu.sla.models import Clock

    # 客服部: four cases, three deadlines met and one missed → 75 %; the GM computes November.
    cases = [make_case(actor=org.agent) for _ in range(4)]
    for i, case in enumerate(cases):
        clock = Clock.objects.filter(case=case).order_by("pk").first()
        Clock.objects.filter(pk=clock.pk).update(
            status=ClockStatus.MET if i < 3 else ClockStatus.MISSED, stopped_at=clock.started_at
        )
    rollup_refresh()
    run = scorecard_compute(period=Period.of("month", date(2026, 11, 1)), unit=org.service, actor=org.gm)
    month = f"{timezone.localdate():%Y-%m}"
    # The worker on the 5th of next month makes this month's statistics (and the other reports owed).
    from kefu.appraisal.services.reports import reports_generate_due

    fifth = (timezone.localdate().replace(day=28) + timedelta(days=4)).replace(day=5)
    reports_generate_due(today=fifth)

    with chromium_page(width=1300, height=1000) as page:
        base = live_server.url
        page.goto(f"{base}/login/")
        page.fill("#id_username", "gm")
        page.fill("#id_password", "pw-gm")
        page.click(".login-card button[type=submit]")
        page.wait_for_selector("h1")
        page.goto(f"{base}/appraisal/")
        page.wait_for_selector("h1:has-text('组织概况')")
        page.wait_for_selector("#ap-trend svg")
        page.wait_for_selector("#ap-ranking svg")
        row = page.locator(f"tr:has(td:text-is('{month}'))")
        assert "75.0%" in row.inner_text()
        page.screenshot(path=str(SCREENSHOT), full_page=True)
        assert axe_violations(page) == []
        page.set_viewport_size({"width": 390, "height": 844})
        page.reload()
        page.wait_for_selector("#ap-trend svg")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        assert axe_violations(page) == []

        page.set_viewport_size({"width": 1300, "height": 1000})
        page.goto(f"{base}/appraisal/scorecards/{run.pk}/")
        assert axe_violations(page) == []
        with page.expect_download() as download:
            page.click("a:has-text('下载 Excel')")
        saved = tmp_path / download.value.suggested_filename
        download.value.save_as(saved)

        page.goto(f"{base}/appraisal/reports/")
        page.click("a:has-text('月度投诉统计')")
        page.wait_for_selector("h1:has-text('月度投诉统计')")
        assert "客服部" in page.locator("table").first.inner_text()
        assert axe_violations(page) == []
        with page.expect_download() as pdf_download:
            page.click("a:has-text('下载 PDF')")
        pdf_path = tmp_path / pdf_download.value.suggested_filename
        pdf_download.value.save_as(pdf_path)
    from pypdf import PdfReader

    text = "".join(p.extract_text() for p in PdfReader(BytesIO(pdf_path.read_bytes())).pages)
    assert pdf_path.name.startswith("kefu-monthly_statistics-") and "月度投诉统计" in text and "客服部" in text
    assert saved.name == "kefu-scorecards-2026-11.xlsx"
    rows = list(load_workbook(saved).active.iter_rows(values_only=True))
    assert rows[0][:4] == ("名次", "人员", "部门", "得分")
    assert {r[1] for r in rows[1:] if r[1]} == {str(org.agent), str(org.agent2)}
