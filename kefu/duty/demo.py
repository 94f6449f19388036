"""Demo duty: shift patterns (24-hour rotation, office hours, night shift) and this month's published
rosters for each city's hotline teams. Called by `kefu demo` through DutyConfig.make_demo."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import time
from typing import Any

from django.db import transaction
from django.utils import timezone

from kefu.duty.models import Roster, ShiftPattern
from kefu.duty.services import roster_create, roster_fill_rotation, roster_publish
from kefu.org.choices import Role

__all__ = ("make_duty_demo",)

_PATTERNS = [
    ("day24", "24小时倒班", time(8, 0), 1440, "供暖期呼叫中心 24 小时倒班（seed-004 D6 三.1）"),
    ("office", "白班", time(8, 30), 540, "办公时间 08:30–17:30"),
    ("night", "夜班", time(20, 0), 720, "20:00 至次日 08:00"),
]


@transaction.atomic
def make_duty_demo(world: Any, *, rng: random.Random, log: Callable[[str], None] = print) -> None:
    patterns = {}
    for code, name, start, minutes, description in _PATTERNS:
        patterns[code], _ = ShiftPattern.objects.get_or_create(
            code=code, defaults={"name": name, "start": start, "duration_minutes": minutes, "description": description}
        )
    month = timezone.localdate().replace(day=1)
    made = 0
    for code, unit in world.units.items():
        if not code.endswith("-cs"):
            continue  # each city's customer-service department runs the hotline
        if Roster.objects.filter(unit=unit, month=month).exists():
            continue
        supervisor = next(iter(world.by_unit_role.get((unit.pk, Role.SUPERVISOR), [])), None)
        agents = [u for u in world.users if u.role == Role.AGENT and u.unit and u.unit.path.startswith(unit.path)]
        if supervisor is None or len(agents) < 2:
            continue
        rng.shuffle(agents)
        roster = roster_create(unit=unit, month=month, actor=supervisor, note="供暖期 24 小时倒班")
        roster_fill_rotation(roster=roster, pattern=patterns["day24"], people=agents, actor=supervisor)
        roster_publish(roster=roster, actor=supervisor)
        made += 1
    log(f"duty: {len(patterns)} shift patterns, {made} published rosters for {month:%Y-%m}")
