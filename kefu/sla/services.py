"""The life of a deadline clock: start, stop, pause, resume, extend, recompute. docs/sla.md.

The hooks (`clocks_*`) run inside the case service that changed the case, in its transaction, with
the case row already locked by it: a clock never changes without the case change that caused it,
and two writers of one case queue on the case row. `clock_extend` is a service of its own.

Bookkeeping of a live clock (all minutes in the clock's measure, see `rules.is_working_measure`):

- `allowed_minutes`: the limit measured from `started_at` (1 working day from Monday 20:00 is the
  450 working minutes up to Tuesday 17:30);
- `extended_minutes`: extensions granted;
- `used_minutes`: time consumed before the current running stretch, which began at `resumed_at`
  (or `started_at` if the clock never paused); wall-clock clocks also keep the seconds beyond it
  (`used_extra_seconds`).

Wall-clock clocks (minutes, hours, calendar days…) keep seconds: a 3-minute clock started at
22:00:20 warns at 50 % at 22:01:50 and is due at 22:03:20. Working-time clocks count whole minutes.

A running clock's deadline is the instant when `allowed + extended − used` more minutes have passed
since its stretch began. A clock that never paused keeps the exact deadline of its unit instead
(the end of the N-th working day, 24:00 of the N-th calendar day), which that formula reproduces
anyway except for seconds.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.calendars.engine import ScheduleMissing, WorkingTime
from kefu.calendars.models import WorkCalendar
from kefu.calendars.selectors import working_time_for
from kefu.cases.changes import case_record_change
from kefu.cases.choices import CaseStatus, EventKind
from kefu.core.exceptions import ApplicationError
from kefu.core.hotpath import insert_rows
from kefu.rulebooks.choices import StateKind
from kefu.rulebooks.schema import ClockDef
from kefu.sla.choices import ClockStatus
from kefu.sla.escalation import plan_from_start
from kefu.sla.models import Clock
from kefu.sla.rules import (
    AWAITING_PROMISE,
    case_facts,
    clock_def,
    condition_matches,
    is_working_measure,
    select_limit,
)

if TYPE_CHECKING:
    from kefu.cases.models import Case
    from kefu.org.models import User

__all__ = (
    "clocks_cancel",
    "clocks_on_stage_change",
    "clocks_pause",
    "clocks_recompute",
    "clocks_recompute_missing",
    "clocks_resume",
    "clocks_start_for",
    "clocks_stop_for",
)

LIVE = (ClockStatus.RUNNING, ClockStatus.PAUSED)
# Separates the rule from the note saying the deadline waits for a calendar year.
_MISSING_SEP = " · "
_MINUTE = timedelta(minutes=1)


# --------------------------------------------------------------------------------------------------
# Arithmetic in the clock's measure


def _measure(engine: WorkingTime, working: bool, a: datetime, b: datetime) -> int:
    if working:
        return engine.working_minutes_between(a, b)
    return (b - a) // _MINUTE


def _add(engine: WorkingTime, working: bool, t: datetime, minutes: int) -> datetime:
    if working:
        return engine.add_working_minutes(t, minutes)
    return t + timedelta(minutes=minutes)


def _used(clock: Clock) -> timedelta:
    return timedelta(minutes=clock.used_minutes, seconds=clock.used_extra_seconds)


def _bank_used(clock: Clock, engine: WorkingTime, stretch: datetime, at: datetime) -> None:
    """Add the time from `stretch` to `at` to what the clock used, in its measure (wall-clock: to the
    second)."""
    if clock.working_measure:
        clock.used_minutes += max(_measure(engine, True, stretch, at), 0)
        return
    seconds = clock.used_minutes * 60 + clock.used_extra_seconds + max(int((at - stretch).total_seconds()), 0)
    clock.used_minutes, clock.used_extra_seconds = divmod(seconds, 60)


def _allowed(clock: Clock, engine: WorkingTime) -> datetime:
    """Set `allowed_minutes` from the limit; return the limit's own deadline from `started_at`."""
    nominal = engine.add(clock.started_at, clock.amount, clock.unit)
    clock.allowed_minutes = max(_measure(engine, clock.working_measure, clock.started_at, nominal), 0)
    return nominal


