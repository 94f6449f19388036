"""Form fields and the other format-v2 parts on the screens: intake, case page, transitions that require
input, promised times, queue filters, the Excel export and the monthly report (in Chinese)."""

import datetime as dt
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from kefu.cases.choices import EventKind
from kefu.cases.models import Case
from kefu.cases.services import case_register, case_transition, case_update_fields
from kefu.sla.models import Clock

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def register(org, customer, **fields) -> Case:
    case, _ = case_register(
        actor=org.agent,
        rulebook_key="format-v2",
        case_type="quality_claim",
        category="quality",
        channel="hotline",
        customer=customer,
        title="端子尺寸超差",
        description="来料检验不合格。",
        fields={"order_no": "SO-1", **fields},
    )
    return case


def step(case, name, actor, **data):
    return case_transition(case=case, actor=actor, transition=name, expected_version=case.version, data=data)


def intake_post(customer, **extra):
    data = {
        "customer": customer.pk,
        "rulebook": "format-v2",
        "case_type": "quality_claim",
        "category": "quality",
        "severity": "normal",
        "channel": "authority",
        "title": "客户投诉端子尺寸超差",
        "description": "客户来料检验发现一批端子尺寸超差。",
        "new_type": "individual",
        "new_grade": "C",
        "new_region": "urban",
    }
    data.update(extra)
    return data


def test_intake_shows_the_case_types_fields_and_channels(client, org, v2_rulebook, customer):
    client.force_login(org.agent)
    body = client.get(
        reverse("web:intake_options"), {"part": "details", "rulebook": "format-v2", "case_type": "quality_claim"}
    ).content.decode()
    assert "客诉（质量异常）: 表单字段" in body or "表单字段" in body
    assert 'name="field__order_no"' in body and 'name="field__loss_amount"' in body
    assert "<legend>不良类型</legend>" in body  # a multi-choice is a group of checkboxes with a legend
    assert 'value="authority">上级机关转办' in body and 'value="phone"' not in body
    assert 'name="field__test_report"' not in body  # attachments come after registration


def test_intake_registers_typed_fields_and_reports_field_errors(client, org, v2_rulebook, customer):
    client.force_login(org.agent)
    refused = client.post(reverse("web:intake"), intake_post(customer, field__order_no="", field__defective_qty="2.5"))
    assert refused.status_code == 200
    form = refused.context["form"]
    assert "field__order_no" in form.errors and "field__defective_qty" in form.errors
    assert not Case.objects.exists()
    done = client.post(
        reverse("web:intake"),
        intake_post(
            customer,
            field__order_no="SO-2603-0042",
            field__defective_qty="150",
            field__loss_amount="1234.5",
            field__defects=["size", "function"],
            field__sample_attached="true",
            field__inspected_at="2026-03-02T14:30",
            field__inspector=str(org.quality.pk),
        ),
    )
    assert done.status_code == 302
    case = Case.objects.get()
    assert case.fields == {
        "order_no": "SO-2603-0042",
        "defective_qty": 150,
        "loss_amount": "1234.50",
        "defects": ["size", "function"],
        "sample_attached": True,
        "inspected_at": "2026-03-02T14:30:00+08:00",
        "inspector": org.quality.pk,
    }
    page = client.get(done.url).content.decode()
    for text in ("订单编号", "SO-2603-0042", "1,234.50", "尺寸、功能", "是", "2026-03-02 14:30", "上级机关转办"):
        assert text in page, text


