"""The repair clock: from dispatch (or the report) to the repair, in the rulebook's limit.

seed-002 Doc 4 (Doc 13) 5.2.4: "各个专业本部门应在三个工作日内将《维修单》处理完毕,三个工作日内不能完成的,报物业
服务中心负责人批准签字延期,二周内不能修复的,报主任批准延期" — 3 working days counted from the department taking
the order (5.2.1 "工程取单后"), i.e. from dispatch; extensions approved by the roles the rulebook's tiers name.
5.2.5: drains, blocked toilets, leaking pipes "要求在24小时内完成" — elapsed hours; lamps and locks "(工作日)".
seed-004 D16 第五条(二): gas faults "一般故障原则上在6小时内处理、24小时内修复", counted "接到报修后" (from
the report): `starts: report`, 24 hours on the 24x7 calendar.

The deadline is stored on the order (`repair_due_at`); customer-caused waiting pauses it through the
arrival clock's pause (`workorder_pause`: the deadline moves by the time waited, counted as the limit
counts). Completion stops it. A late repair is flagged once by the late sweep: a conditional UPDATE
claims the order and the `(order, version, kind)` constraint of the history row backs it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from kefu.core.exceptions import ApplicationError, FieldErrors, ForbiddenError
from kefu.core.inputs import check_text
from kefu.org.models import User
from kefu.workorders.choices import OPEN_STATUSES, EventKind
from kefu.workorders.models import RepairExtension, WorkOrder
from kefu.workorders.rules_clock import ExtensionTier, RepairClockRules, RepairLimit

__all__ = (
    "repair_clock_start",
    "repair_deadline",
    "repair_limit_for",
    "repair_minutes_left",
    "repair_shift_for_pause",
    "workorder_decide_extension",
    "workorder_request_extension",
    "workorders_flag_repair_late",
)


def _rules(order: WorkOrder) -> RepairClockRules:
    from kefu.workorders.services.lifecycle import section_for

    return section_for(order).repair_clock


def _engine(order: WorkOrder, engines: dict | None = None):
    """The repair clock's working-time engine; `engines` caches them by calendar key across a list."""
    from kefu.calendars.selectors import calendar_get, working_time_for
    from kefu.workorders.services.lifecycle import section_for

    section = section_for(order)
    key = section.repair_clock.calendar or section.calendar
    if engines is not None and key in engines:
        return engines[key]
    engine = working_time_for(calendar_get(key=key))
    if engines is not None:
        engines[key] = engine
    return engine


def _matching(order: WorkOrder) -> RepairLimit | None:
    category = order.case.category if order.case_id else ""
    return next(
        (x for x in _rules(order).limits if x.matches(kind=order.kind, category=category, urgent=order.urgent)), None
    )


def repair_limit_for(order: WorkOrder) -> tuple[str, int, str]:
    """(label, amount, unit) of the first rulebook limit the order matches; without one, urgent orders
    get `urgent_hours` hours (5.2.5 "24小时内完成") and the rest `repair_working_days` (5.2.4)."""
    from kefu.workorders.services.lifecycle import section_for

    section = section_for(order)
    limit = _matching(order)
    if limit is not None:
        return limit.label, limit.within, limit.unit
    if order.urgent:
        return gettext_noop("urgent repair"), section.urgent_hours, "hours"
    return gettext_noop("repair"), section.repair_working_days, "working_days"


def repair_deadline(order: WorkOrder, start: datetime, amount: int, unit: str) -> datetime:
    """`start` + `amount` `unit` (hours: elapsed; working_hours / working_days: on the calendar)."""
    if unit == "hours":
        return start + timedelta(hours=amount)
    try:
        engine = _engine(order)
        if unit == "working_hours":
            return engine.add_working_minutes(start, amount * 60)
        return engine.add_working_days(start, amount)
    except Exception as exc:  # ScheduleMissing: the calendar has no schedule for that year
        if isinstance(exc, ApplicationError):
            raise
        raise ApplicationError(
            _("The working calendar has no schedule for this date; ask an administrator to add the year."),
            extra={"repair_due_at": [str(exc)]},
        ) from exc


