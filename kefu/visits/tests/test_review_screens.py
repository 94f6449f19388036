"""The report and review screens through the test client: the handler submits the report of a visit
made today, the 售后部 supervisor finds it on /visits/review/, sends it back with a comment, the handler
submits again, the supervisor approves and then flags the visit; the other city's supervisor sees none
of it (seed-002 Doc 1 4.4–4.5)."""

import pytest
from django.utils import timezone

from kefu.visits.choices import ReportStatus
from kefu.visits.models import VisitFlag, VisitReport
from kefu.visits.services import visit_record, visit_schedule

pytestmark = pytest.mark.django_db


@pytest.fixture
def made(org, customer, visits_rulebook):
    task = visit_schedule(
        actor=org.handler,
        customer=customer,
        visitor=org.handler,
        due_date=timezone.localdate(),
        purpose="usage",
        questionnaire="d6",
    )
    visit_record(
        task=task,
        actor=org.handler,
        expected_version=1,
        answers={"solved": "yes", "attitude": "一般", "charged": "no", "score": 7},
        summary="客户说维修工来得有点晚。",
    )
    task.refresh_from_db()
    return task


def test_submit_review_send_back_approve_and_flag(client, org, made):
    client.force_login(org.handler)
    page = client.get(f"/visits/{made.pk}/").content.decode()
    tomorrow = (timezone.localdate() + timezone.timedelta(days=1)).isoformat()
    assert "提交回访报告" in page and tomorrow in page  # the report is due the next day
    client.post(f"/visits/{made.pk}/report/", {"summary": "回访完成，客户基本满意。", "version": made.version})
    report = VisitReport.objects.get(task=made)
    assert report.status == ReportStatus.SUBMITTED

    client.force_login(org.outsider_supervisor)
    assert "回访完成，客户基本满意。" not in client.get("/visits/review/").content.decode()

    client.force_login(org.supervisor)
    review = client.get("/visits/review/").content.decode()
    assert "回访完成，客户基本满意。" in review and "王建国" in review
    made.refresh_from_db()
    prefix = f"r{made.pk}"
    answer = client.post(
        f"/visits/{made.pk}/review/",
        {f"{prefix}-decision": "return", f"{prefix}-comment": "请写明迟到多久。", f"{prefix}-version": made.version},
        follow=True,
    )
    assert "已退回" in answer.content.decode()
    report.refresh_from_db()
    assert (report.status, report.review_comment) == (ReportStatus.RETURNED, "请写明迟到多久。")

    client.force_login(org.handler)
    page = client.get(f"/visits/{made.pk}/").content.decode()
    assert "请写明迟到多久。" in page
    made.refresh_from_db()
    client.post(
        f"/visits/{made.pk}/report/", {"summary": "维修工迟到约 40 分钟，客户基本满意。", "version": made.version}
    )

    client.force_login(org.supervisor)
    made.refresh_from_db()
    client.post(
        f"/visits/{made.pk}/review/",
        {f"{prefix}-decision": "approve", f"{prefix}-comment": "", f"{prefix}-version": made.version},
    )
    report.refresh_from_db()
    assert report.status == ReportStatus.APPROVED
    assert "No report is waiting" not in client.get("/visits/review/").content.decode()  # shown in Chinese
    made.refresh_from_db()
    client.post(
        f"/visits/{made.pk}/flag/",
        {"kind": "falsified", "reason": "客户称未接到回访电话。", "version": made.version},
    )
    assert VisitFlag.objects.get(task=made).person == org.handler
    assert "客户称未接到回访电话。" in client.get(f"/visits/{made.pk}/").content.decode()


def test_the_visitor_cannot_review_or_flag_their_own_visit(client, org, made):
    client.force_login(org.handler)
    page = client.get(f"/visits/{made.pk}/").content.decode()
    assert f'action="/visits/{made.pk}/flag/"' not in page
    client.post(f"/visits/{made.pk}/flag/", {"kind": "falsified", "reason": "x", "version": made.version})
    assert not VisitFlag.objects.exists()
