"""Helpers for the screen and API tests: clock rows written directly, so the tests fix exactly the
deadline they render (whatever clocks the lifecycle created at registration are cancelled first)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from kefu.calendars.models import WorkCalendar
from kefu.sla.choices import ClockStatus
from kefu.sla.models import Clock

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def clear_clocks(case: Any) -> None:
    Clock.objects.filter(case=case, status__in=[ClockStatus.RUNNING, ClockStatus.PAUSED]).update(
        status=ClockStatus.CANCELLED
    )


def add_clock(
    case: Any,
    key: str = "reply",
    *,
    deadline: datetime | None,
    warn_at: datetime | None = None,
    status: str = ClockStatus.RUNNING,
    working: bool = True,
    calendar: str = "office",
    label: str = "满意答复",
    amount: int = 2,
    unit: str = "working_days",
    started_at: datetime | None = None,
    **extra: Any,
) -> Clock:
    return Clock.objects.create(
        case=case,
        key=key,
        label=label,
        calendar=WorkCalendar.objects.get(key=calendar if working else "24x7"),
        amount=amount,
        unit=unit if working else "hours",
        rule=extra.pop("rule", "within: 2 working_days"),
        working_measure=working,
        status=status,
        started_at=started_at or at(2025, 6, 9, 9, 0),
        deadline=deadline,
        warn_at=warn_at,
        **extra,
    )
