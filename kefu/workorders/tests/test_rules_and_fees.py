"""The `field_service` rulebook section and the fee of each service type (seed-004 D10 2.1, D11
服务类别; seeds-000-003 篇5), computed and shown before the technician completes."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from kefu.rulebooks.schema import RulebookError, parse_rulebook
from kefu.workorders.rules import FieldServiceSection
from kefu.workorders.services import compute_fee, contract_create, workorder_record

PRESET = Path(__file__).resolve().parents[2] / "rulebooks" / "presets" / "field-service.yaml"

pytestmark = pytest.mark.django_db


def test_the_preset_carries_d11_numbers():
    section = parse_rulebook(PRESET.read_text(encoding="utf-8")).section("field_service")
    assert (section.arrival_hours.urban, section.arrival_hours.suburban) == (6, 7)  # D11 14
    assert section.contract_notice_days == 30  # D11 15: 期满前1个月
    assert section.parts_only_out_of_warranty is True  # 篇5
    assert section.prices.part("GPS-T1").price == Decimal("560")


def test_bad_section_lines_are_named():
    """Shape errors name the line; cross-reference errors (checked once the shape is right) too."""
    text = PRESET.read_text(encoding="utf-8")
    bad = text.replace("arrival_hours: {urban: 6, suburban: 7}", "arrival_hours: {urban: 0, suburban: 7}")
    with pytest.raises(RulebookError) as err:
        parse_rulebook(bad, source="field-service.yaml")
    assert "field-service.yaml:83: field_service.arrival_hours.urban" in str(err.value)
    text = text.replace("labour: {install: 120,", "labour: {fitting: 120,")
    text = text.replace("{code: SIM-1,", "{code: GPS-T1,")
    with pytest.raises(RulebookError) as err:
        parse_rulebook(text, source="field-service.yaml")
    message = str(err.value)
    assert "unknown order kind 'fitting'" in message
    assert "part code 'GPS-T1' is listed twice" in message
    assert "field-service.yaml:" in message


def test_fee_per_service_type():
    """Price list: repair labour 80; parts 560 + 2 × 30 = 620.
    A without 篇5's rule: 80 + 620 = 700; A with it: 620 (parts only); B: 620 (D10: parts, labour
    free); C and D: 0."""
    paid = FieldServiceSection(prices={"labour": {"repair": 80}})
    parts_only = FieldServiceSection(prices={"labour": {"repair": 80}}, parts_only_out_of_warranty=True)
    parts = Decimal("620.00")
    assert compute_fee(service_type="A", kind="repair", parts_amount=parts, section=paid).total == Decimal("700.00")
    assert compute_fee(service_type="A", kind="repair", parts_amount=parts, section=parts_only).total == parts
    assert compute_fee(service_type="B", kind="repair", parts_amount=parts, section=paid).total == parts
    assert compute_fee(service_type="C", kind="repair", parts_amount=parts, section=paid).total == 0
    assert compute_fee(service_type="D", kind="inspection", parts_amount=parts, section=paid).total == 0


@pytest.mark.parametrize(
    ("service_type", "fee"),
    [("A", Decimal("620.00")), ("B", Decimal("620.00")), ("C", Decimal("0.00")), ("D", Decimal("0.00"))],
)
def test_the_fee_is_shown_before_completing(on_site, org, equipment, service_type, fee):
    """Field-service preset: GPS-T1 560 + 2 × SIM-1 30 = 620 parts; out-of-warranty repairs charge
    parts only (篇5), so A = 620 too; the order records the figures while still on site."""
    if service_type == "C":
        equipment.warranty_end = date(2027, 12, 31)
        equipment.save(update_fields=["warranty_end"])
    if service_type == "B":  # a contract in force on the report day (24 Nov 2026), parts charged
        contract_create(
            actor=org.supervisor,
            number="BY-2026-001",
            customer=equipment.customer,
            unit=org.aftersales,
            starts_on=date(2026, 1, 1),
            ends_on=date(2026, 12, 31),
            equipment=[equipment],
        )
    order = on_site(rulebook_key="field-service", equipment=equipment, service_type=service_type)
    order = workorder_record(
        order=order,
        actor=org.technician,
        expected_version=order.version,
        actions="更换终端与 SIM 卡",
        parts=[{"code": "GPS-T1", "quantity": 1}, {"code": "SIM-1", "quantity": 2}],
    )
    assert order.status == "on_site"
    assert order.fee_total == fee
    assert order.parts.count() == 2


def test_a_part_not_on_the_price_list_is_refused_by_code(on_site, org):
    order = on_site(rulebook_key="field-service")
    from kefu.core.exceptions import ApplicationError

    with pytest.raises(ApplicationError) as refused:
        workorder_record(
            order=order, actor=org.technician, expected_version=order.version, parts=[{"code": "XX-9", "quantity": 1}]
        )
    assert "parts[0].code" in refused.value.extra


def test_repeat_fault_within_the_window_is_marked(on_site, make_order, org, equipment):
    """Field-service preset: repeat_fault_days 30. The first order is completed now; a new report for
    the same equipment now is a repeat of it; another customer's or no equipment is not."""
    from kefu.workorders.services import workorder_complete
    from kefu.workorders.tests.conftest import PNG

    first = on_site(rulebook_key="field-service", equipment=equipment)
    first = workorder_record(order=first, actor=org.technician, expected_version=first.version, actions="复位")
    first = workorder_complete(order=first, actor=org.technician, expected_version=first.version, signature=PNG)
    from django.utils import timezone

    again = make_order(rulebook_key="field-service", equipment=equipment, reported_at=timezone.now())
    assert again.repeat_of == first
    assert again.events.get(kind="created").data["repeat_of"] == first.pk
    assert make_order(rulebook_key="field-service", reported_at=timezone.now()).repeat_of is None
