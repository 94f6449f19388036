"""Writes of the duty roster: rosters and their shifts, check-in, the handover log and swap requests.

seed-004 D6 三 (考勤制度): "1、供暖期间呼叫中心实行24小时倒班制度。 2、员工必须严格执行班次安排，提前10分钟到岗，
做好交接班工作。 3、任何员工不得自行换班，如遇确实需要换班的情况，必须经主管批准、给予调整。"

So: only a supervisor of the unit (or above) draws up and changes a roster; a person may only ask
for a swap, and the roster changes when the supervisor approves. Every change of a shift writes a
`ShiftEvent` in the same transaction.
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.core.exceptions import ApplicationError, FieldErrors, ForbiddenError
from kefu.duty.choices import SUPERVISING_ROLES, RosterStatus, ShiftEventKind, ShiftStatus, SwapStatus
from kefu.duty.models import CheckIn, HandoverEntry, Roster, Shift, ShiftEvent, ShiftPattern, SwapRequest
from kefu.org.models import OrgUnit, User

__all__ = (
    "CHECK_IN_OPENS",
    "arrive_before_minutes",
    "handover_receive",
    "handover_write",
    "roster_add_shift",
    "roster_create",
    "roster_fill_rotation",
    "roster_publish",
    "shift_cancel",
    "shift_check_in",
    "shift_reassign",
    "supervises",
    "swap_decide",
    "swap_request",
    "swap_withdraw",
)

# How early before its start a shift can be checked in for.
CHECK_IN_OPENS = timedelta(hours=2)


def supervises(user: Any, unit: OrgUnit) -> bool:
    """A supervisor (主管) of `unit`: a supervising role in the unit or a unit above it."""
    if user.is_superuser:
        return True
    if not user.is_authenticated or user.role not in SUPERVISING_ROLES:
        return False
    if user.sees_everything:
        return True
    return bool(user.unit_id and unit.path.startswith(user.unit.path))


def _require_supervisor(actor: User, unit: OrgUnit) -> None:
    if not supervises(actor, unit):
        raise ForbiddenError(_("Only a supervisor of %(unit)s may change its roster.") % {"unit": unit.name})


def arrive_before_minutes() -> int:
    """The rulebook's arrival margin (section `duty` of the default rulebook), 0 without one."""
    from kefu.rulebooks.selectors import rulebook_for_new_case

    try:
        section = rulebook_for_new_case().doc.section("duty")
    except ApplicationError:
        return 0
    return section.arrive_before_minutes if section is not None else 0


def _event(shift: Shift, kind: str, actor: User, **kw: Any) -> ShiftEvent:
    return ShiftEvent.objects.create(shift=shift, kind=kind, actor=actor, **kw)


def _bounds(day: date, pattern: ShiftPattern) -> tuple[datetime, datetime]:
    starts = timezone.make_aware(datetime.combine(day, pattern.start))
    return starts, starts + timedelta(minutes=pattern.duration_minutes)


def _overlapping(person: User, starts: datetime, ends: datetime, exclude: Sequence[int] = ()) -> bool:
    return (
        Shift.objects.filter(person=person, status=ShiftStatus.SCHEDULED, starts_at__lt=ends, ends_at__gt=starts)
        .exclude(pk__in=exclude)
        .exists()
    )


# --------------------------------------------------------------------------------------------------
# Rosters


@transaction.atomic
def roster_create(*, unit: OrgUnit, month: date, actor: User, note: str = "") -> Roster:
    """The (draft) roster of `unit` for the month of `month`; one per unit and month."""
    _require_supervisor(actor, unit)
    first = month.replace(day=1)
    if Roster.objects.filter(unit=unit, month=first).exists():
        raise ApplicationError(
            _("%(unit)s already has a roster for %(month)s.") % {"unit": unit.name, "month": f"{first:%Y-%m}"},
            extra={"month": [_("Open the existing roster instead.")]},
        )
    return Roster.objects.create(unit=unit, month=first, created_by=actor, note=note[:200])


def _add(roster: Roster, pattern: ShiftPattern, person: User, day: date, actor: User) -> Shift:
    starts, ends = _bounds(day, pattern)
    if _overlapping(person, starts, ends):
        raise ApplicationError(
            _("%(person)s is already on duty at that time (%(day)s).") % {"person": person, "day": day},
            extra={"person": [_("Overlaps another shift.")]},
        )
    shift = Shift.objects.create(
        roster=roster, unit=roster.unit, pattern=pattern, person=person, day=day, starts_at=starts, ends_at=ends
    )
    _event(shift, ShiftEventKind.CREATED, actor, to_person=person)
    return shift