def _refresh(clock: Clock, *, engine: WorkingTime, warn_percent: int) -> None:
    """Recompute allowed, deadline and warning instant of a running clock. Raises ScheduleMissing."""
    working = clock.working_measure
    nominal = _allowed(clock, engine)
    if not working:
        _refresh_wall_clock(clock, nominal=nominal, warn_percent=warn_percent)
        return
    total = clock.allowed_minutes + clock.extended_minutes
    warn_total = total * warn_percent // 100
    if clock.resumed_at is None and clock.used_minutes == 0:
        # Never paused: keep the unit's exact deadline (end of the working day, 24:00, …).
        deadline = _add(engine, working, nominal, clock.extended_minutes)
        warn_at = _add(engine, working, clock.started_at, warn_total)
    else:
        stretch = clock.resumed_at or clock.started_at
        # Time already used beyond the (new) limit: the deadline passed before this stretch began;
        # the start of the stretch is the earliest instant we can name without subtracting.
        deadline = _add(engine, working, stretch, max(total - clock.used_minutes, 0))
        warn_at = _add(engine, working, stretch, max(warn_total - clock.used_minutes, 0))
    clock.deadline, clock.warn_at = deadline, min(warn_at, deadline)
    clock.rule = clock.rule.split(_MISSING_SEP)[0]


def _refresh_wall_clock(clock: Clock, *, nominal: datetime, warn_percent: int) -> None:
    """`_refresh` for a wall-clock measure, to the microsecond rather than in whole minutes: the
    allowed time is exactly `nominal − started_at` (plus extensions), the warning exactly
    `warn_percent` of it."""
    extended = timedelta(minutes=clock.extended_minutes)
    total = nominal - clock.started_at + extended
    warn_total = total * warn_percent / 100
    used = _used(clock)
    if clock.resumed_at is None and not used:
        deadline, warn_at = nominal + extended, clock.started_at + warn_total
    else:
        stretch = clock.resumed_at or clock.started_at
        deadline = stretch + max(total - used, timedelta(0))
        warn_at = stretch + max(warn_total - used, timedelta(0))
    clock.deadline, clock.warn_at = deadline, min(warn_at, deadline)
    clock.rule = clock.rule.split(_MISSING_SEP)[0]


def _schedule(clock: Clock) -> None:
    """The first moment the sweep must look at the clock; the sweep plans the rest itself.

    A warning instant already in the past is kept: the sweep then sends the warning at once if the
    deadline is still ahead, and skips it (the overdue notice says more) if not.
    """
    if clock.status != ClockStatus.RUNNING or clock.deadline is None:
        clock.next_check_at = None
    elif not clock.warned and clock.warn_at is not None:
        clock.next_check_at = clock.warn_at
    else:
        clock.next_check_at = clock.deadline


def _rearm(clock: Clock, now: datetime) -> None:
    """After the deadline moved: if it is in the future again, the warning and the ladder start over.

    Notices that already fired stay fired (ClockNotice is unique per clock, kind and level), so
    "start over" means the sweep plans from the new deadline without repeating a level."""
    if clock.deadline is not None and clock.deadline > now:
        clock.warned = False
        clock.escalation_level = 0
    _schedule(clock)


def _mark_missing(clock: Clock, exc: ScheduleMissing) -> None:
    clock.deadline = clock.warn_at = clock.next_check_at = None
    note = _("no deadline until the %(year)s schedule of calendar “%(calendar)s” is loaded") % {
        "year": exc.year,
        "calendar": exc.calendar,
    }
    clock.rule = f"{clock.rule.split(_MISSING_SEP)[0]}{_MISSING_SEP}{note}"[:200]


def _iso(value: datetime | None) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


