"""Presenting deadline clocks: time left in words, the state's colour, the label in the current language.

The arithmetic lives in kefu.sla.selectors; this module only turns minutes and states into text.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from kefu.sla.models import Clock
from kefu.sla.selectors import ClockState, Engines, clock_def_for, clock_state, clock_time_left

__all__ = ("clock_row", "format_duration", "state_label", "time_left_text", "unit_text")


def _english() -> bool:
    return (get_language() or "").startswith("en")


def format_duration(minutes: int, *, working: bool) -> str:
    """'3小时20分' / '1天2小时'. Working time is shown in hours and minutes (a working day's length
    depends on the calendar); elapsed time of a day or more in days and hours."""
    m = abs(int(minutes))
    if not working and m >= 24 * 60:
        days, hours = divmod(m // 60, 24)
        if hours:
            return _("%(days)s d %(hours)s h") % {"days": days, "hours": hours}
        return _("%(days)s d") % {"days": days}
    hours, mins = divmod(m, 60)
    if hours and mins:
        return _("%(hours)s h %(minutes)s min") % {"hours": hours, "minutes": mins}
    if hours:
        return _("%(hours)s h") % {"hours": hours}
    return _("%(minutes)s min") % {"minutes": mins}


def time_left_text(minutes: int | None, *, working: bool, state: str = "") -> str:
    """'剩余 3小时20分（工作时间）' / '超时 1天2小时'; for a stopped clock, the margin it stopped with."""
    if minutes is None:
        return "—"
    time = format_duration(minutes, working=working)
    if state in (ClockState.MET, ClockState.MISSED, ClockState.CANCELLED):
        if minutes >= 0:
            return _("stopped with %(time)s to spare") % {"time": time}
        return _("stopped %(time)s late") % {"time": time}
    if minutes < 0 or state == ClockState.OVERDUE:
        if working:
            return _("%(time)s overdue (working time)") % {"time": time}
        return _("%(time)s overdue") % {"time": time}
    if working:
        return _("%(time)s left (working time)") % {"time": time}
    return _("%(time)s left") % {"time": time}


def state_label(state: str) -> str:
    return {
        ClockState.OK: _("On track"),
        ClockState.WARNING: _("Due soon"),
        ClockState.OVERDUE: _("Overdue"),
        ClockState.PAUSED: _("Paused"),
        ClockState.MET: _("Met"),
        ClockState.MISSED: _("Missed"),
        ClockState.CANCELLED: _("Cancelled"),
        ClockState.NO_SCHEDULE: _("No schedule"),
        ClockState.AWAITING_PROMISE: _("Awaiting a promised time"),
    }.get(state, state)


def unit_text(amount: int, unit: str) -> str:
    """'2 working_days' in words: '2 个工作日'."""
    texts = {
        "minutes": _("%(n)s minutes"),
        "hours": _("%(n)s hours"),
        "working_minutes": _("%(n)s working minutes"),
        "working_hours": _("%(n)s working hours"),
        "working_days": _("%(n)s working days"),
        "calendar_days": _("%(n)s calendar days"),
        "same_working_day": _("the same working day"),
        "nth_of_next_month": _("by day %(n)s of next month"),
    }
    text = texts.get(unit)
    if text is None:
        return f"{amount} {unit}"
    return text % {"n": amount} if "%(n)s" in text else text


def clock_label(clock: Clock, case: Any = None) -> str:
    if _english() and case is not None:
        definition = clock_def_for(case, clock.key)
        if definition is not None and definition.label_en:
            return definition.label_en
    return clock.label


def clock_row(clock: Clock, now: datetime, engines: Engines, case: Any = None) -> dict[str, Any]:
    """Everything a template shows about one clock."""
    state = clock_state(clock, now)
    left = clock_time_left(clock, now, engines)
    return {
        "clock": clock,
        "label": clock_label(clock, case),
        "state": state,
        "state_label": state_label(state),
        "left": left,
        "left_text": time_left_text(left, working=clock.working_measure, state=state),
        # A promised time is the person's, not a length the rulebook gives.
        "limit_text": _("promised time")
        if clock.promised_at or clock.awaiting_promise
        else unit_text(clock.amount, clock.unit),
        "working": clock.working_measure,
    }
