"""001 篇9 员工投诉与举报, preset `staff-complaint`, on the 2026 calendar around 春节.

三(三) "公司设专职管理员负责员工投诉或举报的受理…原则上匿名投诉或举报不予接受"; 1. "管理员在接到相关投诉后,需在
两个工作日内根据具体情况判断是否属于投诉或举报范围"; 4. "调查组对于投诉或举报的调查,也必须以保密形式开展";
6. "调查组应做出完整的书面情况报告…均按保密文件封存"; 四 "由…执委会对调查结论做出最终处理意见".
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kefu.cases.models import Case
from kefu.cases.services import case_add_attachment
from kefu.core.exceptions import ApplicationError
from kefu.org.choices import Role
from kefu.org.models import User
from kefu.rulebooks.tests.presets.kit import clock, register, sh, step

pytestmark = pytest.mark.django_db
KEY = "staff-complaint"
T0 = sh(2026, 2, 13, 10, 0)  # Friday before 春节


@pytest.fixture
def officer(org):
    """The 专职管理员: an administrator by role, not a superuser."""
    return User.objects.create_user(username="hr_officer", password="pw-hr", role=Role.ADMINISTRATOR, unit=org.group)


def report(org, customer, officer, **kw):
    kw.setdefault("category", "corruption")
    return register(
        T0,
        org=org,
        customer=customer,
        rulebook=KEY,
        case_type="report",
        actor=officer,
        channel="visit",
        title="采购人员收受供应商回扣",
        subject_person=org.manager,
        **kw,
    )


def test_scope_within_two_working_days_and_sealed_from_everyone_else(org, customer, officer, rulebooks):
    """Received Fri 02-13 (day 0): Sat 02-14 (make-up) is day 1, 春节 02-15..02-23 does not count, Tue
    02-24 is day 2 → the scope decision is due 02-24 17:30. Sealed: the administrator, the general
    manager and the investigator see it; the deputy GM, a department's supervisor and the person
    reported (recusal) do not."""
    case = report(org, customer, officer)
    assert case.number == "YJ2602001"
    assert clock(case, "scope").deadline == sh(2026, 2, 24, 17, 30)
    case = step(case, sh(2026, 2, 24, 9, 0), officer, "accept", unit=org.gm_office.pk, assignee=org.quality.pk)
    assert clock(case, "scope").status == "met"

    def sees(user):
        return Case.objects.visible_to(user).filter(pk=case.pk).exists()

    assert sees(officer) and sees(org.gm) and sees(org.quality)
    assert not sees(org.deputy_gm) and not sees(org.supervisor) and not sees(org.manager) and not sees(org.agent)


def test_anonymous_reports_are_not_accepted(org, customer, officer, rulebooks):
    """三(三): anonymous in principle not accepted — `accept` is refused, `reject` records why."""
    case = report(org, customer, officer, is_anonymous=True)
    with pytest.raises(ApplicationError):
        step(case, T0, officer, "accept", unit=org.gm_office.pk, assignee=org.quality.pk)
    case.refresh_from_db()
    case = step(case, T0, officer, "reject", reason="匿名举报，原则上不予受理；请实名提供线索")
    assert case.stage == "out_of_scope" and case.status == "closed"


def test_written_report_then_the_committee_decides_and_the_complainant_is_told(org, customer, officer, rulebooks):
    """三(三)6: no report without the written report attached; 四: the committee (general manager)
    records whether it is substantiated; 三(三)5: the complainant is told the result."""
    case = report(org, customer, officer)
    case = step(case, sh(2026, 2, 14, 9, 0), officer, "accept", unit=org.gm_office.pk, assignee=org.quality.pk)
    with pytest.raises(ApplicationError):
        step(case, sh(2026, 3, 2, 9, 0), org.quality, "report", cause="查实收受回扣 2 万元", responsibility="company")
    case.refresh_from_db()
    written = case_add_attachment(case=case, actor=org.quality, file=SimpleUploadedFile("调查报告.pdf", b"%PDF report"))
    case.refresh_from_db()
    case = step(
        case,
        sh(2026, 3, 2, 9, 0),
        org.quality,
        "report",
        cause="查实收受回扣 2 万元",
        responsibility="company",
        attachment=written.pk,
    )
    with pytest.raises(ApplicationError) as refused:
        step(case, sh(2026, 3, 5, 9, 0), org.gm, "decide", summary="解除劳动合同")
    assert "fields.substantiated" in refused.value.extra
    case.refresh_from_db()
    case = step(
        case,
        sh(2026, 3, 5, 9, 0),
        org.gm,
        "decide",
        summary="属实，出具处理意见书：解除劳动合同",
        fields={"substantiated": True, "referred_to_judiciary": False},
    )
    case = step(case, sh(2026, 3, 5, 10, 0), officer, "notify_result", reply="您举报的事项经调查属实，已依规处理。")
    assert case.status == "closed" and case.fields["substantiated"] is True