def repair_clock_start(order: WorkOrder, *, trigger: str, at: datetime) -> list[str]:
    """Start the clock if the rulebook starts it on `trigger` ("report" or "dispatch") and it has not
    started; re-dispatching does not restart it. Returns the fields changed (the caller saves)."""
    if order.repair_started_at is not None or _rules(order).starts != trigger:
        return []
    label, amount, unit = repair_limit_for(order)
    order.repair_started_at = at
    order.repair_due_at = order.repair_original_due_at = repair_deadline(order, at, amount, unit)
    order.repair_limit = _limit_words(label, amount, unit)
    order.repair_unit = unit
    return ["repair_started_at", "repair_due_at", "repair_original_due_at", "repair_limit", "repair_unit"]


def _limit_words(label: str, amount: int, unit: str) -> str:
    """ "紧急报修 · 24 小时": stored in the site's language (it is read by everyone, later)."""
    from django.conf import settings
    from django.utils import translation

    with translation.override(settings.LANGUAGE_CODE):
        words = {
            "hours": _("%(n)s hours"),
            "working_hours": _("%(n)s working hours"),
            "working_days": _("%(n)s working days"),
        }[unit] % {"n": amount}
        return f"{_(label)} · {words}"[:100]  # a rulebook's own label has no catalog entry: unchanged


def repair_running(order: WorkOrder) -> bool:
    return order.repair_due_at is not None and order.status in OPEN_STATUSES


def repair_shift_for_pause(order: WorkOrder, paused_at: datetime, now: datetime) -> list[str]:
    """The wait for the customer moves the repair deadline by the time waited, counted as the limit
    counts (elapsed for hours, working time otherwise)."""
    if not repair_running(order) or now <= paused_at:
        return []
    if order.repair_unit == "hours":
        order.repair_due_at += now - paused_at
    else:
        engine = _engine(order)
        waited = max(engine.working_minutes_between(paused_at, now), 0)
        order.repair_due_at = engine.add_working_minutes(order.repair_due_at, waited)
    return ["repair_due_at"]


