"""Exports of customer lists: masked by role, watermarked, logged; bulk exports approved by the role
seed-002 Doc 2 names ("公司内部各部门客户信息需求量在2000条内的由公司副总批准有效。
信息需求量在2000条以上…需经公司总经理批准方可生效。"), produced once after approval, downloaded only by
the requester until the link expires, every download logged."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from kefu.core.exceptions import ApplicationError, ConflictError, ForbiddenError
from kefu.customers.models import Customer
from kefu.customers.services import customer_create
from kefu.exports.choices import RequestStatus
from kefu.exports.models import ExportDownload, ExportRecord, ExportRequest
from kefu.exports.rules import DataReleaseSection
from kefu.exports.services import (
    customer_export,
    export_request_create,
    export_request_decide,
    export_request_download,
)
from kefu.rulebooks.schema import RulebookError, parse_rulebook
from kefu.rulebooks.services import PRESET_DIR, rulebook_load
from kefu.sla.models import Notification

pytestmark = pytest.mark.django_db


def sheet_rows(content: bytes) -> list[tuple]:
    book = load_workbook(io.BytesIO(content))
    return list(book.worksheets[0].iter_rows(values_only=True))


def bulk_customers(count: int, *, grade: str = "B") -> None:
    Customer.objects.bulk_create(
        [Customer(code=f"B{i:06d}", name=f"业主{i:04d}", grade=grade) for i in range(count)], batch_size=500
    )


def test_doc2_thresholds_by_default():
    rules = DataReleaseSection()
    assert rules.approver_role(200) is None  # this project's free limit
    assert rules.approver_role(201) == "deputy_gm"
    assert rules.approver_role(2000) == "deputy_gm"  # "2000条内": up to and including 2,000
    assert rules.approver_role(2001) == "general_manager"  # "2000条以上"


def test_a_small_export_is_masked_for_a_manager_and_watermarked_and_logged(org, rulebooks):
    # The manager opened this file at intake; their role sees masked numbers only.
    customer_create(name="王建国", phone="13812345678", id_number="330106199001011234", actor=org.manager)
    customer_create(name="李娜", phone="13987654321", actor=org.agent)  # not the manager's: not exported
    made, record = customer_export(actor=org.manager, filters={}, file_format="xlsx")
    rows = sheet_rows(made.content)
    assert "manager" in rows[0][0] and f"{timezone.localtime():%Y-%m-%d}" in rows[0][0]  # who and when
    assert rows[1][0] in ("Customer number", "客户编号")
    (data,) = rows[2:]
    assert data[1] == "王建国"
    assert data[5] == "3301**********1234" and "138****5678" in data[6] and "13812345678" not in data[6]
    book = load_workbook(io.BytesIO(made.content))
    assert "manager" in book.worksheets[0].oddHeader.center.text
    assert book.properties.creator == "manager" and "manager" in book.properties.description
    assert made.file_name.startswith("customers-manager-") and made.file_name.endswith(".xlsx")
    assert (record.exporter, record.row_count, record.masked, record.sha256) == (org.manager, 1, True, made.sha256)

    # The supervisor's role may see full numbers; CSV too carries the watermark on its first line.
    made, record = customer_export(actor=org.cs_supervisor, filters={"q": "王建国"}, file_format="csv")
    text = made.content.decode("utf-8-sig")
    assert "cs_supervisor" in text.splitlines()[0]
    assert "13812345678" in text and "330106199001011234" in text
    assert record.masked is False and record.filters == {"q": "王建国"}
    assert ExportRecord.objects.count() == 2


def test_agents_may_not_export_and_bad_filters_are_named(org, rulebooks):
    with pytest.raises(ForbiddenError):
        customer_export(actor=org.agent, filters={})
    with pytest.raises(ApplicationError) as refused:
        customer_export(actor=org.cs_supervisor, filters={"grade": "Z", "colour": "red"})
    assert set(refused.value.extra) == {"grade", "colour"}
    assert not ExportRecord.objects.exists()


def test_up_to_2000_records_go_to_the_deputy_gm_and_more_to_the_gm(org, rulebooks):
    bulk_customers(2000)
    with pytest.raises(ApplicationError):  # more than the free limit: no direct export
        customer_export(actor=org.cs_supervisor, filters={})
    request = export_request_create(actor=org.cs_supervisor, filters={}, reason="二期认购客户回访")
    assert (request.row_count, request.approver_role) == (2000, "deputy_gm")
    # The deputy GM sits in the leadership office, not above 客服部: found like an escalation.
    assert list(
        Notification.objects.filter(message_code="exports.approval_wanted").values_list(
            "recipient__username", flat=True
        )
    ) == ["deputy_gm"]

    Customer.objects.create(code="X000001", name="新业主")
    bigger = export_request_create(actor=org.cs_supervisor, filters={}, reason="集团内调配")
    assert (bigger.row_count, bigger.approver_role) == (2001, "general_manager")
    with pytest.raises(ForbiddenError):  # the deputy GM may not approve what is the GM's
        export_request_decide(request=bigger, actor=org.deputy_gm, approve=True)
    with pytest.raises(ForbiddenError):  # nor may the requester
        export_request_decide(request=bigger, actor=org.cs_supervisor, approve=True)


def test_approved_request_is_produced_once_and_downloaded_only_by_the_requester(
    org, rulebooks, django_capture_on_commit_callbacks
):
    bulk_customers(300)
    request = export_request_create(actor=org.cs_supervisor, filters={"grade": "B"}, reason="季度回访")
    Customer.objects.create(code="LATE01", name="后来的业主", grade="B")  # after the request: not in the file
    with pytest.raises(ConflictError):  # nothing to download yet
        export_request_download(request=request, actor=org.cs_supervisor, surface="api")
    with django_capture_on_commit_callbacks(execute=True):
        export_request_decide(request=request, actor=org.deputy_gm, approve=True, note="同意")
    request.refresh_from_db()
    assert request.status == RequestStatus.PRODUCED and request.expires_at > timezone.now()
    with pytest.raises(ForbiddenError):  # not even the approver downloads it
        export_request_download(request=request, actor=org.deputy_gm, surface="api")
    made = export_request_download(request=request, actor=org.cs_supervisor, surface="api")
    rows = sheet_rows(made.content)
    assert len(rows) == 2 + 300 and "cs_supervisor" in rows[0][0]
    assert "后来的业主" not in {r[1] for r in rows}
    record = ExportRecord.objects.get(request=request)
    assert (record.exporter, record.row_count, record.sha256) == (org.cs_supervisor, 300, made.sha256)
    assert list(ExportDownload.objects.values_list("user__username", flat=True)) == ["cs_supervisor"]
    assert ExportRequest.objects.get().status == RequestStatus.DOWNLOADED
    assert Notification.objects.filter(recipient=org.cs_supervisor, message_code="exports.approved").exists()
    # Deciding again is refused; once expired, the file is no longer handed out.
    with pytest.raises(ConflictError):
        export_request_decide(request=request, actor=org.deputy_gm, approve=False, note="撤回")
    ExportRequest.objects.filter(pk=request.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    with pytest.raises(ConflictError):
        export_request_download(request=request, actor=org.cs_supervisor, surface="api")
    assert ExportDownload.objects.count() == 1


def test_a_refusal_needs_a_reason_and_leaves_nothing_to_download(org, rulebooks):
    bulk_customers(250)
    request = export_request_create(actor=org.cs_supervisor, filters={}, reason="营销活动")
    with pytest.raises(ApplicationError) as refused:
        export_request_decide(request=request, actor=org.deputy_gm, approve=False, note="")
    assert "note" in refused.value.extra
    export_request_decide(request=request, actor=org.deputy_gm, approve=False, note="用途不符合信息共享规定")
    request.refresh_from_db()
    assert request.status == RequestStatus.REFUSED and request.decided_by == org.deputy_gm
    assert Notification.objects.filter(recipient=org.cs_supervisor, message_code="exports.refused").exists()
    with pytest.raises(ConflictError):
        export_request_download(request=request, actor=org.cs_supervisor, surface="web")
    assert not ExportRecord.objects.exists()


def _line_of(text: str, fragment: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), start=1) if fragment in line)


def test_the_rulebook_section_sets_the_thresholds_and_bad_tiers_are_named_by_line(org, rulebooks):
    base = (PRESET_DIR / "service-complaint.yaml").read_text(encoding="utf-8")
    section = (
        "\ndata_release:\n"
        "  without_approval_up_to: 2\n"
        "  approvers:\n"
        "    - {up_to: 5, role: manager}\n"
        "    - {role: general_manager}\n"
    )
    rulebook_load(text=base + section, source="sc.yaml")
    for i in range(3):
        customer_create(name=f"客户{i}", phone=f"1381234560{i}")
    assert export_request_create(actor=org.cs_supervisor, filters={}, reason="抽查").approver_role == "manager"

    bad = base + section.replace("role: manager", "role: boss").replace(
        "{role: general_manager}", "{up_to: 9, role: general_manager}"
    )
    with pytest.raises(RulebookError) as refused:
        parse_rulebook(bad, source="sc.yaml")
    message = str(refused.value)
    assert f"sc.yaml:{_line_of(bad, 'boss')}: data_release.approvers.0.role: unknown role 'boss'" in message
    assert f"sc.yaml:{_line_of(bad, 'up_to: 9')}: data_release.approvers.1.up_to:" in message