def _check_roster_day(roster: Roster, day: date, errors: FieldErrors) -> None:
    if (day.year, day.month) != (roster.month.year, roster.month.month):
        errors.add("day", _("The day must be in the roster's month."))


@transaction.atomic
def roster_add_shift(*, roster: Roster, pattern: ShiftPattern, person: User, day: date, actor: User) -> Shift:
    roster = Roster.objects.select_for_update().select_related("unit").get(pk=roster.pk)
    _require_supervisor(actor, roster.unit)
    errors = FieldErrors()
    _check_roster_day(roster, day, errors)
    if not person.is_active:
        errors.add("person", _("This person is no longer active."))
    if not pattern.is_active:
        errors.add("pattern", _("This shift pattern is no longer used."))
    errors.raise_if_any(_("The shift was not added."))
    return _add(roster, pattern, person, day, actor)


@transaction.atomic
def roster_fill_rotation(
    *,
    roster: Roster,
    pattern: ShiftPattern,
    people: Sequence[User],
    actor: User,
    first_day: date | None = None,
    last_day: date | None = None,
) -> list[Shift]:
    """Rotate `people` through the days of the month, one shift of `pattern` a day in turn (24小时倒班:
    A, B, C, A, …), from `first_day` (default the 1st) to `last_day` (default the month's end)."""
    roster = Roster.objects.select_for_update().select_related("unit").get(pk=roster.pk)
    _require_supervisor(actor, roster.unit)
    errors = FieldErrors()
    if not people:
        errors.add("people", _("Choose who rotates."))
    month_end = roster.month.replace(day=monthrange(roster.month.year, roster.month.month)[1])
    first, last = first_day or roster.month, last_day or month_end
    _check_roster_day(roster, first, errors)
    _check_roster_day(roster, last, errors)
    if last < first:
        errors.add("last_day", _("The last day is before the first."))
    errors.raise_if_any(_("The roster was not filled."))
    shifts = []
    day, turn = first, 0
    while day <= last:
        shifts.append(_add(roster, pattern, people[turn % len(people)], day, actor))
        day += timedelta(days=1)
        turn += 1
    return shifts


@transaction.atomic
def roster_publish(*, roster: Roster, actor: User) -> Roster:
    """From now on the roster's shifts count: who is on duty, check-ins, swaps."""
    roster = Roster.objects.select_for_update().select_related("unit").get(pk=roster.pk)
    _require_supervisor(actor, roster.unit)
    if roster.status == RosterStatus.PUBLISHED:
        return roster
    roster.status = RosterStatus.PUBLISHED
    roster.published_at = timezone.now()
    roster.save(update_fields=["status", "published_at", "updated_at"])
    return roster


def _lock_shift(shift: Shift) -> Shift:
    return Shift.objects.select_for_update(of=("self",)).select_related("unit", "roster").get(pk=shift.pk)


@transaction.atomic
def shift_reassign(*, shift: Shift, person: User, actor: User, reason: str) -> Shift:
    """The supervisor gives a shift to someone else (主管…给予调整)."""
    shift = _lock_shift(shift)
    _require_supervisor(actor, shift.unit)
    errors = FieldErrors()
    if not reason.strip():
        errors.add("reason", _("Say why."))
    if not person.is_active:
        errors.add("person", _("This person is no longer active."))
    if shift.status != ShiftStatus.SCHEDULED:
        errors.add("shift", _("The shift is cancelled."))
    if _overlapping(person, shift.starts_at, shift.ends_at, exclude=[shift.pk]):
        errors.add("person", _("%(person)s is already on duty at that time.") % {"person": person})
    errors.raise_if_any(_("The shift was not reassigned."))
    before = shift.person
    shift.person = person
    shift.save(update_fields=["person", "updated_at"])
    _event(shift, ShiftEventKind.REASSIGNED, actor, from_person=before, to_person=person, note=reason.strip()[:300])
    return shift


@transaction.atomic
def shift_cancel(*, shift: Shift, actor: User, reason: str) -> Shift:
    shift = _lock_shift(shift)
    _require_supervisor(actor, shift.unit)
    if not reason.strip():
        raise ApplicationError(_("Say why."), extra={"reason": [_("This field is required.")]})
    shift.status = ShiftStatus.CANCELLED
    shift.save(update_fields=["status", "updated_at"])
    _event(shift, ShiftEventKind.CANCELLED, actor, from_person=shift.person, note=reason.strip()[:300])
    return shift


