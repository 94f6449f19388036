"""Preset `property-repair.yaml` (seed-002 Doc 4 / Doc 13, 物业客户服务部工作管理规定), on the office
calendar with the 2026 国庆 调休.

5.2.4 "各个专业本部门应在三个工作日内将《维修单》处理完毕,三个工作日内不能完成的,报物业服务中心负责人批准签字延期,
二周内不能修复的,报主任批准延期。"
5.2.5 "下列委托申请,要求在24小时内完成: 下水道,便池堵,水管渗漏; 换灯管(工作日); 门锁坏(工作日); 若特殊情况24小时
内无法完成,由物业服务中心负责人签字延期,同时需取得业主的同意。"
"""

import pytest

from kefu.core.exceptions import ApplicationError, ForbiddenError
from kefu.workorders.services.repair_clock import workorder_decide_extension, workorder_request_extension
from kefu.workorders.tests.presets.kit import check_preset, order_for, sh

pytestmark = pytest.mark.django_db
ROOM = {"room_no": "3-502"}


def test_the_preset_checks_clean(calendars):
    check_preset("property-repair.yaml")


def test_engineering_3_working_days_drains_24_hours_lamps_one_working_day(org, customer, rulebooks):
    """Dispatched Wed 30 Sep 16:00 (工程取单, 5.2.1): engineering → Thu 8, Fri 9, Sat 10 Oct (调休) →
    10-10 17:30; a leaking pipe → 24 elapsed hours → Thu 1 Oct 16:00 (holiday or not); a lamp "(工作日)"
    → one working day → Thu 8 Oct 17:30."""
    common = dict(org=org, customer=customer, rulebook="property-repair", fields=ROOM)
    t0, t1 = sh(2026, 9, 30, 15, 0), sh(2026, 9, 30, 16, 0)
    engineering = order_for(**common, category="engineering", reported=t0, dispatched=t1)
    assert engineering.repair_due_at == sh(2026, 10, 10, 17, 30)
    pipe = order_for(**common, category="drain_leak", reported=t0, dispatched=t1)
    assert pipe.repair_due_at == sh(2026, 10, 1, 16, 0)
    assert pipe.repair_limit.startswith("下水道、便池堵、水管渗漏")
    lamp = order_for(**common, category="lamp", reported=t0, dispatched=t1)
    assert lamp.repair_due_at == sh(2026, 10, 8, 17, 30)


def test_extensions_the_centre_head_within_two_weeks_the_director_beyond(org, customer, rulebooks):
    """5.2.4: dispatched Tue 24 Nov 10:00, due Fri 27 Nov 17:30. To Fri 4 Dec (within two weeks) the
    centre's head (manager) signs — not the supervisor; to Fri 18 Dec (beyond) the Director (deputy_gm)."""
    common = dict(org=org, customer=customer, rulebook="property-repair", fields=ROOM, category="engineering")
    order = order_for(**common, reported=sh(2026, 11, 24, 9, 0), dispatched=sh(2026, 11, 24, 10, 0))
    assert order.repair_due_at == sh(2026, 11, 27, 17, 30)
    workorder_request_extension(
        order=order,
        actor=org.technician,
        expected_version=order.version,
        until=sh(2026, 12, 4, 17, 30),
        reason="等防水材料",
    )
    order.refresh_from_db()
    with pytest.raises(ForbiddenError):
        workorder_decide_extension(order=order, actor=org.supervisor, expected_version=order.version, approve=True)
    order = workorder_decide_extension(order=order, actor=org.manager, expected_version=order.version, approve=True)
    assert order.repair_due_at == sh(2026, 12, 4, 17, 30)
    ext = workorder_request_extension(
        order=order,
        actor=org.technician,
        expected_version=order.version,
        until=sh(2026, 12, 18, 17, 30),
        reason="需更换主管道",
    )
    assert ext.approver_roles == ["deputy_gm"]
    order.refresh_from_db()
    with pytest.raises(ForbiddenError):
        workorder_decide_extension(order=order, actor=org.manager, expected_version=order.version, approve=True)
    order = workorder_decide_extension(order=order, actor=org.deputy_gm, expected_version=order.version, approve=True)
    assert order.repair_due_at == sh(2026, 12, 18, 17, 30)


def test_a_24_hour_job_is_extended_only_with_the_owners_agreement(org, customer, rulebooks):
    """5.2.5 "同时需取得业主的同意": without the owner's consent the request is refused (400, on the field)."""
    order = order_for(
        org=org,
        customer=customer,
        rulebook="property-repair",
        fields=ROOM,
        category="drain_leak",
        reported=sh(2026, 11, 24, 9, 0),
        dispatched=sh(2026, 11, 24, 10, 0),
    )
    with pytest.raises(ApplicationError) as refused:
        workorder_request_extension(
            order=order,
            actor=org.technician,
            expected_version=order.version,
            until=sh(2026, 11, 26, 10),
            reason="管道需开挖",
        )
    assert "customer_consent" in refused.value.extra
    ext = workorder_request_extension(
        order=order,
        actor=org.technician,
        expected_version=order.version,
        until=sh(2026, 11, 26, 10),
        reason="管道需开挖",
        customer_consent=True,
    )
    assert ext.approver_roles == ["manager"]