def _fmt(value: datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "—"


# Calendars by (stamp of all calendars, key), per process: registration reads the stamp with its
# rulebook (kefu.rulebooks.selectors.rulebook_for_new_case), so a calendar changed since is read again.
_CALENDARS: dict[tuple[str, str], WorkCalendar] = {}


class _Engines:
    """Engines and calendars for one call (working_time_for re-reads the stamp once per calendar,
    except for a calendar this call has just read by key: its row carries the current stamp).

    With `stamp` (the calendars' stamp read in this transaction), a calendar comes from `_CALENDARS`
    when the stamp still matches: no query."""

    def __init__(self, stamp: str | None = None) -> None:
        self._engines: dict[int, WorkingTime] = {}
        self._calendars: dict[str, WorkCalendar] = {}
        self._stamp = stamp

    def calendar(self, key: str) -> WorkCalendar:
        if key not in self._calendars and self._stamp and (cached := _CALENDARS.get((self._stamp, key))):
            self._calendars[key] = cached
        if key not in self._calendars:
            found = WorkCalendar.objects.filter(key=key).first()
            if found is not None and self._stamp:
                if len(_CALENDARS) > 64:  # old stamps (a handful of calendars per site): the oldest goes
                    del _CALENDARS[next(iter(_CALENDARS))]
                _CALENDARS[(self._stamp, key)] = found
            if found is None:
                raise ApplicationError(
                    _(
                        "The rulebook's deadline rules use the working calendar “%(calendar)s”, which does not "
                        "exist. Create it (kefu calendar create-defaults) or correct the rulebook."
                    )
                    % {"calendar": key},
                    extra={"calendar": [key]},
                )
            self._calendars[key] = found
        return self._calendars[key]

    def engine(self, calendar_id: int) -> WorkingTime:
        if calendar_id not in self._engines:
            read = next((c for c in self._calendars.values() if c.pk == calendar_id), None)
            self._engines[calendar_id] = (
                working_time_for(read, fresh=True) if read else working_time_for(WorkCalendar(pk=calendar_id))
            )
        return self._engines[calendar_id]


def _warn_percent(definition: ClockDef | None) -> int:
    return definition.warn_at if definition is not None else 75


def _history(case: Case, *, actor: User, message: str, data: dict[str, Any]) -> None:
    """A DEADLINE row in the case history. It gets a version of its own: (case, version) is unique."""
    case_record_change(
        case,
        actor=actor,
        kind=EventKind.DEADLINE,
        from_stage=case.stage,
        from_status=case.status,
        message=message,
        data=data,
    )


def _missing_history(case: Case, *, actor: User, clocks: list[tuple[Clock, ScheduleMissing]]) -> None:
    if not clocks:
        return
    lines = [
        _("%(clock)s: no deadline yet. %(error)s") % {"clock": clock.label, "error": exc.message}
        for clock, exc in clocks
    ]
    _history(
        case,
        actor=actor,
        message="\n".join(lines),
        data={"missing_year": [{"clock": c.key, "calendar": e.calendar, "year": e.year} for c, e in clocks]},
    )


def _live(case: Case, keys: Iterable[str] | None = None, statuses: Iterable[str] = LIVE) -> list[Clock]:
    qs = Clock.objects.select_for_update().filter(case=case, status__in=list(statuses))
    if keys is not None:
        qs = qs.filter(key__in=list(keys))
    return list(qs.order_by("id"))


def _update(clock: Clock, *fields: str) -> None:
    clock.save(update_fields=list(fields))


_TIMING = ("allowed_minutes", "deadline", "warn_at", "next_check_at", "rule", "warned", "escalation_level")


# --------------------------------------------------------------------------------------------------
# Hooks called by the case services


def clocks_start_for(*, case: Case, stage: str, at: datetime, actor: User, live: set[str] | None = None) -> list[Clock]:
    """Start the clocks whose `starts_on` lists `stage` ('registered' at registration).

    A clock whose key is already live is left alone (a case going round a loop does not restart a
    running limit). A clock started in a pause state or while the case is suspended starts paused.
    `live`: the keys of the case's live clocks when the caller knows them (registration: the case
    was created in this transaction), which saves reading them.
    """
    sla = case.type_def.sla
    facts = case_facts(case)
    definitions = (
        [d for d in sla.clocks if stage in d.starts_on and condition_matches(d.when, facts, case)] if sla else []
    )
    if not definitions:
        return []
    if live is None:
        live = set(Clock.objects.filter(case=case, status__in=LIVE).values_list("key", flat=True))
    else:
        live = set(live)
    # A case registered in this transaction carries the calendars' stamp on its rulebook version.
    engines = _Engines(stamp=getattr(case.rulebook_version, "calendars_stamp", None))
    paused = case.stage in sla.pause_in or case.status == CaseStatus.SUSPENDED
    created: list[Clock] = []
    missing: list[tuple[Clock, ScheduleMissing]] = []
    for definition in definitions:
        if definition.key in live:
            continue
        limit = select_limit(definition, facts, case)
        calendar = engines.calendar(definition.calendar or case.rulebook.calendar)
        clock = Clock(
            case=case,
            key=definition.key,
            label=definition.label,
            calendar=calendar,
            amount=limit.amount,
            unit=limit.unit,
            rule=limit.rule[:200],
            working_measure=is_working_measure(limit.unit),
            started_at=at,
            ladder=definition.ladder or "",
            resolution=definition.resolution,
            escalate_from_start=definition.escalate_from == "start",
            awaiting_promise=limit.rule == AWAITING_PROMISE,
        )
        try:
            if clock.awaiting_promise:
                clock.working_measure = False  # a promised time is an instant: counted in elapsed minutes
            else:
                _refresh(clock, engine=engines.engine(calendar.pk), warn_percent=definition.warn_at)
        except ScheduleMissing as exc:
            # The case must not fail because next year's schedule is not published yet: the clock
            # waits without a deadline and clocks_recompute_missing fills it when the year is loaded.
            _mark_missing(clock, exc)
            missing.append((clock, exc))
        if paused:
            clock.status = ClockStatus.PAUSED
        _schedule(clock)
        if clock.escalate_from_start:
            steps = case.rulebook.escalation_ladders.get(clock.ladder)
            plan_from_start(clock, steps=steps, engine=engines.engine(calendar.pk))
        created.append(clock)
        live.add(definition.key)
    insert_rows(created)  # one INSERT for all of them, compiled once (Clock has no save() hooks)
    _missing_history(case, actor=actor, clocks=missing)
    return created


def clocks_stop_for(*, case: Case, stage: str, at: datetime) -> list[Clock]:
    """Stop the live clocks whose `stops_on` lists `stage`: met if on time, missed if late."""
    sla = case.type_def.sla
    keys = [d.key for d in sla.clocks if stage in d.stops_on] if sla else []
    if not keys:
        return []
    engines = _Engines()
    stopped = _live(case, keys)
    for clock in stopped:
        if clock.status == ClockStatus.PAUSED:
            # Paused: the deadline is not running; what counts is the time used.
            met = clock.deadline is None or clock.used_minutes <= clock.allowed_minutes + clock.extended_minutes
        else:
            # Deadline unknown (its year is not loaded): it lies beyond the last loaded year, so a
            # stop now is on time as far as anyone can tell.
            met = clock.deadline is None or at <= clock.deadline
            try:
                _bank_used(clock, engines.engine(clock.calendar_id), clock.resumed_at or clock.started_at, at)
            except ScheduleMissing:
                pass  # the time taken is a statistic; the outcome above does not depend on it
        clock.status = ClockStatus.MET if met else ClockStatus.MISSED
        clock.stopped_at = at
        clock.next_check_at = None
        _update(clock, "status", "stopped_at", "next_check_at", "used_minutes", "used_extra_seconds")
    return stopped


def clocks_cancel(*, case: Case, at: datetime) -> int:
    """Cancel every live clock: the case was closed or archived without reaching their stop states,
    withdrawn or merged. Cancelled clocks are neither met nor missed."""
    return Clock.objects.filter(case=case, status__in=LIVE).update(
        status=ClockStatus.CANCELLED, stopped_at=at, next_check_at=None
    )


def clocks_pause(*, case: Case, at: datetime) -> list[Clock]:
    """Pause every running clock, banking the time it used since it last (re)started.

    Raises ScheduleMissing when `at` itself is in a year the calendar does not have: the time used
    cannot be counted, and the message says which year to load.
    """
    engines = _Engines()
    paused = _live(case, statuses=[ClockStatus.RUNNING])
    for clock in paused:
        _bank_used(clock, engines.engine(clock.calendar_id), clock.resumed_at or clock.started_at, at)
        clock.status = ClockStatus.PAUSED
        clock.next_check_at = None
        _update(clock, "used_minutes", "used_extra_seconds", "status", "next_check_at")
    return paused


def clocks_resume(*, case: Case, at: datetime, actor: User) -> list[Clock]:
    """Resume every paused clock: the remaining time (allowed + extended − used) runs from `at`.

    The remainder is always counted in the clock's measure, so a clock in working days resumes
    with working minutes: 1 working day paused after 2 working hours resumes with 5.5 working hours,
    due mid-day rather than at the end of a working day.
    """
    engines = _Engines()
    now = timezone.now()
    resumed = _live(case, statuses=[ClockStatus.PAUSED])
    missing: list[tuple[Clock, ScheduleMissing]] = []
    for clock in resumed:
        clock.status = ClockStatus.RUNNING
        clock.resumed_at = at
        if clock.awaiting_promise:
            _update(clock, "status", "resumed_at")  # no deadline to move until one is promised
            continue
        try:
            _refresh(
                clock, engine=engines.engine(clock.calendar_id), warn_percent=_warn_percent(clock_def(case, clock.key))
            )
        except ScheduleMissing as exc:
            _mark_missing(clock, exc)
            missing.append((clock, exc))
        if clock.deadline is not None and clock.deadline > now and clock.escalation_level:
            # Paused while overdue and resumed with time left (an extension while paused): the
            # ladder plans from the new deadline again.
            clock.escalation_level = 0
        _schedule(clock)
        if clock.escalate_from_start:
            steps = case.rulebook.escalation_ladders.get(clock.ladder)
            plan_from_start(clock, steps=steps, engine=engines.engine(clock.calendar_id))
        _update(clock, "status", "resumed_at", *_TIMING)
    _missing_history(case, actor=actor, clocks=missing)
    return resumed


def clocks_on_stage_change(*, case: Case, from_stage: str, at: datetime, actor: User) -> None:
    """Everything the clocks do when a case enters a new stage, in this order: stop the clocks that
    end there; on a closed or archived state cancel the rest; otherwise pause or resume on entering
    or leaving a pause state, then start the clocks that begin there."""
    type_def = case.type_def
    clocks_stop_for(case=case, stage=case.stage, at=at)
    if type_def.state(case.stage).kind in (StateKind.CLOSED, StateKind.ARCHIVED):
        clocks_cancel(case=case, at=at)
        return
    pause_in = set(type_def.sla.pause_in) if type_def.sla else set()
    if case.status == CaseStatus.OPEN:
        if case.stage in pause_in and from_stage not in pause_in:
            clocks_pause(case=case, at=at)
        elif from_stage in pause_in and case.stage not in pause_in:
            clocks_resume(case=case, at=at, actor=actor)
    clocks_start_for(case=case, stage=case.stage, at=at, actor=actor)


def clocks_recompute(*, case: Case, at: datetime, reason: str, actor: User) -> list[Clock]:
    """Re-select the limit of every live clock after the case's category or severity changed.

    The time already used is kept: the new deadline is where the new limit ends when counted from
    the clock's start with the paused time left out, i.e. "remaining = new limit − used" from `at`.
    A new deadline already in the past makes the clock overdue at once. One DEADLINE history row
    says, per clock, the old and new deadline and the rule that applies now.
    """
    facts = case_facts(case)
    engines = _Engines()
    changed: list[dict[str, Any]] = []
    lines: list[str] = []
    updated: list[Clock] = []
    for clock in _live(case):
        definition = clock_def(case, clock.key)
        if definition is None or clock.awaiting_promise or clock.promised_at is not None:
            continue  # a promised time is the person's, not the rulebook's: it does not move
        limit = select_limit(definition, facts, case)
        if (limit.amount, limit.unit) == (clock.amount, clock.unit):
            continue
        old = {"deadline": clock.deadline, "limit": f"{clock.amount} {clock.unit}", "rule": clock.rule}
        # Variants of one clock should share a measure (docs/sla.md); if they do not, minutes banked
        # before a pause are carried over as they are.
        clock.amount, clock.unit = limit.amount, limit.unit
        clock.working_measure = is_working_measure(limit.unit)
        clock.rule = limit.rule[:200]
        engine = engines.engine(clock.calendar_id)
        try:
            if clock.status == ClockStatus.RUNNING:
                _refresh(clock, engine=engine, warn_percent=definition.warn_at)
                _rearm(clock, at)
            else:
                _allowed(clock, engine)
                if clock.deadline is not None:
                    clock.deadline = None  # recomputed on resume; the old one no longer applies
        except ScheduleMissing as exc:
            _mark_missing(clock, exc)
        _update(clock, "amount", "unit", "working_measure", *_TIMING)
        updated.append(clock)
        values = {
            "clock": clock.label,
            "old": _fmt(old["deadline"]),
            "new": _fmt(clock.deadline) if clock.status == ClockStatus.RUNNING else _("paused"),
            "rule": clock.rule,
        }
        lines.append(_("%(clock)s: due %(old)s → %(new)s (%(rule)s)") % values)
        changed.append(
            {
                "clock": clock.key,
                "old_deadline": _iso(old["deadline"]),
                "new_deadline": _iso(clock.deadline),
                "old_limit": old["limit"],
                "new_limit": f"{clock.amount} {clock.unit}",
                "rule": clock.rule,
                "used_minutes": clock.used_minutes,
            }
        )
    if changed:
        message = "\n".join(lines) + ("\n" + reason.strip() if reason.strip() else "")
        _history(case, actor=actor, message=message, data={"recompute": changed, "reason": reason.strip()})
    return updated


def clocks_recompute_missing(*, calendar: WorkCalendar, actor: User | None = None) -> int:
    """Give a deadline to the running clocks on `calendar` that had none because a year was missing.

    Called after a year is loaded or imported. Clocks whose deadline still falls in a year the
    calendar lacks stay waiting. With an actor, each case gets a DEADLINE history row. Returns the
    number of clocks that got a deadline.
    """
    case_ids = list(
        Clock.objects.filter(calendar=calendar, status=ClockStatus.RUNNING, deadline__isnull=True)
        .order_by("case_id")
        .values_list("case_id", flat=True)
        .distinct()
    )
    if not case_ids:
        return 0
    from kefu.cases.models import Case

    engine = working_time_for(calendar)
    now = timezone.now()
    filled = 0
    for case_id in case_ids:
        # Lock the case as every case writer does, so a transition cannot change the clock meanwhile.
        case = Case.objects.select_for_update(of=("self",)).select_related("rulebook_version").get(pk=case_id)
        lines = []
        clocks = Clock.objects.select_for_update().filter(
            case=case, calendar=calendar, status=ClockStatus.RUNNING, deadline__isnull=True
        )
        for clock in clocks:
            try:
                _refresh(clock, engine=engine, warn_percent=_warn_percent(clock_def(case, clock.key)))
            except ScheduleMissing as exc:
                _mark_missing(clock, exc)
                _update(clock, "rule")
                continue
            _rearm(clock, now)
            _update(clock, *_TIMING)
            filled += 1
            lines.append(
                _("%(clock)s: due %(deadline)s (%(rule)s)")
                % {"clock": clock.label, "deadline": _fmt(clock.deadline), "rule": clock.rule}
            )
        if lines and actor is not None:
            _history(
                case,
                actor=actor,
                message=_("The working calendar “%(calendar)s” now has the schedule for the deadline.")
                % {"calendar": calendar.key}
                + "\n"
                + "\n".join(lines),
                data={"calendar": calendar.key},
            )
    return filled
