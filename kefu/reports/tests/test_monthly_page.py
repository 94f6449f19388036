"""The monthly page as people read it (issue 7): no developer wording, rates and totals, unit paths,
English labels in English, and the charts' data."""

import json
import re

import pytest
from django.utils import translation

from kefu.reports.tests.test_monthly import MARCH, crafted  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def _page(client, user, language="zh-hans"):
    client.force_login(user)
    client.cookies["django_language"] = language
    with translation.override(language):
        return client.get("/reports/monthly/", {"month": str(MARCH)}, HTTP_ACCEPT_LANGUAGE=language).content.decode()


def test_page_has_rates_totals_and_unit_paths_without_developer_wording(client, org, crafted):  # noqa: F811
    """March for the administrator: 6 received, 5 closed, 2 of the 4 closed cases with a deadline closed in
    time → 50.0 %. The unit breakdown names 华东分公司 / 杭州公司 / 售后部, not a bare 售后部."""
    html = _page(client, org.admin)
    assert "close_within_days" not in html and "—where" not in html
    assert '<dd data-count="in_time_rate">50.0%</dd>' in html
    assert "华东分公司 / 杭州公司 / 售后部" in html
    assert html.count('class="total-row"') == 5  # one total row per breakdown that adds up
    data = json.loads(re.search(r'id="report-chart-data"[^>]*>(.*?)</script>', html, re.S).group(1))
    assert sum(r["received"] for r in data["type"]) == 6
    assert {r["label"] for r in data["unit"]} >= {"华东分公司 / 杭州公司 / 售后部"}


def test_english_readers_get_english_labels(client, org, crafted):  # noqa: F811
    html = _page(client, org.admin, "en")
    table = html.split('id="case_type"')[1].split("</table>")[0]
    assert "Complaint" in table and "Inquiry" in table
    assert "咨询" not in table
