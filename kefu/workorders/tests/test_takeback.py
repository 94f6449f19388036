"""Take-back repairs (送修/带回维修), seed-004 D10 2.2(4)(5) and D11 6–9.

D11 6: "凡一项服务现场不能处理妥善者，应由技术员将商品携回修护，除由技术员开立“客户商品领取收据”交与客户外，
并要求客户于其“服务凭证”上签认，后将商品携回交与业务员，登录“客户商品进出登记簿”上，并填具“修护卡”".
D11 7: "…商品修妥经主任验讫后在“客户商品进出登记簿”上注明还商品日期，…同时取回技术员原交客户的收据并予以作废".
D11 8: "…如系有费修护，技术员应于还商品当天凭“服务凭证”，至会计员处开具发票".
D11 9: "凡待修商品，不能按原定时间修妥者，技术员应即报请服务主任予以协助。"
"""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from kefu.core.exceptions import ApplicationError, ForbiddenError
from kefu.sla.models import Notification
from kefu.workorders.models import GoodsMovement, TakeBack
from kefu.workorders.services import (
    takeback_inspect,
    takeback_move,
    takeback_receive,
    takeback_record_repair,
    takeback_return,
    takebacks_flag_late,
    workorder_cancel,
)
from kefu.workorders.tests.conftest import PNG, SHANGHAI

pytestmark = pytest.mark.django_db

RECEIPT = dict(
    items="GT-06 车载定位终端 1 台，序列号 SN2024000123",
    condition="外壳完好，通电后指示灯不亮",
    accessories="电源线 1 根，GPS 天线 1 根",
    reason="主板疑似损坏，现场无备件",
    signature=PNG,
)


def _taken(on_site, org, **kwargs):
    order = on_site(**kwargs)
    takeback = takeback_receive(order=order, actor=org.technician, expected_version=order.version, **RECEIPT)
    order.refresh_from_db()
    return order, takeback


def test_a_take_back_repair_from_receipt_to_return_invoices_on_the_day_of_return(on_site, org, equipment):
    order, takeback = _taken(on_site, org, equipment=equipment, service_type="A")
    assert order.status == "taken_back" and takeback.number.startswith("QJ")
    # The promised day counts working days on the office calendar (default 3) from the day taken.
    assert takeback.promised_on > timezone.localdate()
    assert list(takeback.movements.values_list("kind", flat=True)) == ["received", "to_workshop"]

    takeback_move(
        order=order, actor=org.technician, expected_version=order.version, kind="to_supplier", note="寄回厂家换主板"
    )
    order.refresh_from_db()
    takeback_move(order=order, actor=org.technician, expected_version=order.version, kind="from_supplier")
    order.refresh_from_db()
    takeback_record_repair(
        order=order,
        actor=org.technician,
        expected_version=order.version,
        minutes=90,
        findings="主板电源芯片烧毁，已更换主板并测试定位正常",
        parts=[{"name": "终端主板", "unit_price": "180.00", "quantity": 1}],
        finished=True,
    )
    order.refresh_from_db()
    takeback_inspect(order=order, actor=org.supervisor, expected_version=order.version, passed=True)
    order.refresh_from_db()
    # A paid repair (A): the fee is the on-site rule's (parts at their price; no labour price listed).
    assert order.fee_total == Decimal("180.00")
    with pytest.raises(ApplicationError) as no_invoice:
        takeback_return(order=order, actor=org.technician, expected_version=order.version, signature=PNG)
    assert "invoice_no" in no_invoice.value.extra

    order = takeback_return(
        order=order,
        actor=org.technician,
        expected_version=order.version,
        signature=PNG,
        fee_collected="180.00",
        invoice_no="No.33001234",
    )
    takeback.refresh_from_db()
    assert order.status == "completed" and order.invoice_date == timezone.localdate()
    assert takeback.status == "returned" and takeback.receipt_cancelled_at is not None
    assert list(takeback.movements.values_list("kind", flat=True)) == [
        "received",
        "to_workshop",
        "to_supplier",
        "from_supplier",
        "returned",
    ]
    assert order.events.filter(kind="completed").count() == 1


def test_only_an_order_on_site_is_taken_back_and_the_customer_must_sign(on_site, make_order, org):
    order = make_order()
    with pytest.raises(ForbiddenError):  # nobody assigned yet
        takeback_receive(order=order, actor=org.technician, expected_version=1, **RECEIPT)
    order = on_site()
    with pytest.raises(ApplicationError) as unsigned:
        takeback_receive(
            order=order, actor=org.technician, expected_version=order.version, **{**RECEIPT, "signature": ""}
        )
    assert "signature" in unsigned.value.extra
    assert not TakeBack.objects.exists()


