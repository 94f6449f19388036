"""001 篇8 律师事务所客户投诉管理制度, preset `law-firm-complaint`. 篇8 sets no deadlines ("及时"), so the
preset has no clocks; what it checks is who may decide and how the reply is given.

二(一) "被投诉人应当回避"; 二(二) "先由专门负责人出具书面意见,再由业务分管合伙人处理,如分管合伙人不在,则由主任或其他
合伙人处理。重大事项应由所务会议或合伙人会议讨论决定"; 二(四) "确定是否向相关管理部门通报";
二(七)5 "原则上要求采用书面形式回复意见".
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kefu.cases.models import Case
from kefu.cases.services import case_add_attachment
from kefu.core.exceptions import ApplicationError, ForbiddenError
from kefu.rulebooks.tests.presets.kit import register, sh, step

pytestmark = pytest.mark.django_db
KEY = "law-firm-complaint"
T0 = sh(2026, 3, 9, 10, 0)


def to_partner(org, customer, **kw):
    case = register(T0, org=org, customer=customer, rulebook=KEY, case_type="complaint", category="fees", **kw)
    case = step(case, T0, org.agent, "to_officer", unit=org.aftersales.pk, assignee=org.supervisor.pk)
    return step(
        case,
        sh(2026, 3, 10, 9, 0),
        org.supervisor,
        "written_opinion",
        cause="收费清单未列明",
        responsibility="company",
        comment="经核查委托合同与收费清单，建议退还差额并书面致歉。",
    )


def test_the_partner_complained_about_stands_aside_the_director_decides_and_replies_in_writing(
    org, customer, rulebooks
):
    """二(一): the complaint is about the partner in charge (manager): he neither sees nor decides it;
    二(二): the 主任 (general manager) decides in his place, with the written reply (二(七)5), which
    then needs the letter attached."""
    case = to_partner(org, customer, subject_person=org.manager)
    assert not Case.objects.visible_to(org.manager).filter(pk=case.pk).exists()
    with pytest.raises(ForbiddenError):
        step(case, sh(2026, 3, 10, 10, 0), org.manager, "decide", summary="自行处理", fields={"written_reply": True})
    case.refresh_from_db()
    with pytest.raises(ApplicationError) as refused:  # the form of the reply is decided with the opinion
        step(case, sh(2026, 3, 10, 10, 0), org.gm, "decide", summary="退还差额")
    assert "fields.written_reply" in refused.value.extra
    case.refresh_from_db()
    case = step(
        case, sh(2026, 3, 10, 10, 0), org.gm, "decide", summary="退还差额 1,200 元", fields={"written_reply": True}
    )
    with pytest.raises(ApplicationError):  # written reply: the letter must be attached
        step(case, sh(2026, 3, 11, 9, 0), org.supervisor, "reply_in_writing", reply="已书面回复")
    case.refresh_from_db()
    with pytest.raises(ApplicationError):  # and the other form is not offered
        step(case, sh(2026, 3, 11, 9, 0), org.supervisor, "reply_otherwise", reply="电话回复", comment="x")
    case.refresh_from_db()
    letter = case_add_attachment(case=case, actor=org.supervisor, file=SimpleUploadedFile("复函.pdf", b"%PDF reply"))
    case.refresh_from_db()
    case = step(
        case, sh(2026, 3, 11, 9, 0), org.supervisor, "reply_in_writing", reply="已寄送复函", attachment=letter.pk
    )
    case = step(case, sh(2026, 3, 12, 9, 0), org.agent, "satisfied", note="委托人对处理结果表示满意")
    assert case.status == "closed"


def test_a_major_matter_goes_to_the_partners_meeting_which_decides_on_notifying_the_authorities(
    org, customer, rulebooks
):
    """二(二), 二(四): a major matter cannot be decided by one partner; the meeting's decision records
    whether the authorities are notified. A reply in another form than writing states its reason."""
    case = to_partner(org, customer, severity="major", channel="authority")
    with pytest.raises(ApplicationError):
        step(case, sh(2026, 3, 10, 10, 0), org.manager, "decide", summary="x", fields={"written_reply": True})
    case.refresh_from_db()
    case = step(case, sh(2026, 3, 10, 10, 0), org.manager, "to_meeting")
    with pytest.raises(ApplicationError) as refused:
        step(
            case,
            sh(2026, 3, 13, 15, 0),
            org.gm,
            "meeting_decision",
            summary="合伙人会议决定",
            fields={"written_reply": False},
        )
    assert "fields.notify_authority" in refused.value.extra
    case.refresh_from_db()
    case = step(
        case,
        sh(2026, 3, 13, 15, 0),
        org.gm,
        "meeting_decision",
        summary="合伙人会议决定：向律师协会通报",
        fields={"written_reply": False, "notify_authority": True},
    )
    with pytest.raises(ApplicationError):  # another form than writing: say why
        step(case, sh(2026, 3, 16, 9, 0), org.supervisor, "reply_otherwise", reply="当面告知处理结果")
    case.refresh_from_db()
    case = step(
        case,
        sh(2026, 3, 16, 9, 0),
        org.supervisor,
        "reply_otherwise",
        reply="当面告知处理结果",
        comment="投诉人要求当面答复",
    )
    case = step(case, sh(2026, 3, 17, 9, 0), org.agent, "dissatisfied", comment="投诉人认为通报不足")
    assert case.stage == "partner_decision"
