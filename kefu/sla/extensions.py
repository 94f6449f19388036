"""Moving a deadline: extensions the rulebook allows (`extension:`) and promised times (`promise:`).

Both are services of their own (own transaction, the version of the case the person saw, a DEADLINE
history row). docs/sla.md, "Extension" and "Promised deadlines", is the reference.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.calendars.engine import Unit
from kefu.calendars.selectors import working_time_for
from kefu.cases.changes import case_lock, case_record_change, ensure_may_act
from kefu.cases.choices import EventKind
from kefu.cases.facts import condition_holds
from kefu.core.exceptions import ApplicationError, ForbiddenError
from kefu.core.inputs import TEXT_LIMITS, bad_text
from kefu.rulebooks.conditions import condition_text
from kefu.rulebooks.schema import DURATION_UNITS
from kefu.sla.choices import ClockStatus
from kefu.sla.models import Clock
from kefu.sla.rules import clock_def
from kefu.sla.services import _TIMING, LIVE, _add, _fmt, _iso, _measure, _rearm, _refresh, _update

if TYPE_CHECKING:
    from kefu.org.models import User

__all__ = ("clock_extend", "clock_promise", "extension_allowed", "promise_bounds")


def _role_labels(codes: list[str]) -> str:
    from kefu.org.choices import Role

    return ", ".join(str(Role(c).label) if c in Role.values else c for c in codes)


def extension_allowed(clock: Clock, user: User) -> bool:
    """Whether `user` may extend `clock` at all (a role of some tier, and the rulebook's `when`)."""
    definition = clock_def(clock.case, clock.key)
    extension = definition.extension if definition is not None else None
    if extension is None or clock.status not in LIVE or clock.awaiting_promise:
        return False
    if not (user.is_superuser or user.role in extension.all_roles):
        return False
    return condition_holds(clock.case, extension.when)


@transaction.atomic
def clock_extend(
    *,
    clock: Clock,
    actor: User,
    amount: int,
    unit: str,
    reason: str,
    expected_version: int,
    customer_consent: bool | None = None,
) -> Clock:
    """Move a deadline later, as the rulebook's `extension` allows (when, who, how much in total).

    The extension is counted like the clock from the current deadline: 10 working days added to a
    deadline at 17:30 is 4,500 working minutes on the office calendar. The total of all extensions
    decides the tier, and so the role that must grant it; it may not exceed the last tier (`max`).
    With `customer_consent: required` the customer's agreement must be recorded (True). If the new
    deadline is in the future, the warning and the escalation ladder are planned anew from it.
    """
    case = case_lock(clock.case, expected_version=expected_version)
    clock = Clock.objects.select_for_update().get(pk=clock.pk)
    clock.case = case
    definition = clock_def(case, clock.key)
    extension = definition.extension if definition is not None else None
    if extension is None:
        raise ApplicationError(
            _("The rulebook does not allow extending “%(clock)s”.") % {"clock": clock.label},
            extra={"clock": [_("This deadline cannot be extended.")]},
        )
    ensure_may_act(case, actor)  # recusal included; the receiver of a transferred case no longer acts
    if not (actor.is_superuser or actor.role in extension.all_roles):
        raise ForbiddenError(
            _("Extending “%(clock)s” needs the approval of: %(roles)s; your role is %(role)s.")
            % {"clock": clock.label, "roles": _role_labels(extension.all_roles), "role": actor.get_role_display()}
        )
    if not condition_holds(case, extension.when):
        raise ApplicationError(
            _("The rulebook allows extending “%(clock)s” only when %(condition)s.")
            % {"clock": clock.label, "condition": condition_text(extension.when or "")},
            extra={"clock": [_("This case does not qualify for an extension.")]},
        )
    errors: dict[str, list[str]] = {}
    if clock.status not in LIVE:
        errors.setdefault("clock", []).append(
            _("The deadline “%(clock)s” is no longer running.") % {"clock": clock.label}
        )
    if amount is None or amount < 1:
        errors.setdefault("amount", []).append(_("Give a positive amount."))
    if unit not in DURATION_UNITS or unit == Unit.NTH_OF_NEXT_MONTH:
        errors.setdefault("unit", []).append(
            _("Choose one of: %(choices)s.")
            % {"choices": ", ".join(u for u in DURATION_UNITS if u != Unit.NTH_OF_NEXT_MONTH)}
        )
    if not reason.strip():
        errors.setdefault("reason", []).append(_("Say why the deadline is extended."))
    elif len(reason.strip()) > TEXT_LIMITS["reason"] or bad_text(reason):
        errors.setdefault("reason", []).append(
            bad_text(reason) or _("At most %(limit)s characters.") % {"limit": f"{TEXT_LIMITS['reason']:,}"}
        )
    if extension.customer_consent == "required" and customer_consent is not True:
        errors.setdefault("customer_consent", []).append(
            _("The rulebook requires the customer's consent to this extension: record that they agreed.")
        )
    if clock.deadline is None and not errors:
        errors.setdefault("clock", []).append(
            _("“%(clock)s” has no deadline yet: its calendar year is not loaded.") % {"clock": clock.label}
            if not clock.awaiting_promise
            else _("“%(clock)s” has no deadline yet: set the promised time first.") % {"clock": clock.label}
        )
    if errors:
        raise ApplicationError(_("The deadline was not extended."), extra=errors)

    engine = working_time_for(clock.calendar)
    base = clock.deadline
    assert base is not None
    added = _measure(engine, clock.working_measure, base, engine.add(base, amount, unit))
    total = clock.extended_minutes + added
    tier = None
    for candidate in extension.steps:
        reach = _measure(
            engine, clock.working_measure, base, engine.add(base, candidate.up_to.amount, candidate.up_to.unit)
        )
        if total <= reach:
            tier = candidate
            break
    if tier is None:
        limit = extension.total
        left = max(
            _measure(engine, clock.working_measure, base, engine.add(base, limit.amount, limit.unit))
            - clock.extended_minutes,
            0,
        )
        raise ApplicationError(
            _("“%(clock)s” can be extended by at most %(max)s in total; %(left)s minutes are left.")
            % {"clock": clock.label, "max": str(limit), "left": left},
            extra={"amount": [_("At most %(max)s in total.") % {"max": str(limit)}]},
        )
    if not (actor.is_superuser or actor.role in tier.roles):
        raise ForbiddenError(
            _(
                "An extension of “%(clock)s” up to %(up_to)s in total needs the approval of: %(roles)s; your role is %(role)s."
            )
            % {
                "clock": clock.label,
                "up_to": str(tier.up_to),
                "roles": _role_labels(tier.roles),
                "role": actor.get_role_display(),
            }
        )
    now = timezone.now()
    old = clock.deadline
    clock.extended_minutes = total
    if clock.status == ClockStatus.RUNNING:
        _refresh(clock, engine=engine, warn_percent=definition.warn_at)
        _rearm(clock, now)
    else:
        # Paused: the deadline shown moves by the same amount; resuming recomputes it anyway.
        clock.deadline = _add(engine, clock.working_measure, base, added)
    _update(clock, "extended_minutes", *_TIMING)
    values = {
        "clock": clock.label,
        "amount": amount,
        "unit": unit,
        "old": _fmt(old),
        "new": _fmt(clock.deadline),
        "reason": reason.strip(),
    }
    message = _("%(clock)s extended by %(amount)s %(unit)s: due %(old)s → %(new)s. %(reason)s") % values
    if customer_consent is not None and extension.customer_consent != "none":
        message += "\n" + (_("The customer agreed.") if customer_consent else _("The customer did not agree."))
    case_record_change(
        case,
        actor=actor,
        kind=EventKind.DEADLINE,
        message=message,
        data={
            "clock": clock.key,
            "extension": f"{amount} {unit}",
            "extended_minutes": clock.extended_minutes,
            "tier": str(tier.up_to),
            "old_deadline": _iso(old),
            "new_deadline": _iso(clock.deadline),
            "reason": reason.strip(),
            **({"customer_consent": customer_consent} if customer_consent is not None else {}),
        },
    )
    return clock


# --------------------------------------------------------------------------------------------------
# Promised deadlines


def promise_bounds(clock: Clock) -> tuple[datetime, datetime] | None:
    """The earliest and latest time that may be promised for `clock` (None: not a promised clock)."""
    definition = clock_def(clock.case, clock.key)
    promise = definition.promise if definition is not None else None
    if promise is None:
        return None
    engine = working_time_for(clock.calendar)
    return (
        engine.add(clock.started_at, promise.min.amount, promise.min.unit),
        engine.add(clock.started_at, promise.max.amount, promise.max.unit),
    )


@transaction.atomic
def clock_promise(*, clock: Clock, actor: User, deadline: datetime, reason: str, expected_version: int) -> Clock:
    """Set (or change) the time promised to the customer: the deadline of a `promise:` clock.

    The time must lie within the rulebook's bounds (`min`..`max` after the clock started, on its
    calendar) and in the future. From then on the clock is an ordinary deadline, counted in elapsed
    minutes to the minute: warning, overdue notice and ladder as for any other clock. A change of the
    promise is recorded like the first one (old and new time, who, why).
    """
    case = case_lock(clock.case, expected_version=expected_version)
    clock = Clock.objects.select_for_update().select_related("calendar").get(pk=clock.pk)
    clock.case = case
    definition = clock_def(case, clock.key)
    promise = definition.promise if definition is not None else None
    if promise is None:
        raise ApplicationError(
            _("“%(clock)s” is not a promised deadline.") % {"clock": clock.label},
            extra={"clock": [_("The rulebook gives this deadline; it cannot be promised.")]},
        )
    ensure_may_act(case, actor)  # recusal included; the receiver of a transferred case no longer acts
    if not (actor.is_superuser or actor.role in promise.roles):
        raise ForbiddenError(
            _("Promising a time for “%(clock)s” is for: %(roles)s; your role is %(role)s.")
            % {"clock": clock.label, "roles": _role_labels(promise.roles), "role": actor.get_role_display()}
        )
    now = timezone.now()
    errors: dict[str, list[str]] = {}
    if clock.status not in LIVE:
        errors.setdefault("clock", []).append(
            _("The deadline “%(clock)s” is no longer running.") % {"clock": clock.label}
        )
    if clock.status == ClockStatus.PAUSED:
        errors.setdefault("clock", []).append(
            _("The deadline is paused; promise a time when the case is worked on again.")
        )
    if not reason.strip():
        errors.setdefault("reason", []).append(_("Say what was promised to the customer and why."))
    elif len(reason.strip()) > TEXT_LIMITS["reason"] or bad_text(reason):
        errors.setdefault("reason", []).append(
            bad_text(reason) or _("At most %(limit)s characters.") % {"limit": f"{TEXT_LIMITS['reason']:,}"}
        )
    if timezone.is_naive(deadline):
        deadline = timezone.make_aware(deadline)
    deadline = deadline.replace(second=0, microsecond=0)
    earliest, latest = promise_bounds(clock) or (now, now)
    if deadline <= now:
        errors.setdefault("deadline", []).append(_("The promised time must be in the future."))
    elif not earliest <= deadline <= latest:
        errors.setdefault("deadline", []).append(
            _("The rulebook allows a promised time between %(earliest)s and %(latest)s.")
            % {"earliest": _fmt(earliest), "latest": _fmt(latest)}
        )
    if errors:
        raise ApplicationError(_("The promised time was not set."), extra=errors)
    old = clock.deadline
    # Counted from here in elapsed minutes: the time used so far is a statistic; what matters is
    # that the remainder ends at the promised minute (see docs/sla.md, "Promised deadlines").
    stretch = now.replace(second=0, microsecond=0)
    used = max(int((stretch - clock.started_at) // timedelta(minutes=1)), 0)
    clock.unit, clock.working_measure = Unit.MINUTES.value, False
    clock.used_minutes, clock.extended_minutes = used, 0
    clock.amount = used + int((deadline - stretch) // timedelta(minutes=1))
    clock.resumed_at = stretch  # both on the minute: the remainder ends exactly at the promised minute
    clock.awaiting_promise = False
    clock.promised_at = now
    clock.rule = f"promised → {_fmt(deadline)}"[:200]
    _refresh(clock, engine=working_time_for(clock.calendar), warn_percent=definition.warn_at)
    _rearm(clock, now)
    _update(
        clock,
        "unit",
        "working_measure",
        "used_minutes",
        "extended_minutes",
        "amount",
        "resumed_at",
        "awaiting_promise",
        "promised_at",
        *_TIMING,
    )
    case_record_change(
        case,
        actor=actor,
        kind=EventKind.DEADLINE,
        message=_("%(clock)s: promised to the customer for %(new)s (was %(old)s). %(reason)s")
        % {"clock": clock.label, "new": _fmt(deadline), "old": _fmt(old), "reason": reason.strip()},
        data={
            "clock": clock.key,
            "promised": _iso(deadline),
            "old_deadline": _iso(old),
            "reason": reason.strip(),
        },
    )
    return clock
