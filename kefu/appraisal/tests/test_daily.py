"""Daily work reports (篇3: 每日工作报告; D11: built from the records) and the supervisor's review."""

from datetime import timedelta

import pytest
from django.utils import timezone

from kefu.appraisal.services import daily_report_review, daily_report_submit
from kefu.core.exceptions import ApplicationError, ConflictError, ForbiddenError

pytestmark = pytest.mark.django_db


def test_report_with_the_days_figures_reviewed_once_by_the_units_supervisor(org, make_case, client):
    """The agent registered two cases today: the report stores received 2 (and the two registrations as
    steps). 客服部's supervisor reviews it; 宁波's supervisor and the agent cannot; after the review the
    agent can no longer rewrite it."""
    make_case(actor=org.agent)
    make_case(actor=org.agent)
    today = timezone.localdate()
    report = daily_report_submit(person=org.agent, day=today, text="受理来电 2 个，均已登记")
    assert report.figures == {"received": 2, "closed": 0, "steps": 2}
    report = daily_report_submit(person=org.agent, day=today, text="受理来电 2 个，均已登记；跟进王先生投诉")
    assert report.text.endswith("跟进王先生投诉")
    with pytest.raises(ApplicationError):
        daily_report_submit(person=org.agent, day=today + timedelta(days=1), text="明天的")
    for who in (org.agent, org.outsider_supervisor, org.supervisor):
        with pytest.raises(ForbiddenError):
            daily_report_review(report=report, actor=who, review="好")
    daily_report_review(report=report, actor=org.cs_supervisor, review="跟进及时")
    with pytest.raises(ConflictError):
        daily_report_review(report=report, actor=org.gm, review="再审")
    with pytest.raises(ConflictError):
        daily_report_submit(person=org.agent, day=today, text="改一下")

    client.force_login(org.agent)
    page = client.get("/appraisal/daily/").content.decode()
    assert "跟进及时" in page