def repair_minutes_left(
    order: WorkOrder, now: datetime | None = None, engines: dict | None = None
) -> tuple[int, bool] | None:
    """(minutes left — negative when late —, counted in working time?) of a running clock; for a
    completed order the margin it stopped with; None without a repair clock."""
    if order.repair_due_at is None:
        return None
    end = order.completed_at or order.paused_at or now or timezone.now()
    if order.repair_unit == "hours":
        return int((order.repair_due_at - end) // timedelta(minutes=1)), False
    try:
        return _engine(order, engines).working_minutes_between(end, order.repair_due_at), True
    except Exception:  # noqa: BLE001 — no schedule that far: say it in elapsed time rather than fail a page
        return int((order.repair_due_at - end) // timedelta(minutes=1)), False


# ---------------------------------------------------------------------------------------------- extensions


def _tier_for(order: WorkOrder, until: datetime) -> ExtensionTier | None:
    """The first tier whose reach (counted from the original deadline) covers `until`."""
    from kefu.calendars.engine import ScheduleMissing

    base = order.repair_original_due_at or order.repair_due_at
    for tier in _rules(order).extension.tiers:
        try:
            reach = repair_deadline(order, base, tier.up_to, tier.unit)
        except ScheduleMissing:
            return tier  # the calendar ends before the tier's reach: it covers everything it knows
        if until <= reach:
            return tier
    return None


@transaction.atomic
def workorder_request_extension(
    *,
    order: WorkOrder,
    actor: User,
    expected_version: int | None,
    until: datetime,
    reason: str,
    customer_consent: bool = False,
) -> RepairExtension:
    """The technician (or a supervisor) asks for a later repair deadline, with the reason; the
    approvers are the roles of the rulebook tier that reaches `until`."""
    from kefu.workorders.services.lifecycle import lock_order, record_event, supervises

    order = lock_order(order.pk, expected_version)
    if order.technician_id != actor.pk and not supervises(actor, order.unit):
        raise ForbiddenError(_("Only the technician or a supervisor may ask to extend this repair."))
    if not repair_running(order):
        raise ApplicationError(_("The repair clock of this order is not running."))
    errors = FieldErrors()
    reason = check_text(errors, "reason", reason, limit=300, required=True)
    rules = _rules(order)
    if until <= order.repair_due_at:
        errors.add("until", _("Choose a time after the present deadline."))
    tier = _tier_for(order, until) if until > order.repair_due_at else None
    if until > order.repair_due_at and tier is None:
        errors.add("until", _("This is beyond the longest extension the rulebook allows."))
    limit = _matching(order)
    if (rules.extension.customer_consent or (limit is not None and limit.customer_consent)) and not customer_consent:
        errors.add("customer_consent", _("The customer must agree to the extension (ask them first)."))
    if RepairExtension.objects.filter(order=order, status=RepairExtension.Status.PENDING).exists():
        errors.add("until", _("An extension is already waiting for approval."))
    errors.raise_if_any()
    extension = RepairExtension.objects.create(
        order=order,
        until=until,
        was=order.repair_due_at,
        reason=reason,
        customer_consent=customer_consent,
        approver_roles=list(tier.roles),
        requested_by=actor,
    )
    record_event(
        order,
        kind=EventKind.EXTENSION_ASKED,
        actor=actor,
        note=reason,
        data={"extension": extension.pk, "until": until.isoformat(), "roles": list(tier.roles)},
    )
    return extension


def may_approve(actor: User, order: WorkOrder, roles: list[str]) -> bool:
    if actor.is_superuser:
        return True
    if actor.role not in roles:
        return False
    return actor.sees_everything or bool(actor.unit_id and order.unit.path.startswith(actor.unit.path))


@transaction.atomic
def workorder_decide_extension(
    *, order: WorkOrder, actor: User, expected_version: int | None, approve: bool, note: str = ""
) -> WorkOrder:
    """Approve (the deadline becomes the one asked for) or refuse (a note says why) the pending request."""
    from kefu.workorders.services.lifecycle import lock_order, record_event

    order = lock_order(order.pk, expected_version)
    extension = (
        RepairExtension.objects.select_for_update().filter(order=order, status=RepairExtension.Status.PENDING).first()
    )
    if extension is None:
        raise ApplicationError(_("No extension of this order is waiting for approval."))
    if not may_approve(actor, order, extension.approver_roles):
        raise ForbiddenError(_("This extension needs the approval of: %(roles)s.") % {"roles": _roles(extension)})
    errors = FieldErrors()
    note = check_text(errors, "note", note, limit=300, required=not approve)
    errors.raise_if_any()
    extension.status = RepairExtension.Status.APPROVED if approve else RepairExtension.Status.REFUSED
    extension.decided_by = actor
    extension.decided_at = timezone.now()
    extension.decision_note = note
    extension.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    fields: list[str] = []
    if approve:
        order.repair_due_at = extension.until
        fields.append("repair_due_at")
    record_event(
        order,
        kind=EventKind.EXTENSION_APPROVED if approve else EventKind.EXTENSION_REFUSED,
        actor=actor,
        fields=fields,
        note=note or extension.reason,
        data={"extension": extension.pk, "was": extension.was.isoformat(), "until": extension.until.isoformat()},
    )
    return order


def _roles(extension: RepairExtension) -> str:
    from kefu.org.choices import Role

    return "、".join(str(Role(r).label) for r in extension.approver_roles if r in Role.values)


# ---------------------------------------------------------------------------------------------- late sweep


def workorders_flag_repair_late(*, now: datetime | None = None, limit: int = 500) -> int:
    """Flag orders not repaired by their deadline (clock running, not paused) — each exactly once,
    claimed by `UPDATE … SET repair_late_at WHERE repair_late_at IS NULL`; the technician and the
    supervisors of the unit and above are told. Returns how many were flagged."""
    from kefu.workorders.services.clock import flag_late_orders

    now = now or timezone.now()
    running = {"status__in": OPEN_STATUSES, "paused_at__isnull": True, "repair_late_at__isnull": True}
    due = list(
        WorkOrder.objects.filter(**running, repair_due_at__lt=now)
        .order_by("repair_due_at")
        .values_list("pk", flat=True)[:limit]
    )
    return flag_late_orders(
        due, still_due=running, mark="repair_late_at", kind=EventKind.REPAIR_LATE, code="workorders.repair_late",
        due_field="repair_due_at", now=now,
    )  # fmt: skip
