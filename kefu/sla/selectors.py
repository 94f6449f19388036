"""Reading deadline clocks and the inbox: time left, state, the queue's nearest deadline, the overdue
board and the unread count.

Everything here reads; nothing writes. Time left is counted in the clock's own measure (working
minutes for working units, elapsed minutes otherwise), so "3 hours left" on a working-hours clock
means three hours of business windows, with the lunch break and the night counted out.

Query budget (the screens and the API rely on it):

- `clocks_for_cases` / `next_deadline_for_cases`: one query for any number of cases (index
  `clock_case_status`), plus one short query per distinct working calendar to check its version.
- `overdue_board`: one query over running clocks (index `clock_status_deadline`) joined to the cases
  the user may see, with the case, its unit, owner and assignee in the same row, plus one for the
  listed clocks' notices that went to the fallback; a supervisor's visibility adds one query for
  their unit subtree.
- `inbox_unread_count`: one COUNT on the `inbox` index (recipient, read_at, -created_at).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Min, OuterRef, Q, QuerySet, Subquery

from kefu.calendars.engine import WorkingTime
from kefu.calendars.selectors import working_time_for
from kefu.core.exceptions import ApplicationError
from kefu.sla.choices import ClockStatus
from kefu.sla.models import Clock, ClockNotice, Notification

__all__ = (
    "BOARD_LIMIT",
    "LIVE_STATUSES",
    "BoardGroup",
    "ClockState",
    "Engines",
    "board_allowed",
    "clock_def_for",
    "clock_state",
    "clock_time_left",
    "clocks_for_cases",
    "inbox",
    "inbox_unread_count",
    "next_deadline_for_cases",
    "next_deadline_subquery",
    "overdue_board",
)

LIVE_STATUSES = (ClockStatus.RUNNING, ClockStatus.PAUSED)
# The board lists at most this many clocks (the most urgent first); a longer list is not readable
# and the page says that more exist.
BOARD_LIMIT = 500


class ClockState:
    OK = "ok"
    WARNING = "warning"
    OVERDUE = "overdue"
    PAUSED = "paused"
    MET = "met"
    MISSED = "missed"
    CANCELLED = "cancelled"
    NO_SCHEDULE = "no_schedule"
    # A promised deadline nobody has promised yet (rulebook `promise:`): no deadline to keep.
    AWAITING_PROMISE = "awaiting_promise"


class Engines(dict):
    """Working-time engines by calendar id, built once per request (each build re-reads the calendar's
    version stamp, one indexed query; caching here keeps that to one per calendar, not per row)."""

    def for_clock(self, clock: Clock) -> WorkingTime:
        engine = self.get(clock.calendar_id)
        if engine is None:
            engine = self[clock.calendar_id] = working_time_for(clock.calendar)
        return engine


def _minutes_between(clock: Clock, a: datetime, b: datetime, engines: Engines | None) -> int:
    if clock.working_measure:
        try:
            return (engines if engines is not None else Engines()).for_clock(clock).working_minutes_between(a, b)
        except ApplicationError:
            # The year is not loaded on the calendar (ScheduleMissing): fall back to elapsed time
            # rather than failing the page; the clock itself refuses to compute in that case.
            pass
    return (b - a) // timedelta(minutes=1)


def clock_time_left(clock: Clock, now: datetime, engines: Engines | None = None) -> int | None:
    """Minutes from `now` to the deadline in the clock's measure; negative when overdue.

    A paused clock keeps what it had left when it paused (allowed + extended − used). A stopped clock
    (met, missed, cancelled) reports what was left when it stopped, so "met with 2 hours to spare" and
    "missed by one day" stay readable afterwards. None when the clock has no deadline.
    """
    if clock.status == ClockStatus.PAUSED:
        if clock.allowed_minutes:
            return clock.allowed_minutes + clock.extended_minutes - clock.used_minutes
        return None
    if clock.deadline is None:
        return None
    at = now
    if clock.status != ClockStatus.RUNNING and clock.stopped_at is not None:
        at = clock.stopped_at
    return _minutes_between(clock, at, clock.deadline, engines)


def clock_state(clock: Clock, now: datetime) -> str:
    """ok / warning (past warn_at) / overdue / paused / met / missed / cancelled / no_schedule /
    awaiting_promise."""
    if clock.status in (ClockStatus.MET, ClockStatus.MISSED, ClockStatus.CANCELLED):
        return str(clock.status)
    if clock.status == ClockStatus.PAUSED:
        return ClockState.PAUSED
    if clock.awaiting_promise:
        return ClockState.AWAITING_PROMISE
    if clock.deadline is None:
        return ClockState.NO_SCHEDULE
    if now >= clock.deadline:
        return ClockState.OVERDUE
    if clock.warn_at is not None and now >= clock.warn_at:
        return ClockState.WARNING
    return ClockState.OK


def clock_def_for(case: Any, key: str) -> Any:
    """The rulebook's ClockDef for a clock key of this case, or None (the rule was removed)."""
    try:
        sla = case.type_def.sla
    except KeyError:
        return None
    if sla is None:
        return None
    return next((c for c in sla.clocks if c.key == key), None)


def clocks_for_cases(case_ids: Iterable[int], *, live_only: bool = False) -> dict[int, list[Clock]]:
    """Every clock of these cases in one query, by case id, most urgent first."""
    ids = list(case_ids)
    out: dict[int, list[Clock]] = {pk: [] for pk in ids}
    if not ids:
        return out
    qs = Clock.objects.filter(case_id__in=ids).select_related("calendar")
    if live_only:
        qs = qs.filter(status__in=LIVE_STATUSES)
    for clock in qs.order_by("case_id", "started_at", "id"):
        out[clock.case_id].append(clock)
    for clocks in out.values():
        clocks.sort(key=_urgency)
    return out


