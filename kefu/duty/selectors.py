"""Reads of the duty roster, and `staff_on_duty`: who is on shift in a unit at a moment.

`staff_on_duty` is what an escalation ladder or routing rule targets when it says "whoever is on
duty" (值班人员) in a unit, at night and across midnight included: shifts are stored as the moments
they start and end, so a 20:00–08:00 shift answers for 02:00 the next day like any other.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q, QuerySet

from kefu.duty.choices import SUPERVISING_ROLES, RosterStatus, ShiftStatus, SwapStatus
from kefu.duty.models import HandoverEntry, Roster, Shift, SwapRequest
from kefu.org.models import OrgUnit, User

__all__ = (
    "LONGEST_SHIFT",
    "handovers_visible_to",
    "nearest_staff_on_duty",
    "on_duty_for_unit",
    "on_duty_shifts",
    "rosters_visible_to",
    "staff_on_duty",
    "swaps_to_decide",
)

# The longest shift a pattern allows (2 days): bounds the index range scanned by on_duty_shifts.
LONGEST_SHIFT = timedelta(minutes=2880)


def on_duty_shifts(*, units: list[int], at: datetime) -> QuerySet[Shift]:
    """Shifts of published rosters in `units` that have started and not ended at `at`.

    Reads the (unit, starts_at) index over a window of at most LONGEST_SHIFT before `at`."""
    return Shift.objects.filter(
        unit_id__in=units,
        status=ShiftStatus.SCHEDULED,
        roster__status=RosterStatus.PUBLISHED,
        starts_at__lte=at,
        starts_at__gt=at - LONGEST_SHIFT,
        ends_at__gt=at,
        person__is_active=True,
    )


def staff_on_duty(*, unit: OrgUnit | int, at: datetime) -> list[User]:
    """The active people on shift in `unit` at `at` (the unit itself, not the units below it), in the
    order their shifts started; empty when nobody is rostered then."""
    unit_id = unit if isinstance(unit, int) else unit.pk
    shifts = on_duty_shifts(units=[unit_id], at=at).select_related("person").order_by("starts_at", "id")
    seen: dict[int, User] = {}
    for shift in shifts:
        seen.setdefault(shift.person_id, shift.person)
    return list(seen.values())


def nearest_staff_on_duty(*, unit: OrgUnit, at: datetime) -> list[User]:
    """`staff_on_duty` of the unit, else of the nearest unit above it that has someone on duty (a team
    without a night roster escalates to its department's duty desk). One query for the whole chain."""
    chain = [int(pk) for pk in unit.path.strip("/").split("/") if pk]  # root first
    if not chain:
        chain = [unit.pk]
    shifts = on_duty_shifts(units=chain, at=at).select_related("person").order_by("starts_at", "id")
    by_unit: dict[int, dict[int, User]] = {}
    for shift in shifts:
        by_unit.setdefault(shift.unit_id, {}).setdefault(shift.person_id, shift.person)
    for unit_id in reversed(chain):
        if by_unit.get(unit_id):
            return list(by_unit[unit_id].values())
    return []


def on_duty_for_unit(unit: OrgUnit | None, at: datetime) -> list[User]:
    """The people "on_duty" means for a case's unit at `at` (kefu.org.targets): those on shift in the
    unit, else in the nearest unit above it with someone on duty; nobody for a case without a unit."""
    return nearest_staff_on_duty(unit=unit, at=at) if unit is not None else []


def _unit_scope(user: Any) -> Q | None:
    """None: every unit. Otherwise the units whose rosters the person reads: their own unit, and for
    supervisors the units below it too."""
    if user.is_superuser or user.sees_everything:
        return None
    if user.unit_id is None:
        return Q(pk__in=[])
    if user.sees_unit:
        return Q(unit__path__startswith=user.unit.path)
    return Q(unit_id=user.unit_id)


def rosters_visible_to(user: Any) -> QuerySet[Roster]:
    if not user.is_authenticated or not user.is_active:
        return Roster.objects.none()
    scope = _unit_scope(user)
    qs = Roster.objects.select_related("unit")
    return qs if scope is None else qs.filter(scope)


def handovers_visible_to(user: Any) -> QuerySet[HandoverEntry]:
    if not user.is_authenticated or not user.is_active:
        return HandoverEntry.objects.none()
    scope = _unit_scope(user)
    qs = HandoverEntry.objects.select_related("unit", "author", "received_by")
    return qs if scope is None else qs.filter(scope)


def swaps_to_decide(user: Any) -> QuerySet[SwapRequest]:
    """Requests waiting in the units this person supervises (none for people who supervise nobody),
    without those they are part of: nobody decides their own swap."""
    qs = (
        SwapRequest.objects.filter(status=SwapStatus.REQUESTED)
        .exclude(requester=user)
        .exclude(counterpart=user)
        .select_related("shift__unit", "shift__pattern", "requester", "counterpart", "counterpart_shift__pattern")
    )
    # Seeing every unit is not supervising it: quality staff read rosters but decide no swaps.
    if user.is_superuser or (user.sees_everything and user.role in SUPERVISING_ROLES):
        return qs
    if user.unit_id is None or user.role not in SUPERVISING_ROLES:
        return qs.none()
    return qs.filter(shift__unit__path__startswith=user.unit.path)
