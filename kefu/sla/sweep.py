"""The deadline sweep: fire what is due — warnings, overdue notices (催办单), escalation steps.

`sla_sweep()` reads only running clocks whose `next_check_at` has come (the partial index
`clock_due`), so its cost follows the number of clocks that are due, never the number of open
cases. It works in batches, one transaction each:

1. select up to `batch` due clocks, oldest `next_check_at` first, `FOR UPDATE SKIP LOCKED` on the
   clock rows only — two sweeps on PostgreSQL split the work instead of waiting on each other (on
   SQLite, IMMEDIATE transactions serialise whole sweeps instead);
2. for each clock work out everything due at `now`: the warning, then every ladder step whose fire
   time has passed, in ladder order (a sweep that was down for a day fires all the missed levels);
3. write the `ClockNotice` rows (the unique constraint (clock, kind, level) is the guarantee that a
   step fires once; the row lock is what keeps two sweeps from doing the same work), one
   `Notification` per recipient, and the clocks' new `warned`, `escalation_level` and
   `next_check_at` (the next pending fire time, or None);
4. on commit, queue one e-mail task for the batch's notifications (if that is lost, the e-mail
   pick-up finds them: kefu/sla/mail.py).

A notice whose targets reach nobody for the case goes to the fallback people instead; the notice
says so (`fallback`, and `targets` what it was meant for), and a warning is logged for each such
notice (at most `FALLBACK_LOG_LIMIT` lines per sweep, then one line with the total).

The per-clock work is kept small because a sweep after an outage, or a minute in which thousands of
deadlines fall, handles many clocks: rows are read as plain tuples, not model instances; plans,
recipients and texts are cached per sweep (clocks due in the same minute share them); and on
PostgreSQL one statement (`_FIRE_SQL`) writes a batch's notices and notifications without building
a model instance. Other backends take the ORM path (`_fire_portable`), with the same results; both
live in `kefu.sla.firing`.

A worker killed mid-batch rolls the batch back: nothing fired, nothing was sent, and the next sweep
does the same work again. A batch that committed has moved every clock's `next_check_at` past `now`.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.calendars.engine import WorkingTime
from kefu.calendars.models import WorkCalendar
from kefu.calendars.selectors import working_time_for
from kefu.cases.models import Case
from kefu.core.exceptions import ApplicationError
from kefu.rulebooks.models import RulebookVersion
from kefu.rulebooks.schema import LadderStepDef, RulebookDoc
from kefu.rulebooks.selectors import rulebook_doc
from kefu.sla.choices import ClockStatus, NoticeKind
from kefu.sla.escalation import escalation_actions_run, ladder_fire_at, mark_actions_pending
from kefu.sla.firing import _fire_portable, _fire_postgresql, _Owed, _save_progress
from kefu.sla.models import Clock
from kefu.sla.notify import RecipientResolver, target_labels

__all__ = ("ClockState", "Due", "SweepResult", "clock_plan", "due_clocks", "sla_sweep")

log = logging.getLogger(__name__)

# Who hears a warning, and the overdue notice of a clock whose rulebook gives it no ladder.
DEFAULT_TARGETS = ["owner", "assignee"]
# When a fire time cannot be computed (the calendar has no schedule for the year), look again later
# rather than every minute: the error is logged and an administrator has to load the year.
RETRY_AFTER = timedelta(hours=1)
# Each notice that went to the fallback is logged as a warning, up to this many per sweep; the rest
# are counted in one line (a misconfigured organisation can make thousands in one sweep).
FALLBACK_LOG_LIMIT = 50
# Only the columns the sweep reads, as plain rows; the case's texts stay in the database.
_CLOCK_COLUMNS = (
    "id",
    "case_id",
    "label",
    "calendar_id",
    "deadline",
    "warn_at",
    "ladder",
    "warned",
    "escalation_level",
    # For ladders counted from the clock's start (kefu.sla.escalation.ladder_fire_at).
    "escalate_from_start",
    "started_at",
    "resumed_at",
    "used_minutes",
    "working_measure",
)
_CASE_COLUMNS = (
    "id",
    "number",
    "title",
    "is_anonymous",
    "rulebook_version_id",
    "owner_id",
    "assignee_id",
    "receiver_id",
    "subject_person_id",
    "responsible_unit_id",
    "receiving_unit_id",
)


class ClockState(Protocol):
    """What `clock_plan` reads of a clock: a `Clock`, or one of the sweep's rows."""

    deadline: datetime | None
    warn_at: datetime | None
    warned: bool
    escalation_level: int
    escalate_from_start: bool
    started_at: datetime
    resumed_at: datetime | None
    used_minutes: int
    working_measure: bool