# --------------------------------------------------------------------------------------------------
# Check-in and handover


@transaction.atomic
def shift_check_in(*, shift: Shift, actor: User, at: datetime | None = None) -> CheckIn:
    """The person on the shift arrives. Late when after the shift's start minus the rulebook's
    margin (提前10分钟到岗). Only the person the roster names may check in: a colleague who took the
    shift without an approved swap is refused."""
    shift = _lock_shift(shift)
    at = at or timezone.now()
    if shift.person_id != actor.pk:
        raise ForbiddenError(
            _("This shift is %(person)s's. Working someone else's shift needs a swap the supervisor approved.")
            % {"person": shift.person}
        )
    if shift.roster.status != RosterStatus.PUBLISHED or shift.status != ShiftStatus.SCHEDULED:
        raise ApplicationError(_("This shift is not on a published roster."))
    if CheckIn.objects.filter(shift=shift).exists():
        raise ApplicationError(_("You have already checked in for this shift."))
    if at < shift.starts_at - CHECK_IN_OPENS or at >= shift.ends_at:
        raise ApplicationError(_("Check-in opens two hours before the shift and closes when it ends."))
    due = shift.starts_at - timedelta(minutes=arrive_before_minutes())
    late = max(0, int((at - due).total_seconds() // 60)) if at > due else 0
    if at > due and late == 0:
        late = 1  # under a minute late is still late
    check_in = CheckIn.objects.create(shift=shift, person=actor, checked_in_at=at, due_by=due, minutes_late=late)
    note = _("%(n)s minutes late") % {"n": late} if late else ""
    _event(shift, ShiftEventKind.CHECKED_IN, actor, to_person=actor, note=note)
    return check_in


@transaction.atomic
def handover_write(
    *, unit: OrgUnit, actor: User, body: str, open_items: str = "", shift: Shift | None = None
) -> HandoverEntry:
    """An entry in the unit's handover log (交接班): by someone of the unit (or a supervisor)."""
    if actor.unit_id != unit.pk and not supervises(actor, unit):
        raise ForbiddenError(_("Only the unit's staff write its handover log."))
    errors = FieldErrors()
    if not body.strip():
        errors.add("body", _("This field is required."))
    if len(body) > 4000:
        errors.add("body", _("At most %(n)s characters.") % {"n": 4000})
    if len(open_items) > 2000:
        errors.add("open_items", _("At most %(n)s characters.") % {"n": 2000})
    if shift is not None and (shift.unit_id != unit.pk or shift.person_id != actor.pk):
        errors.add("shift", _("Choose one of your shifts in this unit."))
    errors.raise_if_any(_("The handover was not saved."))
    return HandoverEntry.objects.create(
        unit=unit, shift=shift, author=actor, body=body.strip(), open_items=open_items.strip()
    )


@transaction.atomic
def handover_receive(*, entry: HandoverEntry, actor: User) -> HandoverEntry:
    """The next shift confirms it has taken over what the entry hands on."""
    entry = HandoverEntry.objects.select_for_update(of=("self",)).select_related("unit").get(pk=entry.pk)
    if actor.unit_id != entry.unit_id and not supervises(actor, entry.unit):
        raise ForbiddenError(_("Only the unit's staff take over its handovers."))
    if entry.author_id == actor.pk:
        raise ApplicationError(_("The person who handed over cannot also take over."))
    if entry.received_by_id is not None:
        raise ApplicationError(_("%(person)s has already taken this over.") % {"person": entry.received_by})
    entry.received_by, entry.received_at = actor, timezone.now()
    entry.save(update_fields=["received_by", "received_at", "updated_at"])
    return entry


# --------------------------------------------------------------------------------------------------
# Swaps: asked for by the person, decided by the supervisor


@transaction.atomic
def swap_request(
    *, shift: Shift, counterpart: User, actor: User, reason: str, counterpart_shift: Shift | None = None
) -> SwapRequest:
    """Ask to give `shift` to `counterpart` (taking `counterpart_shift` in return, if given). The roster
    does not change until a supervisor approves."""
    shift = _lock_shift(shift)
    errors = FieldErrors()
    if shift.person_id != actor.pk:
        raise ForbiddenError(_("Only the person on a shift can ask to swap it."))
    if shift.status != ShiftStatus.SCHEDULED or shift.starts_at <= timezone.now():
        errors.add("shift", _("Only a scheduled shift that has not started can be swapped."))
    # A swap stays inside the unit: its supervisor approves it, and may not hand another unit's
    # shift around (the screen offers only the unit's people and shifts; the API is held to the same).
    if counterpart.pk == actor.pk or not counterpart.is_active or counterpart.unit_id != shift.unit_id:
        errors.add("counterpart", _("Choose an active colleague."))
    if counterpart_shift is not None and (
        counterpart_shift.person_id != counterpart.pk
        or counterpart_shift.status != ShiftStatus.SCHEDULED
        or counterpart_shift.unit_id != shift.unit_id
    ):
        errors.add("counterpart_shift", _("Choose one of the colleague's scheduled shifts."))
    if not reason.strip():
        errors.add("reason", _("Say why."))
    if SwapRequest.objects.filter(shift=shift, status=SwapStatus.REQUESTED).exists():
        errors.add("shift", _("A swap of this shift is already waiting for the supervisor."))
    errors.raise_if_any(_("The swap was not requested."))
    return SwapRequest.objects.create(
        shift=shift,
        requester=actor,
        counterpart=counterpart,
        counterpart_shift=counterpart_shift,
        reason=reason.strip()[:300],
    )


@transaction.atomic
def swap_decide(*, request: SwapRequest, actor: User, approve: bool, note: str = "") -> SwapRequest:
    """The supervisor approves (the shifts change hands) or rejects a swap. Nobody decides their own."""
    request = SwapRequest.objects.select_for_update(of=("self",)).get(pk=request.pk)
    shift = _lock_shift(request.shift)
    if not supervises(actor, shift.unit):
        raise ForbiddenError(_("Only a supervisor of %(unit)s approves swaps.") % {"unit": shift.unit.name})
    if actor.pk in (request.requester_id, request.counterpart_id):
        raise ForbiddenError(_("Nobody approves a swap they are part of."))
    if request.status != SwapStatus.REQUESTED:
        raise ApplicationError(_("This request has already been decided."))
    request.decided_by, request.decided_at, request.decision_note = actor, timezone.now(), note.strip()[:300]
    if not approve:
        request.status = SwapStatus.REJECTED
        request.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "updated_at"])
        return request
    other = _lock_shift(request.counterpart_shift) if request.counterpart_shift_id else None
    if other is not None and not supervises(actor, other.unit):
        raise ForbiddenError(_("Only a supervisor of %(unit)s approves swaps.") % {"unit": other.unit.name})
    if shift.person_id != request.requester_id or shift.status != ShiftStatus.SCHEDULED:
        raise ApplicationError(_("The shift changed since the request; ask again."))
    if other is not None and (other.person_id != request.counterpart_id or other.status != ShiftStatus.SCHEDULED):
        raise ApplicationError(_("The colleague's shift changed since the request; ask again."))
    exclude = [shift.pk] + ([other.pk] if other else [])
    if _overlapping(request.counterpart, shift.starts_at, shift.ends_at, exclude=exclude):
        raise ApplicationError(_("%(person)s is on duty at that time already.") % {"person": request.counterpart})
    if other is not None and _overlapping(request.requester, other.starts_at, other.ends_at, exclude=exclude):
        raise ApplicationError(_("%(person)s is on duty at that time already.") % {"person": request.requester})
    reason = _("Swap approved by %(person)s") % {"person": actor}
    shift.person = request.counterpart
    shift.save(update_fields=["person", "updated_at"])
    _event(
        shift, ShiftEventKind.SWAPPED, actor, from_person=request.requester, to_person=request.counterpart, note=reason
    )
    if other is not None:
        other.person = request.requester
        other.save(update_fields=["person", "updated_at"])
        _event(
            other,
            ShiftEventKind.SWAPPED,
            actor,
            from_person=request.counterpart,
            to_person=request.requester,
            note=reason,
        )
    request.status = SwapStatus.APPROVED
    request.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "updated_at"])
    return request


@transaction.atomic
def swap_withdraw(*, request: SwapRequest, actor: User) -> SwapRequest:
    request = SwapRequest.objects.select_for_update().get(pk=request.pk)
    if request.requester_id != actor.pk:
        raise ForbiddenError(_("Only the person who asked can withdraw the request."))
    if request.status != SwapStatus.REQUESTED:
        raise ApplicationError(_("This request has already been decided."))
    request.status = SwapStatus.WITHDRAWN
    request.save(update_fields=["status", "updated_at"])
    return request
