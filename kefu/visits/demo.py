"""Demo return visits: a few visits due today (and one overdue) on each agent's call-back list, and the
call-backs the rulebooks' samples give the demo's closed cases.
Called by `kefu demo` through VisitsConfig.make_demo."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from kefu.customers.models import Customer
from kefu.org.choices import Role
from kefu.visits.choices import VisitMethod, VisitPurpose
from kefu.visits.models import VisitTask
from kefu.visits.services import visit_call_back_for_case, visit_schedule, visits_section

__all__ = ("make_visits_demo",)

_PLAN = [
    (VisitPurpose.USAGE, VisitMethod.PHONE, 0, "首次电话回访：确认客户已掌握基本功能"),
    (VisitPurpose.CUSTOMER_FILE, VisitMethod.PHONE, 0, "核对客户档案中的联系人和地址"),
    (VisitPurpose.RELATIONSHIP, VisitMethod.PHONE, -2, "节后问候，了解近期使用情况"),
]


@transaction.atomic
def make_visits_demo(world: Any, *, rng: random.Random, log: Callable[[str], None] = print) -> None:
    if VisitTask.objects.exists() or not world.customers:
        return
    section = visits_section()
    questionnaire = "usage" if section is not None and section.questionnaire("usage") else ""
    today = timezone.localdate()
    agents = world.by_role.get(Role.AGENT, [])[:6]
    made = 0
    for agent in agents:
        for purpose, method, offset, note in _PLAN:
            customer = Customer.objects.get(pk=rng.choice(world.customers)[0])
            task = visit_schedule(
                actor=agent,
                customer=customer,
                visitor=agent,
                due_date=today,
                purpose=purpose,
                method=method,
                questionnaire=questionnaire,
                note=note,
            )
            if offset:  # an overdue one: planned earlier, not made yet
                VisitTask.objects.filter(pk=task.pk).update(due_date=today + timedelta(days=offset))
            made += 1
    log(f"visits: {made} return visits on {len(agents)} agents' call-back lists")
    log(f"visits: {_demo_call_backs()} call-backs after closed cases (the rulebooks' samples)")


def _demo_call_backs(limit: int = 5000) -> int:
    """The demo's case history is written with the case events muted (kefu.core.demo), so the closed
    cases' call-backs are planned here, through the same service and sample as the subscriber's."""
    from kefu.cases.models import Case

    closed = Case.objects.filter(closed_at__isnull=False).order_by("-closed_at").values_list("pk", flat=True)[:limit]
    return sum(1 for pk in closed if visit_call_back_for_case(case_id=pk) is not None)