@dataclass(frozen=True, slots=True)
class Due:
    """One notice a clock owes: its kind, ladder level (0 for the warning), who to tell, and why."""

    kind: str
    level: int
    targets: tuple[str, ...]
    label: str = ""
    # The step also changes the case (reassign / add_supervisor): done by kefu.sla.escalation.
    changes_case: bool = False


@dataclass
class SweepResult:
    clocks: int = 0  # due clocks handled
    notices: int = 0  # ClockNotice rows created
    notifications: int = 0  # inbox entries created (each e-mailed after commit)
    batches: int = 0
    errors: int = 0  # clocks whose fire times could not be computed (logged, retried later)
    fallbacks: int = 0  # notices that reached nobody they named and went to the fallback people
    marked: int = 0  # fired steps that also change the case
    case_changes: int = 0  # escalation steps that reassigned the case or added a supervisor
    notification_ids: list[int] = field(default_factory=list, repr=False)


def clock_plan(
    clock: ClockState, *, now: datetime, engine: WorkingTime, steps: list[LadderStepDef] | None
) -> tuple[list[Due], int, bool, datetime | None]:
    """What `clock` owes at `now`: (notices due, new escalation level, warned, next fire time).

    Pure: no database. The lifecycle code can call it with `now` = the clock's start to get the
    first `next_check_at`. Ladder steps fire in order: a step whose own fire time is earlier than its
    predecessor's (mixed units) waits for it, so levels always rise one by one.
    """
    due: list[Due] = []
    pending: list[datetime] = []
    warned = clock.warned
    level = clock.escalation_level
    deadline = clock.deadline
    if deadline is None:
        return due, level, warned, None
    if not warned and clock.warn_at is not None:
        if deadline <= now:
            # The deadline passed before any sweep saw the warning (the sweep was down, or the clock
            # was created late): an "almost due" message would be false, the overdue notice says it.
            warned = True
        elif clock.warn_at <= now:
            due.append(Due(NoticeKind.WARNING, 0, tuple(DEFAULT_TARGETS)))
            warned = True
        else:
            pending.append(clock.warn_at)
    if steps:
        for i, step in enumerate(steps, start=1):
            if i <= level:
                continue
            fire_at = ladder_fire_at(clock, step, engine)
            if fire_at > now:
                pending.append(fire_at)
                break
            overdue = i == 1 and step.after.amount == 0 and not getattr(clock, "escalate_from_start", False)
            kind = NoticeKind.OVERDUE if overdue else NoticeKind.ESCALATION
            due.append(Due(kind, i, tuple(step.notify), step.label, bool(step.actions)))
            level = i
    elif level < 1:
        if deadline <= now:
            due.append(Due(NoticeKind.OVERDUE, 1, tuple(DEFAULT_TARGETS)))
            level = 1
        else:
            pending.append(deadline)
    return due, level, warned, min(pending, default=None)


