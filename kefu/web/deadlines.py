"""Presenting deadline clocks: time left in words, the state's colour, the label in the current language.

The arithmetic lives in kefu.sla.selectors; this module only turns minutes and states into text.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from kefu.calendars.models import WeeklyWindow
from kefu.sla.models import Clock
from kefu.sla.selectors import ClockState, Engines, clock_def_for, clock_state, clock_time_left

__all__ = (
    "clock_row",
    "format_duration",
    "rule_text",
    "state_label",
    "time_left_text",
    "unit_text",
    "working_day_minutes",
)


def _english() -> bool:
    return (get_language() or "").startswith("en")


def working_day_minutes(calendar_id: int | None, cache: dict | None = None) -> int | None:
    """The length of the calendar's usual working day in minutes (the most common weekday total of its
    weekly windows: 8:30–12:00 + 13:30–17:30 → 450); None for a 24×7 calendar or one without windows."""
    cache = {} if cache is None else cache
    key = ("working_day_minutes", calendar_id)
    if key not in cache:
        totals: dict[int, int] = {}
        windows = WeeklyWindow.objects.filter(calendar_id=calendar_id, calendar__is_24x7=False)
        for weekday, start, end in windows.values_list("weekday", "start", "end"):
            totals[weekday] = totals.get(weekday, 0) + (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
        cache[key] = Counter(totals.values()).most_common(1)[0][0] if totals else None
    return cache[key]


def format_duration(minutes: int, *, working: bool, day_minutes: int | None = None) -> str:
    """'3小时20分' / '1天2小时' / '3个工作日2小时'. Working time of a working day or more is said in working
    days (of `day_minutes`, the calendar's day) and hours; elapsed time of a day or more in days and hours."""
    m = abs(int(minutes))
    if working and day_minutes and m >= day_minutes:
        days, rest = divmod(m, day_minutes)
        hours = rest // 60
        if hours:
            return _("%(days)s working days %(hours)s h") % {"days": days, "hours": hours}
        return _("%(days)s working days") % {"days": days}
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


def time_left_text(minutes: int | None, *, working: bool, state: str = "", day_minutes: int | None = None) -> str:
    """'剩余 3小时20分（工作时间）' / '超时 3个工作日2小时' / '超时 1天2小时'; for a stopped clock, the
    margin it stopped with."""
    if minutes is None:
        return "—"
    time = format_duration(minutes, working=working, day_minutes=day_minutes)
    if working and day_minutes and abs(minutes) >= day_minutes:
        working = False  # "个工作日" already says it is working time
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
        "left_text": time_left_text(
            left,
            working=clock.working_measure,
            state=state,
            day_minutes=working_day_minutes(clock.calendar_id, engines) if clock.working_measure else None,
        ),
        # A promised time is the person's, not a length the rulebook gives.
        "limit_text": _("promised time")
        if clock.promised_at or clock.awaiting_promise
        else unit_text(clock.amount, clock.unit),
        "working": clock.working_measure,
    }


# The rulebook vocabulary a clock's rule names (kefu.sla.rules.describe_condition), said in words.
_FACT_LABELS = {
    "category": _lazy("category"),
    "severity": _lazy("severity"),
    "channel": _lazy("channel"),
    "customer_grade": _lazy("customer grade"),
    "region": _lazy("region"),
    "overseas": _lazy("overseas customer"),
    "anonymous": _lazy("anonymous complaint"),
}
_SEPARATOR = " · "  # kefu.sla.services marks a missing calendar year after it


def _value_label(case: Any, key: str, code: str) -> str:
    doc = getattr(case, "rulebook", None)
    found = None
    if doc is not None and key == "severity":
        found = doc.severity(code)
    elif doc is not None and key == "category":
        found = next((c for c in doc.categories if c.code == code), None)
    elif doc is not None and key == "channel":
        found = next((c for c in getattr(doc, "channels", []) or [] if getattr(c, "code", None) == code), None)
    if found is None:
        return {"yes": _("yes"), "no": _("no")}.get(code, code)
    label_en = getattr(found, "label_en", "")
    return label_en if _english() and label_en else getattr(found, "label", code)


def rule_text(clock: Clock, case: Any = None) -> str:
    """Why the clock has its limit, in words: "the standard limit", "because severity is 重大",
    "a promised time"; what the rulebook wrote is kept only where no words exist for it."""
    rule, _sep, note = (clock.rule or "").partition(_SEPARATOR)
    why = rule.split(" → ")[0].strip()
    if clock.promised_at or clock.awaiting_promise or why.startswith(("promised", "awaiting promise")):
        text = _("a time promised to the customer")
    elif why in ("", "default", "*"):
        text = _("the standard limit")
    else:
        parts = []
        for part in why.split(", "):
            key, eq, values = part.partition("=")
            if not eq or key not in _FACT_LABELS:
                parts = []
                break
            shown = _(" or ").join(_value_label(case, key, v) for v in values.split("/"))
            parts.append(_("%(fact)s is %(value)s") % {"fact": _FACT_LABELS[key], "value": shown})
        text = _("because %(conditions)s") % {"conditions": _(" and ").join(parts)} if parts else why
    return f"{text}{_SEPARATOR}{note}" if note else text
