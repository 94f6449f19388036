"""The facts of a case that rulebook conditions read, and the evaluation of those conditions.

`case_facts(case)` fills exactly the names of `kefu.rulebooks.conditions.case_vocabulary` (the
vocabulary is the contract; docs/rulebooks.md, "Conditions", lists it). Conditions are compiled once
per process and rulebook version (versions never change), then evaluated against the facts.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

from kefu.rulebooks.conditions import Condition, compile_condition, condition_text
from kefu.rulebooks.expressions import BOOL, NUMBER, Expression

if TYPE_CHECKING:
    from kefu.cases.models import Case

__all__ = ("case_facts", "condition_holds", "evaluate_number", "expression_for")


def case_facts(case: Case, *, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    """Every fact a condition may use, for `case` as it is now (`fields` overrides the stored
    form-field values, e.g. to check a transition with the values it is about to save)."""
    customer = case.customer
    subject = case.subject_person if case.subject_person_id else None
    facts: dict[str, Any] = {
        "case_type": case.case_type,
        "category": case.category,
        "severity": case.severity,
        "channel": case.channel,
        "stage": case.stage,
        "validity": case.validity,
        "responsibility": case.responsibility,
        "is_anonymous": case.is_anonymous,
        "has_subject": subject is not None,
        "customer_accepted": case.customer_accepted,
        "remedy_total": case.remedy_total,
        "received_at": case.received_at,
        "subject.role": subject.role if subject is not None else None,
        "customer.grade": customer.grade,
        "customer.region": customer.region,
        "customer.type": customer.customer_type,
        "customer.overseas": customer.is_overseas,
    }
    values = case.fields if fields is None else fields
    for definition in case.type_def.fields:
        facts[f"fields.{definition.key}"] = (values or {}).get(definition.key)
    return facts


@lru_cache(maxsize=4096)
def _compiled(version_id: int, sha256: str, case_type: str, text: str, result: str) -> Expression:
    from kefu.rulebooks.models import RulebookVersion
    from kefu.rulebooks.selectors import rulebook_doc

    doc = rulebook_doc(RulebookVersion(pk=version_id, sha256=sha256))
    return compile_condition(doc, case_type, text, result=result)


def expression_for(case: Case, when: Condition | str, *, result: str = BOOL) -> Expression:
    """The compiled condition (or measure) of the case's own rulebook version."""
    version = case.rulebook_version
    return _compiled(version.pk, version.sha256, case.case_type, condition_text(when), result)


def condition_holds(case: Case, when: Condition | str | None, *, facts: dict[str, Any] | None = None) -> bool:
    """Whether `when` holds for the case (no condition: it always does)."""
    if when is None:
        return True
    facts = facts if facts is not None else case_facts(case)
    if isinstance(when, Condition):
        return _mapping_matches(when, facts)
    return bool(expression_for(case, when).evaluate(facts))


# The v1 mapping form's keys, and the facts they read.
_MAPPING_LISTS = {
    "category": "category",
    "severity": "severity",
    "channel": "channel",
    "customer_grade": "customer.grade",
    "region": "customer.region",
}
_MAPPING_FLAGS = {"overseas": "customer.overseas", "anonymous": "is_anonymous"}


def _mapping_matches(condition: Condition, facts: dict[str, Any]) -> bool:
    """Format v1: every listed key must match; a list means "any of". Evaluated as it always was, so
    versions stored before format v2 behave exactly as they did."""
    for key, fact in _MAPPING_LISTS.items():
        allowed = getattr(condition, key)
        if allowed is not None and facts.get(fact) not in allowed:
            return False
    for key, fact in _MAPPING_FLAGS.items():
        wanted = getattr(condition, key)
        if wanted is not None and bool(facts.get(fact)) != wanted:
            return False
    return True


def evaluate_number(case: Case, text: str, *, facts: dict[str, Any] | None = None) -> Any:
    """A number expression (an approval chain's measure) for the case; None when a value it needs is not set."""
    return expression_for(case, text, result=NUMBER).evaluate(facts if facts is not None else case_facts(case))