def _urgency(clock: Clock) -> tuple[int, float, int]:
    # Running clocks with a deadline first (earliest deadline first), then paused, then stopped.
    live = clock.status in LIVE_STATUSES
    if clock.status == ClockStatus.RUNNING and clock.deadline is not None:
        return (0, clock.deadline.timestamp(), clock.pk)
    return (1 if live else 2, clock.started_at.timestamp(), clock.pk)


def next_deadline_for_cases(case_ids: Iterable[int]) -> dict[int, Clock | None]:
    """The nearest live clock of each case (running with the earliest deadline, else a paused one)."""
    return {pk: (clocks[0] if clocks else None) for pk, clocks in clocks_for_cases(case_ids, live_only=True).items()}


def next_deadline_subquery() -> Subquery:
    """Earliest deadline of the case's running clocks, for `annotate()` and sorting the queue.

    A correlated subquery that reads the `clock_case_status` index (case, status) per case: cheap per
    row. Sorting a whole queue by it still evaluates it for every case in the (filtered) queue before
    the page is cut, so its cost grows with the cases the list covers, not with the page: fine for a
    person's or a unit's queue, about a second per million cases on PostgreSQL for an all-seeing role
    with no filter. Narrow by status ("open") or unit first at that scale; the overdue board, which
    starts from the clocks' (status, deadline) index, is the screen for "what is due company-wide".
    """
    return Subquery(
        Clock.objects.filter(case_id=OuterRef("pk"), status=ClockStatus.RUNNING)
        .order_by()
        .values("case_id")
        .annotate(first=Min("deadline"))
        .values("first")[:1]
    )


# --------------------------------------------------------------------------------------------------
# Overdue / escalation board


def board_allowed(user: Any) -> bool:
    """Supervisors, managers and the all-seeing roles."""
    return bool(user.is_authenticated and (user.is_superuser or user.sees_unit or user.sees_everything))


@dataclass
class BoardGroup:
    unit: Any
    rows: list[dict[str, Any]] = field(default_factory=list)
    overdue: int = 0
    warning: int = 0
    max_level: int = 0
    fallback: int = 0  # rows with a notice that reached nobody it named and went to the fallback


def overdue_board(user: Any, now: datetime, *, limit: int = BOARD_LIMIT) -> tuple[list[BoardGroup], bool]:
    """Running clocks past their deadline or their warning point, on cases the user may see, grouped
    by the case's responsible unit (groups ordered by their most urgent deadline, rows by deadline).

    Each row has `fallbacks`: the clock's notices that went to the fallback people because nobody
    they named could be told, as dicts (kind, level, targets), lowest level first.

    Returns (groups, truncated). One query for the clocks with their cases and one for their
    fallback notices (plus the visibility scope's own query for a supervisor); time left needs one
    stamp query per working calendar.
    """
    from kefu.cases.models import Case

    visible = Case.objects.visible_to(user).values("pk")
    # warn_at is always before the deadline, so "past warn_at" covers "past the deadline" except for
    # clocks without a warning point; the status + deadline index narrows the scan to running clocks.
    qs = (
        Clock.objects.filter(status=ClockStatus.RUNNING, deadline__isnull=False, case_id__in=visible)
        .filter(Q(deadline__lte=now) | Q(warn_at__lte=now))
        .select_related(
            "calendar",
            "case",
            "case__responsible_unit__parent",
            "case__receiving_unit__parent",
            "case__owner",
            "case__assignee",
            "case__rulebook_version",
            "case__customer",  # an anonymous case's title is shown with its complainant blanked
        )
        .defer(
            "case__description",
            "case__rulebook_version__document",
            "case__rulebook_version__source_text",
        )
        .order_by("deadline", "id")
    )
    clocks = list(qs[: limit + 1])
    truncated = len(clocks) > limit
    clocks = clocks[:limit]
    fallbacks: dict[int, list[dict[str, Any]]] = {}
    if clocks:
        notices = ClockNotice.objects.filter(clock_id__in=[c.pk for c in clocks], fallback=True)
        for clock_id, kind, level, targets in notices.order_by("clock_id", "level").values_list(
            "clock_id", "kind", "level", "targets"
        ):
            fallbacks.setdefault(clock_id, []).append({"kind": kind, "level": level, "targets": targets})
    engines = Engines()
    groups: dict[Any, BoardGroup] = {}
    for clock in clocks:
        case = clock.case
        unit = case.responsible_unit or case.receiving_unit
        group = groups.setdefault(unit.pk if unit else None, BoardGroup(unit=unit))
        state = clock_state(clock, now)
        if state == ClockState.OVERDUE:
            group.overdue += 1
        else:
            group.warning += 1
        group.max_level = max(group.max_level, clock.escalation_level)
        if clock.pk in fallbacks:
            group.fallback += 1
        group.rows.append(
            {
                "clock": clock,
                "case": case,
                "state": state,
                "left": clock_time_left(clock, now, engines),
                "fallbacks": fallbacks.get(clock.pk, []),
            }
        )
    return list(groups.values()), truncated


# --------------------------------------------------------------------------------------------------
# Inbox


def inbox(user: Any, *, unread_only: bool = False) -> QuerySet[Notification]:
    """The user's own notifications, newest first (index `inbox`)."""
    qs = Notification.objects.filter(recipient=user)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs.select_related("case").order_by("-created_at", "-id")


def inbox_unread_count(user: Any) -> int:
    """One COUNT on the inbox index; 0 for anonymous users."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
