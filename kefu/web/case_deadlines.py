"""The case page's deadline block: every clock with its time left and notices, and the extension
and promise forms where the rulebook lets this person use them (kefu.sla.extensions decides)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from kefu.cases.changes import actor_may_act
from kefu.cases.choices import CaseStatus
from kefu.cases.models import Case
from kefu.org.models import User
from kefu.sla.choices import ClockStatus
from kefu.sla.extensions import extension_allowed, promise_bounds
from kefu.sla.models import Clock
from kefu.sla.selectors import LIVE_STATUSES, Engines, clock_def_for
from kefu.web.deadlines import clock_row, rule_text
from kefu.web.forms import ExtensionForm, PromiseForm

__all__ = ("deadline_rows", "may_extend", "may_promise")


def may_extend(user: User, case: Case, clock: Clock) -> bool:
    if clock.status not in LIVE_STATUSES or case.status not in (CaseStatus.OPEN, CaseStatus.SUSPENDED):
        return False
    clock.case = case
    return actor_may_act(case, user) and extension_allowed(clock, user)


def may_promise(user: User, case: Case, clock: Clock) -> bool:
    if clock.status != ClockStatus.RUNNING or case.status != CaseStatus.OPEN:
        return False
    definition = clock_def_for(case, clock.key)
    if definition is None or definition.promise is None or not actor_may_act(case, user):
        return False
    return user.is_superuser or user.role in definition.promise.roles


def deadline_rows(case: Case, user: User, bound: dict[str, Any]) -> list[dict[str, Any]]:
    """Every clock of the case with its time left, state and notices, and an extension form where
    the rulebook lets this person extend it."""
    clocks = case.clocks.select_related("calendar").prefetch_related("notices").order_by("started_at", "id")
    now, engines = timezone.now(), Engines()
    rows = []
    for clock in clocks:
        row = clock_row(clock, now, engines, case)
        row["rule_text"] = rule_text(clock, case)
        row["notices"] = list(clock.notices.all())
        if may_extend(user, case, clock):
            definition = clock_def_for(case, clock.key)
            row["extension_form"] = bound.get(f"x:{clock.pk}") or ExtensionForm(
                prefix=f"x{clock.pk}",
                initial={"version": case.version},
                clock_unit=clock.unit,
                consent=definition.extension.customer_consent,
            )
        if may_promise(user, case, clock):
            clock.case = case
            bounds = promise_bounds(clock)
            row["promise_form"] = bound.get(f"p:{clock.pk}") or PromiseForm(
                prefix=f"p{clock.pk}", initial={"version": case.version}
            )
            row["promise_bounds"] = bounds
        rows.append(row)
    return rows