class _Caches:
    """Per-sweep caches. Many due clocks share a calendar, a ladder and a deadline (everything that
    fell due in the same minute), and many cases share their people: each answer is worked out once."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.engines: dict[int, WorkingTime] = {}
        self.docs: dict[int, RulebookDoc] = {}
        self.recipients = RecipientResolver(now)
        self.plans: dict[tuple, tuple[list[Due], int, bool, datetime | None]] = {}
        self.deadlines: dict[datetime, str] = {}
        self.templates: dict[tuple[str, bool], tuple[str, str, str]] = {}
        self.labels: dict[tuple[str, ...], str] = {}
        self.fallback_note = ""

    def load(self, clocks: list, cases: dict) -> None:
        missing = {case.rulebook_version_id for case in cases.values()} - self.docs.keys()
        for version in RulebookVersion.objects.filter(pk__in=missing).only("id", "sha256").order_by():
            self.docs[version.pk] = rulebook_doc(version)
        for calendar_id in {c.calendar_id for c in clocks} - self.engines.keys():
            # working_time_for re-reads the calendar's stamp: one query per calendar per sweep.
            self.engines[calendar_id] = working_time_for(WorkCalendar(pk=calendar_id))
        self.recipients.prefetch(cases.values())

    def steps(self, clock, version_id: int) -> list[LadderStepDef] | None:
        if not clock.ladder:
            return None
        doc = self.docs.get(version_id)
        steps = doc.escalation_ladders.get(clock.ladder) if doc else None
        if steps is None:
            log.warning("clock %s names ladder %r, which its rulebook does not define", clock.id, clock.ladder)
        return steps

    def plan(self, clock, version_id: int) -> tuple[list[Due], int, bool, datetime | None]:
        """`clock_plan` for this sweep's `now`, cached on everything the answer depends on. A failure
        (ScheduleMissing) is not cached: it raises again for each clock, which logs it."""
        key = (
            clock.calendar_id,
            version_id if clock.ladder else None,
            clock.ladder,
            clock.deadline,
            clock.warn_at,
            clock.warned,
            clock.escalation_level,
            # A ladder counted from the start depends on the clock's running time too.
            (clock.started_at, clock.resumed_at, clock.used_minutes) if clock.escalate_from_start else None,
        )
        plan = self.plans.get(key)
        if plan is None:
            engine = self.engines[clock.calendar_id]
            plan = self.plans[key] = clock_plan(clock, now=self.now, engine=engine, steps=self.steps(clock, version_id))
        return plan

    def meant_for(self, targets: tuple[str, ...]) -> str:
        if targets not in self.labels:
            self.labels[targets] = target_labels(targets)
        return self.labels[targets]

    def texts(self, clock, case, due: Due, fallback: bool = False) -> tuple[str, str]:
        """The notice's title and body. The translated templates and the local deadline are looked
        up once per sweep; only the `%` formatting is done per notice. A notice that went to the
        fallback says so, and whom it was meant for."""
        deadline = self.deadlines.get(clock.deadline)
        if deadline is None:
            deadline = self.deadlines[clock.deadline] = timezone.localtime(clock.deadline).strftime("%Y-%m-%d %H:%M")
        templates = self.templates.get((due.kind, bool(due.label)))
        if templates is None:
            templates = self.templates[(due.kind, bool(due.label))] = _templates(due.kind, bool(due.label))
        values = {
            "number": case.number,
            # An anonymous complaint's title may name its complainant: notices carry the number only.
            "title": _("anonymous complaint") if case.is_anonymous else case.title,
            "clock": clock.label,
            "deadline": deadline,
            "level": due.level,
            "step": due.label,
        }
        title, body, step = templates
        body = body % values
        if step:
            body += "\n" + step % values
        if fallback:
            if not self.fallback_note:
                self.fallback_note = _(
                    "Nobody this notice names (%(meant_for)s) could be told for this case, so it was sent to you "
                    "as the escalation fallback. Check the organisation: who should hear about this case?"
                )
            body += "\n" + self.fallback_note % {"meant_for": self.meant_for(due.targets)}
        return (title % values)[:200], body


def _templates(kind: str, labelled: bool) -> tuple[str, str, str]:
    """(title, body, step line) for a notice kind, translated into the active language."""
    if kind == NoticeKind.WARNING:
        title = _("Deadline approaching: %(number)s %(clock)s")
        body = _("%(clock)s of case %(number)s (%(title)s) is due at %(deadline)s.")
    elif kind == NoticeKind.OVERDUE:
        title = _("Overdue notice: %(number)s %(clock)s")
        body = _("%(clock)s of case %(number)s (%(title)s) was due at %(deadline)s and is overdue.")
    else:
        title = _("Escalation level %(level)s: %(number)s %(clock)s")
        body = _("%(clock)s of case %(number)s (%(title)s) was due at %(deadline)s and is still open.")
    return title, body, _("Step: %(step)s") if labelled else ""


def due_clocks(*, now: datetime, batch: int):
    """The next `batch` due clocks, locked, as named rows (`_CLOCK_COLUMNS`); rows another sweep holds
    are skipped, not waited for. Served by the partial index `clock_due` (next_check_at WHERE status =
    'running'). No join: with one, PostgreSQL may hash-join against every open case; the cases are read
    by id afterwards. Plain rows, not model instances: building 1,000 instances costs more than the query."""
    return (
        Clock.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(status=ClockStatus.RUNNING, next_check_at__lte=now)
        .order_by("next_check_at")
        .values_list(*_CLOCK_COLUMNS, named=True)[:batch]
    )


def _sweep_batch(*, now: datetime, batch: int, caches: _Caches, result: SweepResult) -> int:
    """One transaction: lock up to `batch` due clocks, fire what they owe. Returns clocks locked."""
    with transaction.atomic():
        clocks = list(due_clocks(now=now, batch=batch))
        if not clocks:
            return 0
        cases = {
            c.id: c
            for c in Case.objects.filter(pk__in={c.case_id for c in clocks}).values_list(*_CASE_COLUMNS, named=True)
        }
        caches.load(clocks, cases)
        owed: list[_Owed] = []
        changing: list[tuple[int, str, int]] = []  # fired steps that also change the case
        progress: list[tuple[int, int, bool, datetime | None]] = []  # (clock id, level, warned, next check)
        for clock in clocks:
            case = cases[clock.case_id]
            try:
                due, level, warned, next_at = caches.plan(clock, case.rulebook_version_id)
            except (ApplicationError, ValueError) as exc:
                # ScheduleMissing and the like: nothing fires, the clock is looked at again later.
                log.error("sla_sweep: clock %s (case %s): %s", clock.id, case.number, exc)
                result.errors += 1
                progress.append((clock.id, clock.escalation_level, clock.warned, now + RETRY_AFTER))
                continue
            progress.append((clock.id, level, warned, next_at))
            for d in due:
                recipients, fallback = caches.recipients.resolve_ids(case=case, targets=d.targets)
                texts = caches.texts(clock, case, d, fallback)
                owed.append(_Owed(clock.id, case.id, d.kind, d.level, recipients, *texts, d.targets, fallback))
                if d.changes_case:
                    changing.append((clock.id, d.kind, d.level))
        if not owed:
            fired, ids, fell_back = 0, [], set()
        elif connection.vendor == "postgresql":
            fired, ids, fell_back = _fire_postgresql(owed, now=now)
        else:
            fired, ids, fell_back = _fire_portable(owed, now=now)
        _save_progress(progress)
        result.marked += mark_actions_pending(changing, now=now)
        if ids:
            transaction.on_commit(lambda ids=ids: _queue_email(ids))
    if fell_back:
        labels = {c.id: c.label for c in clocks}
        for o in owed:
            if (o.clock_id, o.kind, o.level) in fell_back:
                _log_fallback(o, case=cases[o.case_id], label=labels[o.clock_id], result=result)
    result.clocks += len(clocks)
    result.notices += fired
    result.notifications += len(ids)
    result.notification_ids.extend(ids)
    result.batches += 1
    return len(clocks)


def _log_fallback(owed: _Owed, *, case, label: str, result: SweepResult) -> None:
    """One warning per notice that went to the fallback (up to FALLBACK_LOG_LIMIT per sweep)."""
    result.fallbacks += 1
    if result.fallbacks > FALLBACK_LOG_LIMIT:
        return
    told = f"sent to the fallback people (user ids {list(owed.recipients)})" if owed.recipients else "told NOBODY"
    (log.warning if owed.recipients else log.error)(
        "sla_sweep: escalation reached nobody it names: case %s, clock %r (%s), %s level %s, meant for %s; %s. "
        "Give someone the role for this case's units or a leadership office (docs/sla.md).",
        case.number,
        label,
        owed.clock_id,
        owed.kind,
        owed.level,
        ", ".join(owed.targets),
        told,
    )


def _sweep_parallel(*, now: datetime, batch: int, workers: int) -> SweepResult:
    """`workers` threads sweeping side by side (see `sla_sweep`); their results added up."""
    results: list[SweepResult] = []
    failures: list[BaseException] = []
    lock = threading.Lock()

    def work() -> None:
        caches = _Caches(now)  # per thread: the caches are not shared
        mine = SweepResult()
        try:
            while _sweep_batch(now=now, batch=batch, caches=caches, result=mine) == batch:
                pass
        except BaseException as exc:  # handed to the calling thread, which raises it
            with lock:
                failures.append(exc)
        finally:
            connection.close()  # this thread's own connection
            with lock:
                results.append(mine)

    threads = [threading.Thread(target=work, name=f"sla-sweep-{i}") for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]
    total = SweepResult()
    for part in results:
        for name in ("clocks", "notices", "notifications", "batches", "errors", "fallbacks", "marked"):
            setattr(total, name, getattr(total, name) + getattr(part, name))
        total.notification_ids.extend(part.notification_ids)
    return total


def _queue_email(ids: list[int]) -> None:
    from kefu.sla.tasks import notifications_email

    notifications_email.delay(ids)


def sla_sweep(*, now: datetime | None = None, batch: int = 1000, workers: int = 1) -> SweepResult:
    """Fire every warning, overdue notice and escalation step due at `now` (default: now).

    `workers` > 1 (PostgreSQL, outside a transaction): that many threads, each with its own database
    connection, take batches side by side — `FOR UPDATE SKIP LOCKED` hands each a different set of
    clocks, and the unique constraints keep every notice to one firing as with parallel sweeps. Most
    of a batch's time is PostgreSQL's (the notices and notifications written, the clocks updated,
    the commit's foreign-key checks), so a second connection puts a second core to work.
    """
    now = now or timezone.now()
    if workers > 1 and connection.vendor == "postgresql" and not connection.in_atomic_block:
        result = _sweep_parallel(now=now, batch=batch, workers=workers)
    else:
        caches = _Caches(now)
        result = SweepResult()
        # A full batch may mean more is due; a short one means the rest is locked by another sweep or
        # not due. Each committed batch moves its clocks' next_check_at past `now`, so this ends.
        while _sweep_batch(now=now, batch=batch, caches=caches, result=result) == batch:
            pass
    if result.fallbacks > FALLBACK_LOG_LIMIT:
        log.warning(
            "sla_sweep: %s notice(s) in all reached nobody they name and went to the fallback (%s logged above)",
            result.fallbacks,
            FALLBACK_LOG_LIMIT,
        )
    # Steps that change the case (reassign, add a supervisor), each under the case's lock. Ones a
    # killed worker left pending are picked up by the periodic task (kefu.sla.tasks.sla_sweep_task).
    if result.marked:
        result.case_changes = escalation_actions_run()
    if result.clocks:
        log.info(
            "sla_sweep: %s clock(s), %s notice(s), %s notification(s), %s to the fallback, %s error(s)",
            result.clocks,
            result.notices,
            result.notifications,
            result.fallbacks,
            result.errors,
        )
    return result
