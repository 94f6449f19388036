"""Demo work orders: for each city's 售后部, technicians' skills and districts and three orders — one
waiting for dispatch (with suggestions to look at), one accepted, one on site with a part recorded.
Called by `kefu demo` through WorkordersConfig.make_demo."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from kefu.customers.models import Customer
from kefu.org.choices import Role
from kefu.workorders.models import WorkOrder
from kefu.workorders.services import (
    technician_set_profile,
    workorder_accept,
    workorder_check_in,
    workorder_create,
    workorder_dispatch,
    workorder_record,
)

__all__ = ("make_workorders_demo",)

_DISTRICTS = ["西湖区", "拱墅区", "滨江区", "萧山区", "余杭区"]
_JOBS = [
    ("repair", "车载 GPS 终端不上线，平台三天没有位置。"),
    ("install", "新车安装 GPS 终端和物联网 SIM 卡。"),
    ("repair", "终端频繁重启，怀疑电源线接触不良。"),
]


@transaction.atomic
def make_workorders_demo(world: Any, *, rng: random.Random, log: Callable[[str], None] = print) -> None:
    made = 0
    reported = timezone.now() - timedelta(minutes=30)
    for code, unit in world.units.items():
        if not code.endswith("-as") or WorkOrder.objects.filter(unit__path__startswith=unit.path).exists():
            continue
        supervisor = next(iter(world.by_unit_role.get((unit.pk, Role.SUPERVISOR), [])), None)
        techs = [u for u in world.users if u.role == Role.TECHNICIAN and u.unit and u.unit.path.startswith(unit.path)]
        customers = list(Customer.objects.filter(is_active=True).order_by("id")[:3])
        if supervisor is None or not techs or len(customers) < 3:
            continue
        for tech in techs:
            technician_set_profile(
                actor=supervisor,
                technician=tech,
                kinds=rng.sample(["repair", "install", "maintenance"], 2),
                districts=rng.sample(_DISTRICTS, 2),
            )
        orders = []
        for (kind, text), customer in zip(_JOBS, customers, strict=True):
            order, _ = workorder_create(
                actor=supervisor,
                kind=kind,
                customer=customer,
                description=text,
                unit=unit,
                district=rng.choice(_DISTRICTS),
                rulebook_key="field-service",
                reported_at=reported,
            )
            orders.append(order)
        tech = techs[0]
        for order in orders[1:]:
            order = workorder_dispatch(order=order, actor=supervisor, expected_version=1, technician=tech)
            workorder_accept(order=order, actor=tech, expected_version=order.version)
        last = WorkOrder.objects.get(pk=orders[2].pk)
        last = workorder_check_in(order=last, actor=tech, expected_version=last.version, step="arrive")
        workorder_record(
            order=last,
            actor=tech,
            expected_version=last.version,
            findings="电源线老化",
            actions="更换终端电源线，终端恢复上线",
            parts=[{"code": "PWR-1", "quantity": 1}],
        )
        made += 3
    log(f"workorders: {made} demo work orders")
