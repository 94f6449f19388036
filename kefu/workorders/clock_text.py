"""The repair clock in words for the order page and the technician's list: "还剩 1个工作日3小时（工作时间）",
"已超时 2小时", "按时完成（提前 5小时）" — words, never codes (kefu.web says the same for case clocks; the
dependency direction keeps this app from importing it)."""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext as _

from kefu.workorders.models import WorkOrder
from kefu.workorders.services.repair_clock import repair_minutes_left

__all__ = ("duration_text", "repair_clock_text")

WORKING_DAY_MINUTES = 450  # 08:30–12:00 + 13:30–17:30: the office calendar's day, for saying working days


def duration_text(minutes: int, *, working: bool) -> str:
    m = abs(int(minutes))
    if working and m >= WORKING_DAY_MINUTES:
        days, rest = divmod(m, WORKING_DAY_MINUTES)
        return _("%(days)s working days %(hours)s h") % {"days": days, "hours": rest // 60}
    if not working and m >= 24 * 60:
        days, hours = divmod(m // 60, 24)
        return _("%(days)s d %(hours)s h") % {"days": days, "hours": hours}
    hours, mins = divmod(m, 60)
    return _("%(hours)s h %(minutes)s min") % {"hours": hours, "minutes": mins}


def repair_clock_text(order: WorkOrder, now: datetime | None = None, engines: dict | None = None) -> str:
    """The repair clock of `order` in words; "" when it has none (`engines`: a cache across a list)."""
    left = repair_minutes_left(order, now, engines)
    if left is None:
        return ""
    minutes, working = left
    time = duration_text(minutes, working=working)
    if order.completed_at is not None:
        if minutes >= 0:
            return _("repaired in time (%(time)s to spare)") % {"time": time}
        return _("repaired %(time)s late") % {"time": time}
    if order.paused_at is not None:
        return _("paused while the customer makes us wait (%(time)s left)") % {"time": time}
    if minutes < 0:
        return _("%(time)s overdue") % {"time": time}
    if working:
        return _("%(time)s left (working time)") % {"time": time}
    return _("%(time)s left") % {"time": time}
