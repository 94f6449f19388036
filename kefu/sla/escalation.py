"""Escalation beyond notices: ladders counted from the clock's start, and steps that change the case.

* `escalate_from: start` (rulebook) — a ladder step fires `after` the clock *started* (running time,
  pauses left out) rather than after its deadline: seed-002 Doc 5, "an emergency not resolved within
  5 minutes goes to the property company's head, within 10 minutes to the board", escalates because
  the matter is unresolved, whatever the deadline says. `ladder_fire_at` is the one formula the sweep
  and the lifecycle use.
* `reassign: <role>` / `add_supervisor: <role>` on a step — besides the notices, the case is handed to
  the nearest person with that role, or that person is added as a supervisor (督办人, who then sees
  the case). The sweep marks the fired notice `actions_pending` in the transaction that fires it;
  `escalation_actions_run` then makes the change through `kefu.cases.changes` (case lock, version,
  history row) and clears the flag in the same transaction. A worker killed in between leaves the
  flag set and the next sweep does it: exactly once, like the notice itself.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from kefu.calendars.engine import WorkingTime
from kefu.cases.changes import case_lock, case_record_change, system_actor
from kefu.cases.choices import CaseStatus, EventKind
from kefu.cases.models import Case, CaseSupervisor
from kefu.core.exceptions import ApplicationError
from kefu.rulebooks.schema import LadderStepDef
from kefu.sla.choices import ClockStatus
from kefu.sla.models import Clock, ClockNotice
from kefu.sla.notify import resolve_recipients

__all__ = ("escalation_actions_run", "ladder_fire_at", "mark_actions_pending", "plan_from_start")

log = logging.getLogger(__name__)


def ladder_fire_at(clock: Any, step: LadderStepDef, engine: WorkingTime) -> datetime:
    """When `step` of the clock's ladder fires. `clock` is a Clock or a sweep row with its columns."""
    if not getattr(clock, "escalate_from_start", False):
        return engine.add(clock.deadline, step.after.amount, step.after.unit)
    start = clock.started_at
    if clock.resumed_at is None and clock.used_minutes == 0:
        return engine.add(start, step.after.amount, step.after.unit)
    # Paused before: the step is due once `after` of running time has been used, counted in the
    # clock's measure from the start of the current stretch.
    target = engine.add(start, step.after.amount, step.after.unit)
    if clock.working_measure:
        needed = engine.working_minutes_between(start, target)
        return engine.add_working_minutes(clock.resumed_at, max(needed - clock.used_minutes, 0))
    needed = int((target - start) // timedelta(minutes=1))
    return clock.resumed_at + timedelta(minutes=max(needed - clock.used_minutes, 0))


def plan_from_start(clock: Clock, *, steps: list[LadderStepDef] | None, engine: WorkingTime) -> None:
    """For a ladder counted from the start: make the sweep look at the clock no later than its next
    step (the warning and the deadline may come after it)."""
    if not clock.escalate_from_start or not steps or clock.escalation_level >= len(steps):
        return
    try:
        fire_at = ladder_fire_at(clock, steps[clock.escalation_level], engine)
    except ApplicationError:  # the calendar has no schedule for that year: the sweep will say so
        return
    if clock.status == ClockStatus.RUNNING:
        clock.next_check_at = min(t for t in (clock.next_check_at, fire_at) if t is not None)


def mark_actions_pending(fired: list[tuple[int, str, int]], *, now: datetime) -> int:
    """Flag the notices that fired at `now` for steps that change the case (same transaction as the firing)."""
    if not fired:
        return 0
    query = Q()
    for clock_id, kind, level in fired:
        query |= Q(clock_id=clock_id, kind=kind, level=level)
    # fired_at = now: only the notices this sweep created; an older one with the same key already had its turn.
    return ClockNotice.objects.filter(query, fired_at=now).update(actions_pending=True)


def _role_people(case: Case, role: str) -> list[Any]:
    """The holders of `role` for the case (kefu.org.selectors.role_holders_for via the resolver). A case
    is never handed to, or watched by, the fallback people: a role nobody holds changes nothing here
    (the step's notice still reaches the fallback, and this is logged)."""
    found = resolve_recipients(case=case, targets=[role])
    if found.fallback:
        return []
    return [u for u in found.people if u.pk != case.subject_person_id]


def _step_of(clock: Clock, level: int) -> LadderStepDef | None:
    steps = clock.case.rulebook.escalation_ladders.get(clock.ladder) or []
    return steps[level - 1] if 0 < level <= len(steps) else None


def _apply(notice: ClockNotice, actor: Any) -> None:
    clock = notice.clock
    case = clock.case
    step = _step_of(clock, notice.level)
    if step is None or case.status not in (CaseStatus.OPEN, CaseStatus.SUSPENDED):
        return  # the rulebook version has no such step, or the case was finished meanwhile
    label = step.label or _("level %(level)s") % {"level": notice.level}
    lines: list[str] = []
    data: dict[str, Any] = {"clock": clock.key, "level": notice.level, "step": step.label}
    fields: list[str] = []
    if step.reassign:
        people = _role_people(case, step.reassign)
        person = min(people, key=lambda u: u.pk) if people else None
        if person is None:
            lines.append(_("%(step)s: nobody with the role to hand the case to was found.") % {"step": label})
            log.warning("escalation: case %s step %s: nobody with role %s", case.number, label, step.reassign)
        elif person.pk != case.assignee_id:
            old = case.assignee
            case.assignee = person
            fields.append("assignee")
            data["reassigned"] = {"from": old.pk if old else None, "to": person.pk}
            lines.append(
                _("%(step)s: handed from %(old)s to %(new)s.") % {"step": label, "old": old or "—", "new": person}
            )
    if step.add_supervisor:
        people = _role_people(case, step.add_supervisor)
        added = []
        for person in people:
            _row, created = CaseSupervisor.objects.get_or_create(
                case=case, user=person, defaults={"reason": f"{clock.label} · {label}"[:200]}
            )
            if created:
                added.append(person)
        if people:
            data["supervisors"] = [u.pk for u in added]
            if added:
                lines.append(
                    _("%(step)s: %(people)s added as supervisor.")
                    % {"step": label, "people": "、".join(str(u) for u in added)}
                )
        else:
            lines.append(_("%(step)s: nobody with the role to supervise the case was found.") % {"step": label})
            log.warning("escalation: case %s step %s: nobody with role %s", case.number, label, step.add_supervisor)
    if lines:
        case_record_change(
            case,
            actor=actor,
            kind=EventKind.ESCALATION,
            fields=fields,
            message=f"{clock.label}: " + "\n".join(lines),
            data=data,
        )


def escalation_actions_run(*, limit: int = 500) -> int:
    """Make the case changes of fired steps still pending. Each in its own transaction: the case is
    locked first (as every case writer does), then the notice; returns the number done."""
    done = 0
    actor = None
    ids = list(ClockNotice.objects.filter(actions_pending=True).order_by("id").values_list("id", flat=True)[:limit])
    for notice_id in ids:
        case_id = Clock.objects.filter(notices__pk=notice_id).values_list("case_id", flat=True).first()
        if case_id is None:
            continue
        actor = actor or system_actor()
        with transaction.atomic():
            case = case_lock(case_id, expected_version=None)
            notice = (
                ClockNotice.objects.select_for_update(of=("self",))
                .select_related("clock")
                .filter(pk=notice_id, actions_pending=True)
                .first()
            )
            if notice is None:
                continue  # another sweep did it
            notice.clock.case = case
            _apply(notice, actor)
            notice.actions_pending = False
            notice.save(update_fields=["actions_pending"])
            done += 1
    return done
