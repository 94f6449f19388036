"""Which limit a clock rule gives a case, and how its time is measured. No database writes.

A `ClockDef` has a default limit (`within`) and `variants`, each with a condition on the case (an
expression over `kefu.cases.facts.case_facts`, or the v1 mapping form). The first variant whose
condition matches wins; the `rule` text stored on the clock says which one, so
a person reading the deadline can see why it is 4 working hours and not 1 working day.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kefu.calendars.engine import Unit
from kefu.cases.facts import case_facts, condition_holds
from kefu.rulebooks.conditions import condition_text
from kefu.rulebooks.schema import ClockDef, Condition, Duration

if TYPE_CHECKING:
    from kefu.cases.models import Case

__all__ = (
    "AWAITING_PROMISE",
    "Limit",
    "WALL_UNITS",
    "case_facts",
    "clock_def",
    "condition_matches",
    "describe_condition",
    "is_working_measure",
    "select_limit",
)

# Units counted in elapsed minutes; every other unit is counted in working minutes of the calendar.
WALL_UNITS = frozenset({Unit.MINUTES, Unit.HOURS, Unit.CALENDAR_DAYS, Unit.NTH_OF_NEXT_MONTH})


@dataclass(frozen=True, slots=True)
class Limit:
    amount: int
    unit: str
    rule: str


def is_working_measure(unit: str) -> bool:
    """Working units and the day units built on working days (working_days, same_working_day)
    are measured in working minutes; minutes, hours, calendar days and "Nth of next month" in
    elapsed minutes."""
    return Unit(unit) not in WALL_UNITS


def condition_matches(when: Condition | str | None, facts: dict[str, Any], case: Case) -> bool:
    """Whether a clock's (or variant's) condition holds: an expression of docs/rulebooks.md
    ("Conditions"), or the v1 mapping form evaluated as before."""
    return condition_holds(case, when, facts=facts)


def describe_condition(when: Condition | str) -> str:
    """How the clock's `rule` names the condition that chose its limit (rulebook vocabulary, not
    translated): `severity=major`, `overseas=yes` for the mapping form, the expression otherwise."""
    if not isinstance(when, Condition):
        return condition_text(when) or "*"
    lists = ("category", "severity", "channel", "customer_grade", "region")
    parts = [f"{k}={'/'.join(getattr(when, k))}" for k in lists if getattr(when, k) is not None]
    parts += [
        f"{k}={'yes' if getattr(when, k) else 'no'}" for k in ("overseas", "anonymous") if getattr(when, k) is not None
    ]
    return ", ".join(parts) or "*"


# A promised clock before anyone has promised a time: no limit yet (see kefu.sla.promises).
AWAITING_PROMISE = "awaiting promise"


def select_limit(definition: ClockDef, facts: dict[str, Any], case: Case) -> Limit:
    """The first matching variant, else the default `within`; with the text that says which."""
    for variant in definition.variants:
        if condition_matches(variant.when, facts, case):
            return _limit(variant.within, describe_condition(variant.when))
    if definition.within is None:
        return Limit(amount=0, unit="minutes", rule=AWAITING_PROMISE)
    # Rulebook vocabulary (field names, codes, units), like the variant conditions: not translated.
    return _limit(definition.within, "default")


def _limit(duration: Duration, why: str) -> Limit:
    return Limit(amount=duration.amount, unit=duration.unit, rule=f"{why} → {duration}")


def clock_def(case: Case, key: str) -> ClockDef | None:
    """The rule of a clock key in the case's own rulebook version (which never changes)."""
    sla = case.type_def.sla
    if sla is None:
        return None
    return next((c for c in sla.clocks if c.key == key), None)
