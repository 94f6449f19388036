"""The arrival clock (seed-004 D11 step 14): from the customer's report to the technician's
arrival, at most 6 working hours in town (市区六小时制) and 7 in the suburbs (郊区七小时制), counted
on the working calendar the rulebook's `field_service.calendar` names ("在上班时间内"); urgent orders
at most `urgent_hours`.

Customer-caused waiting (nobody home, the customer asks to come later) pauses the clock with a
reason: on resume the deadline moves by the working time the pause lasted. A sweep flags each late
order exactly once (a conditional UPDATE … WHERE late_at IS NULL) and tells the technician and the
unit's supervisors through the work inbox.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.core.exceptions import ApplicationError, FieldErrors, ForbiddenError
from kefu.core.inputs import check_text
from kefu.org.models import User
from kefu.workorders.choices import BEFORE_ARRIVAL, EventKind
from kefu.workorders.models import WorkOrder, WorkOrderEvent

__all__ = ("arrival_deadline", "end_pause", "workorder_pause", "workorder_resume", "workorders_flag_late")


def _engine(order: WorkOrder):
    from kefu.calendars.selectors import calendar_get, working_time_for
    from kefu.workorders.services.lifecycle import section_for

    return working_time_for(calendar_get(key=section_for(order).calendar))


def arrival_deadline(order: WorkOrder) -> datetime:
    """reported_at + the section's limit for the order's area, in working hours."""
    from kefu.workorders.services.lifecycle import section_for

    hours = section_for(order).arrival_limit_hours(order.region, urgent=order.urgent)
    try:
        return _engine(order).add_working_minutes(order.reported_at, hours * 60)
    except Exception as exc:  # ScheduleMissing: the calendar has no schedule for that year
        if isinstance(exc, ApplicationError):
            raise
        raise ApplicationError(
            _("The working calendar has no schedule for this date; ask an administrator to add the year."),
            extra={"reported_at": [str(exc)]},
        ) from exc


def end_pause(order: WorkOrder, now: datetime) -> list[str]:
    """Move the deadline by the working minutes the pause lasted (the repair deadline too, as its
    limit counts); the fields changed."""
    from kefu.workorders.services.repair_clock import repair_shift_for_pause

    fields = repair_shift_for_pause(order, order.paused_at, now)
    if order.status not in BEFORE_ARRIVAL:  # paused on site: only the repair clock was stopped
        order.paused_at = None
        order.pause_reason = ""
        return [*fields, "paused_at", "pause_reason"]
    waited = max(_engine(order).working_minutes_between(order.paused_at, now), 0)
    order.arrival_due_at = _engine(order).add_working_minutes(order.arrival_due_at, waited)
    order.paused_at = None
    order.pause_reason = ""
    return [*fields, "arrival_due_at", "paused_at", "pause_reason"]


def _may_pause(order: WorkOrder, actor: User) -> bool:
    from kefu.workorders.services.lifecycle import supervises

    return order.technician_id == actor.pk or supervises(actor, order.unit)


@transaction.atomic
def workorder_pause(
    *, order: WorkOrder, actor: User, expected_version: int | None, reason: str, at: datetime | None = None
) -> WorkOrder:
    """The customer makes us wait: stop the arrival clock, with the reason (`at`: when, default now;
    the API and pages never pass it)."""
    from kefu.workorders.services.lifecycle import lock_order, record_event

    order = lock_order(order.pk, expected_version)
    if not _may_pause(order, actor):
        raise ForbiddenError(_("Only the technician or a supervisor may pause this order's clock."))
    from kefu.workorders.services.repair_clock import repair_running

    if order.paused_at is not None or not (order.status in BEFORE_ARRIVAL or repair_running(order)):
        raise ApplicationError(_("The arrival clock of this order is not running."))
    errors = FieldErrors()
    order.pause_reason = check_text(errors, "reason", reason, limit=300, required=True)
    errors.raise_if_any()
    order.paused_at = at or timezone.now()
    record_event(order, kind=EventKind.PAUSED, actor=actor, fields=["paused_at", "pause_reason"], note=reason)
    return order


@transaction.atomic
def workorder_resume(
    *, order: WorkOrder, actor: User, expected_version: int | None, at: datetime | None = None
) -> WorkOrder:
    """The wait is over: the deadline moves by the working time it lasted."""
    from kefu.workorders.services.lifecycle import lock_order, record_event

    order = lock_order(order.pk, expected_version)
    if not _may_pause(order, actor):
        raise ForbiddenError(_("Only the technician or a supervisor may resume this order's clock."))
    if order.paused_at is None:
        raise ApplicationError(_("The arrival clock of this order is not paused."))
    was, reason = order.arrival_due_at, order.pause_reason
    fields = end_pause(order, at or timezone.now())
    record_event(
        order,
        kind=EventKind.RESUMED,
        actor=actor,
        fields=fields,
        note=reason,
        data={"was": was.isoformat(), "now": order.arrival_due_at.isoformat()},
    )
    return order


def workorders_flag_late(*, now: datetime | None = None, limit: int = 500) -> int:
    """Flag orders whose arrival deadline passed (not arrived, clock running) — each exactly once.

    Each order is claimed by `UPDATE … SET late_at = now WHERE id = … AND late_at IS NULL`; only the
    sweep whose update changed the row writes the history row and notifies, so two sweeps running
    at once (or a retried task) notify once. Returns how many were flagged.
    """

    now = now or timezone.now()
    due = list(
        WorkOrder.objects.filter(
            status__in=BEFORE_ARRIVAL, paused_at__isnull=True, late_at__isnull=True, arrival_due_at__lt=now
        )
        .order_by("arrival_due_at")
        .values_list("pk", flat=True)[:limit]
    )
    still_due = {"late_at__isnull": True, "paused_at__isnull": True, "status__in": BEFORE_ARRIVAL}
    return flag_late_orders(
        due,
        still_due=still_due,
        mark="late_at",
        kind=EventKind.LATE,
        code="workorders.late",
        due_field="arrival_due_at",
        now=now,
    )


def flag_late_orders(
    ids: list[int], *, still_due: dict, mark: str, kind: str, code: str, due_field: str, now: datetime
) -> int:
    """Flag each order once: claimed by `UPDATE … SET <mark> = now WHERE id = … AND <still due>`;
    only the sweep whose update changed the row writes the history row and tells the technician and
    the supervisors of the unit and above, so two sweeps at once (or a retried task) notify once.
    Shared by the arrival and the repair clocks."""
    from kefu.sla.inbox import inbox_notify

    flagged = 0
    for pk in ids:
        with transaction.atomic():
            if not WorkOrder.objects.filter(pk=pk, **still_due).update(**{mark: now}):
                continue
            order = WorkOrder.objects.select_related("unit", "technician").get(pk=pk)
            due_at = getattr(order, due_field)
            WorkOrderEvent.objects.create(
                order=order, version=order.version, kind=kind, actor=None, data={"due": due_at.isoformat()}
            )
            inbox_notify(
                recipients=[order.technician, *_supervisors(order)],
                kind="overdue",
                code=code,
                params={"number": order.number},
                url=f"/workorders/{order.pk}/",
                due_at=due_at,
            )
            flagged += 1
    return flagged


def _supervisors(order: WorkOrder) -> list[User]:
    """The supervisors of the order's unit and the units above it (nearest first)."""
    from kefu.org.models import OrgUnit

    ids = [int(part) for part in order.unit.path.strip("/").split("/") if part]
    units = OrgUnit.objects.filter(pk__in=ids)
    return list(User.objects.filter(unit__in=units, role="supervisor", is_active=True))
