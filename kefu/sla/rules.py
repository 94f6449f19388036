"""Which limit a clock rule gives a case, and how its time is measured. No database writes.

A `ClockDef` has a default limit (`within`) and `variants`, each with a condition on the case. The
first variant whose condition matches wins; the `rule` text stored on the clock says which one, so
a person reading the deadline can see why it is 4 working hours and not 1 working day.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kefu.calendars.engine import Unit
from kefu.rulebooks.schema import ClockDef, Condition, Duration

if TYPE_CHECKING:
    from kefu.cases.models import Case

__all__ = (
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
_LIST_KEYS = ("category", "severity", "channel", "customer_grade", "region")
_BOOL_KEYS = ("overseas", "anonymous")


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


def case_facts(case: Case) -> dict[str, Any]:
    """What a variant condition can look at."""
    customer = case.customer
    return {
        "category": case.category,
        "severity": case.severity,
        "channel": case.channel,
        "customer_grade": customer.grade,
        "region": customer.region,
        "overseas": customer.is_overseas,
        "anonymous": case.is_anonymous,
    }


def condition_matches(condition: Condition, facts: dict[str, Any]) -> bool:
    """Every key the condition lists must match; a list means "any of"."""
    for key in _LIST_KEYS:
        allowed = getattr(condition, key)
        if allowed is not None and facts.get(key) not in allowed:
            return False
    for key in _BOOL_KEYS:
        wanted = getattr(condition, key)
        if wanted is not None and bool(facts.get(key)) != wanted:
            return False
    return True


def describe_condition(condition: Condition) -> str:
    parts = [f"{k}={'/'.join(getattr(condition, k))}" for k in _LIST_KEYS if getattr(condition, k) is not None]
    parts += [
        f"{k}={'yes' if getattr(condition, k) else 'no'}" for k in _BOOL_KEYS if getattr(condition, k) is not None
    ]
    return ", ".join(parts) or "*"


def select_limit(definition: ClockDef, facts: dict[str, Any]) -> Limit:
    """The first matching variant, else the default `within`; with the text that says which."""
    for variant in definition.variants:
        if condition_matches(variant.when, facts):
            return _limit(variant.within, describe_condition(variant.when))
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