def test_a_failed_inspection_sends_the_goods_back_to_the_workshop(on_site, org):
    order, takeback = _taken(on_site, org)

    def repair(findings):
        takeback_record_repair(
            order=order,
            actor=org.technician,
            expected_version=order.version,
            minutes=40,
            findings=findings,
            finished=True,
        )
        order.refresh_from_db()

    repair("更换电源模块")
    with pytest.raises(ForbiddenError):  # the technician does not inspect their own work
        takeback_inspect(order=order, actor=org.technician, expected_version=order.version, passed=True)
    with pytest.raises(ApplicationError) as no_reason:
        takeback_inspect(order=order, actor=org.supervisor, expected_version=order.version, passed=False)
    assert "reason" in no_reason.value.extra
    takeback_inspect(
        order=order, actor=org.supervisor, expected_version=order.version, passed=False, reason="定位仍漂移"
    )
    order.refresh_from_db()
    takeback.refresh_from_db()
    assert takeback.status == "in_repair" and takeback.failed_inspections == 1
    with pytest.raises(ApplicationError):  # not returned before it passes
        takeback_return(order=order, actor=org.technician, expected_version=order.version, signature=PNG)
    repair("重新校准天线")
    takeback_inspect(order=order, actor=org.supervisor, expected_version=order.version, passed=True)
    takeback.refresh_from_db()
    assert takeback.status == "ready"
    assert takeback.repairs.count() == 2 and sum(r.minutes for r in takeback.repairs.all()) == 80
    assert takeback.movements.last().note == "定位仍漂移"


def test_the_register_is_append_only_and_corrections_name_the_line(on_site, org):
    order, takeback = _taken(on_site, org)
    line = takeback.movements.get(seq=1)
    line.note = "改写"
    with pytest.raises(ValueError):
        line.save()
    with pytest.raises(ValueError):
        line.delete()
    with pytest.raises(ApplicationError) as unnamed:
        takeback_move(
            order=order, actor=org.technician, expected_version=order.version, kind="correction", note="外壳有划痕"
        )
    assert "corrects" in unnamed.value.extra
    takeback_move(
        order=order,
        actor=org.technician,
        expected_version=order.version,
        kind="correction",
        note="外壳有划痕",
        corrects=1,
    )
    fix = GoodsMovement.objects.get(takeback=takeback, seq=3)
    assert fix.corrects.seq == 1 and GoodsMovement.objects.get(pk=line.pk).note == RECEIPT["condition"]
    # Goods in the workshop cannot come "back from the supplier".
    order.refresh_from_db()
    with pytest.raises(ApplicationError):
        takeback_move(order=order, actor=org.technician, expected_version=order.version, kind="from_supplier")
    # And a taken-back order is not cancelled while we hold the customer's goods.
    with pytest.raises(ApplicationError):
        workorder_cancel(order=order, actor=org.supervisor, expected_version=order.version, reason="客户不修了")
    from django.test import Client

    page = Client()
    page.force_login(org.supervisor)
    html = page.get(f"/workorders/{order.pk}/").content.decode()
    assert 'id="step-cancel"' not in html and takeback.number in html  # the order page shows the receipt
    receipt = page.get(f"/workorders/{order.pk}/receipt/").content.decode()
    assert "客户商品进出登记簿" in receipt and "更正第 1 行" in receipt


def test_a_late_return_is_escalated_to_the_supervisor_once(on_site, org):
    order, takeback = _taken(on_site, org)
    on_the_day = datetime.combine(takeback.promised_on, datetime.min.time(), tzinfo=SHANGHAI) + timedelta(hours=20)
    assert takebacks_flag_late(now=on_the_day) == 0  # the promised day itself is not late
    after = on_the_day + timedelta(days=1)
    assert takebacks_flag_late(now=after) == 1
    assert takebacks_flag_late(now=after + timedelta(days=1)) == 0
    notices = Notification.objects.filter(message_code="workorders.takeback_late")
    assert set(notices.values_list("recipient__username", flat=True)) == {"supervisor", "technician"}
    assert notices.count() == 2
    takeback.refresh_from_db()
    assert takeback.late_at == after


def test_contract_service_take_back_charges_parts_only(on_site, org, equipment):
    from kefu.workorders.services import contract_create

    contract_create(
        actor=org.supervisor,
        number="BY-2026-101",
        customer=equipment.customer,
        unit=org.aftersales,
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 12, 31),
        equipment=[equipment],
    )
    order, _ = _taken(on_site, org, equipment=equipment, service_type="B")
    takeback_record_repair(
        order=order,
        actor=org.technician,
        expected_version=order.version,
        minutes=30,
        findings="更换 SIM 卡座",
        parts=[{"name": "SIM 卡座", "unit_price": "25.00", "quantity": 2}],
    )
    order.refresh_from_db()
    assert (order.labour_fee, order.parts_fee) == (Decimal("0.00"), Decimal("50.00"))


def test_the_offsite_keys_are_checked_against_the_roles():
    """`offsite.contractor_approver_role` must be a role people can have (a typo would make every
    contractor request unapprovable)."""
    from pathlib import Path

    from kefu.rulebooks.schema import RulebookError, parse_rulebook

    preset = Path(__file__).resolve().parents[2] / "rulebooks" / "presets" / "field-service.yaml"
    text = preset.read_text(encoding="utf-8").replace(
        "  calendar: office\n",
        "  calendar: office\n  offsite: {return_working_days: 5, contractor_approver_role: manger}\n",
        1,
    )
    with pytest.raises(RulebookError) as err:
        parse_rulebook(text, source="field-service.yaml")
    assert "unknown role 'manger'" in str(err.value)
    good = parse_rulebook(text.replace("manger", "deputy_gm")).section("field_service")
    assert (good.offsite.return_working_days, good.offsite.contractor_approver_role) == (5, "deputy_gm")
