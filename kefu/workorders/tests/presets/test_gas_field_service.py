"""Preset `gas-field-service.yaml` (seed-004 D16, 阳泉市煤气公司客户服务管理办法), on 春节 2026.

第五条(二) "用户燃气设备、设施发生故障,接到报修后,立即安排相关管理部门安排专业维修人员立即赶到现场进行维修,一般
故障原则上在6小时内处理、24小时内修复。" Both clocks count from the report, in elapsed hours.
"""

import pytest

from kefu.workorders.services.repair_clock import workorders_flag_repair_late
from kefu.workorders.tests.presets.kit import check_preset, order_for, sh

pytestmark = pytest.mark.django_db


def test_the_preset_checks_clean(calendars):
    check_preset("gas-field-service.yaml")


def test_handled_in_6_hours_and_repaired_in_24_from_the_report_on_new_years_eve(org, customer, rulebooks):
    """Reported 除夕 Mon 16 Feb 22:00 (a holiday, at night): on site by Tue 17 Feb 04:00, repaired by
    Tue 17 Feb 22:00 — the repair clock runs from the report even before anyone is dispatched, and a
    sweep at 22:30 flags it late."""
    order = order_for(
        org=org,
        customer=customer,
        rulebook="gas-field-service",
        category="appliance_fault",
        fields={"address": "矿区南路 18 号"},
        reported=sh(2026, 2, 16, 22, 0),
        dispatched=None,
    )
    assert order.arrival_due_at == sh(2026, 2, 17, 4, 0)
    assert order.repair_started_at == sh(2026, 2, 16, 22, 0)
    assert order.repair_due_at == sh(2026, 2, 17, 22, 0)
    assert workorders_flag_repair_late(now=sh(2026, 2, 17, 21, 59)) == 0
    assert workorders_flag_repair_late(now=sh(2026, 2, 17, 22, 30)) == 1
