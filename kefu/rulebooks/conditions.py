"""Conditions in a rulebook: what a condition may look at (the vocabulary), and the two ways to write one.

A condition is an expression of `kefu.rulebooks.expressions` over the *facts* of a case:

| name | type | values |
|---|---|---|
| `case_type`, `category`, `severity`, `channel`, `stage` | text | the rulebook's codes |
| `validity` | text | `established`, `not_established` ("" = not checked yet) |
| `responsibility` | text | `company`, `customer`, `supplier` |
| `is_anonymous`, `has_subject`, `customer_accepted` | yes/no | |
| `remedy_total` | number | yuan |
| `received_at` | datetime | |
| `subject.role` | text | the role of the person complained about (not set when none) |
| `customer.grade`, `customer.region`, `customer.type` | text | the customer file's codes |
| `customer.overseas` | yes/no | |
| `fields.<key>` | by field type | the case type's form fields |

Clocks (and clock variants) may still use the mapping form of the first format version
(`when: {severity: [major], overseas: true}`), which `Condition` reads; every other condition is an
expression. `case_vocabulary()` is the single list above; the engine fills the same names
(`kefu.cases.facts.case_facts`). docs/rulebooks.md, "Conditions", is the reference.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Discriminator, Tag

from kefu.customers.choices import CustomerGrade, CustomerType, Region
from kefu.rulebooks.base import ROLES, Strict
from kefu.rulebooks.expressions import BOOL, DATETIME, NUMBER, TEXT, Expression, ExpressionError, Fact
from kefu.rulebooks.expressions import compile_expression as _compile
from kefu.rulebooks.fields import field_fact

if TYPE_CHECKING:
    from kefu.rulebooks.schema import RulebookDoc

__all__ = (
    "Condition",
    "When",
    "case_vocabulary",
    "compile_condition",
    "condition_text",
)

# Values of the engine's own fields (kefu.cases.choices), repeated here because the rulebook format
# must not depend on the case engine; kefu/cases/tests check that the two lists agree.
VALIDITY_CODES = ("established", "not_established")
RESPONSIBILITY_CODES = ("company", "customer", "supplier")
# Marks a pydantic union tag in an error location; parse_rulebook drops such parts from paths.
TAG_MARK = "·"


class Condition(Strict):
    """The mapping form (format v1, clocks only). Every listed key must match; lists mean 'any of'."""

    category: list[str] | None = None
    severity: list[str] | None = None
    channel: list[str] | None = None
    customer_grade: list[str] | None = None
    region: list[str] | None = None
    overseas: bool | None = None
    anonymous: bool | None = None

    def as_expression(self) -> str:
        """The same condition as an expression (how it is shown and evaluated)."""
        names = {"customer_grade": "customer.grade", "region": "customer.region"}
        parts = []
        for key in ("category", "severity", "channel", "customer_grade", "region"):
            values = getattr(self, key)
            if values is not None:
                parts.append(f"{names.get(key, key)} in [{', '.join(repr(v) for v in values)}]".replace("'", '"'))
        if self.overseas is not None:
            parts.append("customer.overseas" if self.overseas else "not customer.overseas")
        if self.anonymous is not None:
            parts.append("is_anonymous" if self.anonymous else "not is_anonymous")
        return " and ".join(parts) or "true"


def _when_tag(value: Any) -> str:
    if isinstance(value, Condition):
        return f"{TAG_MARK}mapping"
    return f"{TAG_MARK}mapping" if isinstance(value, dict) else f"{TAG_MARK}expression"


# A clock condition: an expression (text), or the v1 mapping form.
When = Annotated[
    Annotated[Condition, Tag(f"{TAG_MARK}mapping")] | Annotated[str, Tag(f"{TAG_MARK}expression")],
    Discriminator(_when_tag),
]


def condition_text(when: Condition | str) -> str:
    return when.as_expression() if isinstance(when, Condition) else " ".join(when.split())


def case_vocabulary(doc: RulebookDoc, case_type: str) -> dict[str, Fact]:
    """Every name a condition on a case of `case_type` may use, with its type and known values."""
    type_def = doc.case_types.get(case_type)
    vocabulary: dict[str, Fact] = {
        "case_type": Fact(TEXT, tuple(doc.case_types), "case type"),
        "category": Fact(TEXT, tuple(c.code for c in doc.categories), "category"),
        "severity": Fact(TEXT, tuple(s.code for s in doc.severities), "severity"),
        "channel": Fact(TEXT, tuple(doc.channel_codes()), "channel"),
        "stage": Fact(TEXT, tuple(type_def.states) if type_def else None, "state"),
        "validity": Fact(TEXT, VALIDITY_CODES, "validity"),
        "responsibility": Fact(TEXT, RESPONSIBILITY_CODES, "responsibility"),
        "is_anonymous": Fact(BOOL),
        "has_subject": Fact(BOOL),
        "customer_accepted": Fact(BOOL),
        "remedy_total": Fact(NUMBER),
        "received_at": Fact(DATETIME),
        "subject.role": Fact(TEXT, tuple(ROLES), "role"),
        "customer.grade": Fact(TEXT, tuple(CustomerGrade.values), "customer grade"),
        "customer.region": Fact(TEXT, tuple(Region.values), "region"),
        "customer.type": Fact(TEXT, tuple(CustomerType.values), "customer type"),
        "customer.overseas": Fact(BOOL),
    }
    for definition in type_def.fields if type_def else []:
        vocabulary[f"fields.{definition.key}"] = field_fact(definition)
    return vocabulary


def compile_condition(doc: RulebookDoc, case_type: str, when: Condition | str, *, result: str = BOOL) -> Expression:
    """The checked expression of a condition (or of a number, with result=NUMBER). Raises ExpressionError."""
    return _compile(condition_text(when), case_vocabulary(doc, case_type), result=result)


__all__ += ("ExpressionError", "TAG_MARK")