def test_case_page_edits_the_fields_this_person_may_change(client, org, v2_rulebook, customer):
    case = register(org, customer)
    client.force_login(org.agent)
    page = client.get(reverse("web:case", args=[case.number]))
    form = page.context["fields_form"]
    assert "field__part_no" in form.fields and "field__penalty" not in form.fields  # penalty: quality and up
    response = client.post(
        reverse("web:case_fields", args=[case.number]),
        {"flds-version": case.version, "flds-field__part_no": "P-77", "flds-field__order_no": "SO-1"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.fields["part_no"] == "P-77"
    event = case.events.order_by("-id").first()
    assert event.kind == EventKind.FIELDS and event.data["changes"] == {"part_no": [None, "P-77"]}
    bad = client.post(
        reverse("web:case_fields", args=[case.number]),
        {"flds-version": case.version, "flds-field__defective_qty": "-3"},
    )
    assert bad.status_code == 400
    assert "field__defective_qty" in bad.context["fields_form"].errors


def test_a_transition_form_asks_for_what_the_rulebook_requires(client, org, v2_rulebook, customer):
    case = register(org, customer)
    case = step(case, "to_qa", org.agent)
    case = step(case, "qa_done", org.quality, cause="模具", responsibility="company")
    case = step(case, "propose", org.agent, remedies=[{"kind": "apology", "amount": "0"}])
    case = step(case, "route_approve", org.admin)
    client.force_login(org.agent)
    page = client.get(reverse("web:case", args=[case.number]))
    form = next(a["form"] for a in page.context["actions"] if a["td"].name == "negotiated")
    assert form.fields["comment"].required and form.fields["field__penalty"].required
    refused = client.post(
        reverse("web:case_transition", args=[case.number, "negotiated"]), {"negotiated-version": case.version}
    )
    assert refused.status_code == 400
    errors = next(a["form"] for a in refused.context["actions"] if a["td"].name == "negotiated").errors
    assert {"comment", "field__penalty"} <= set(errors)
    done = client.post(
        reverse("web:case_transition", args=[case.number, "negotiated"]),
        {"negotiated-version": case.version, "negotiated-comment": "客户接受", "negotiated-field__penalty": "none"},
    )
    assert done.status_code == 302
    case.refresh_from_db()
    assert case.stage == "final_decision" and case.fields["penalty"] == "none"
    case = step(case, "final_approve", org.admin, fields={"loss_amount": "0"})
    client.force_login(org.cs_supervisor)  # the supervisor of the unit that received it
    page = client.get(reverse("web:case", args=[case.number])).content.decode()
    assert 'id="action-close"' in page and 'enctype="multipart/form-data"' in page
    closed = client.post(
        reverse("web:case_transition", args=[case.number, "close"]),
        {"close-version": case.version, "close-upload": SimpleUploadedFile("检验报告.pdf", b"%PDF report")},
    )
    assert closed.status_code == 302
    case.refresh_from_db()
    report = case.attachments.get()
    assert case.status == "closed" and case.fields["test_report"] == report.pk and report.name == "检验报告.pdf"


def test_promise_form_on_the_case_page(client, org, v2_rulebook, customer):
    t0 = dt.datetime(2026, 3, 9, 10, 0, tzinfo=SH)
    with time_machine.travel(t0, tick=False):
        case = register(org, customer)
        case = step(case, "to_qa", org.agent)
        case = step(case, "qa_done", org.quality, cause="模具", responsibility="company")
        case = step(case, "propose", org.agent, remedies=[{"kind": "apology", "amount": "0"}])
        case = step(case, "route_approve", org.admin)
        client.force_login(org.agent)
        page = client.get(reverse("web:case", args=[case.number])).content.decode()
        assert "为“承诺答复时间”承诺时间" in page or "承诺答复时间" in page
        assert "2026-03-09 11:00" in page and "2026-03-12 10:00" in page  # the rulebook's bounds
        clock = Clock.objects.get(case=case, key="reply_promise")
        response = client.post(
            reverse("web:case_promise", args=[case.number, clock.pk]),
            {
                f"p{clock.pk}-version": case.version,
                f"p{clock.pk}-deadline": "2026-03-10T17:00",
                f"p{clock.pk}-reason": "电话承诺",
            },
        )
    assert response.status_code == 302
    clock.refresh_from_db()
    assert clock.deadline == dt.datetime(2026, 3, 10, 17, 0, tzinfo=SH)


def test_queue_filter_and_excel_export_with_fields(client, org, v2_rulebook, customer):
    fined = register(org, customer, part_no="P-1")
    fined = case_update_fields(
        case=fined, actor=org.quality, expected_version=fined.version, values={"penalty": "fine"}
    )
    register(org, customer, part_no="P-2")
    client.force_login(org.gm)
    response = client.get(reverse("web:queue"), {"case_type": "quality_claim", "field__penalty": "fine"})
    assert [c.pk for c in response.context["page"].object_list] == [fined.pk]
    assert 'name="field__penalty"' in response.content.decode()
    export = client.get(reverse("web:queue_export"), {"case_type": "quality_claim"})
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(BytesIO(export.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("编号", "工单类型", "标题") and "罚扣类别" in rows[0] and "订单编号" in rows[0]
    column = rows[0].index("罚扣类别")
    assert sorted(str(r[column] or "") for r in rows[1:]) == ["", "罚款"]


def test_monthly_report_breaks_down_by_choice_fields(client, org, v2_rulebook, customer):
    t0 = dt.datetime(2026, 3, 9, 10, 0, tzinfo=SH)
    with time_machine.travel(t0, tick=False):
        for penalty in ("fine", "fine", "bonus_cut", None):
            case = register(org, customer, defects=["size", "surface"] if penalty == "fine" else ["size"])
            if penalty:
                case_update_fields(
                    case=case, actor=org.quality, expected_version=case.version, values={"penalty": penalty}
                )
    client.force_login(org.gm)
    response = client.get(reverse("reports:monthly"), {"month": "2026-03"})
    report = response.context["report"]
    penalty = report.breakdown("field:format-v2:quality_claim:penalty")
    assert [(r.label, r.received) for r in penalty.rows] == [("罚款", 2), ("扣奖金", 1), ("未填写", 1)]
    defects = report.breakdown("field:format-v2:quality_claim:defects")
    assert [(r.label, r.received) for r in defects.rows] == [("尺寸", 4), ("外观", 2)]
    assert "按罚扣类别" in response.content.decode()
    workbook = load_workbook(BytesIO(client.get(reverse("reports:monthly_xlsx"), {"month": "2026-03"}).content))
    assert any(title.startswith("按罚扣类别") for title in workbook.sheetnames)
