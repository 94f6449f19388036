"""Approval chains: which steps a case needs in an approval pass, and who decides the next one.

A pass is the set of approve/decline transitions sharing an `approval_pass` name (default: the case
type's chain, pass ""). Each pass climbs its chain once per round; a decline in any pass starts a new
round, in which every pass starts again from its first step (docs/rulebooks.md, "Approval chains").
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _

from kefu.cases.changes import actor_has_role
from kefu.cases.choices import ApprovalDecision
from kefu.cases.facts import case_facts, condition_holds, evaluate_number
from kefu.cases.models import Case
from kefu.core.exceptions import ApplicationError, ForbiddenError
from kefu.org.models import User
from kefu.rulebooks.schema import ApprovalChainDef, ApprovalStepDef, TransitionDef

__all__ = (
    "approval_chain_for",
    "approval_measure",
    "approval_step_for",
    "approval_steps_required",
    "next_approval_step",
)


def approval_chain_for(case: Case, td: TransitionDef | None = None) -> ApprovalChainDef | None:
    """The chain an approval transition climbs: its own `approval_chain`, else the case type's."""
    name = (td.approval_chain if td is not None else None) or case.type_def.approval_chain
    return case.rulebook.chain(name) if name else None


def approval_measure(case: Case, chain: ApprovalChainDef) -> Decimal | None:
    """What the chain's limits are compared with (the remedy total unless the chain says otherwise)."""
    return evaluate_number(case, chain.measure)


def approval_steps_required(case: Case, td: TransitionDef | None = None) -> list[ApprovalStepDef]:
    """The steps this case needs in the pass of `td` (default: the case type's chain): the steps whose
    condition holds, up to the first whose limit covers the chain's measure, and at least as high as
    the severity demands. A measure that is not set (an empty count) needs the whole chain."""
    chain = approval_chain_for(case, td)
    if chain is None:
        return []
    facts = case_facts(case)
    steps = [s for s in chain.steps if condition_holds(case, s.when, facts=facts)]
    measure = evaluate_number(case, chain.measure, facts=facts)
    needed = next(
        (i + 1 for i, s in enumerate(steps) if s.limit is None or (measure is not None and measure <= s.limit)),
        len(steps),
    )
    severity = case.rulebook.severity(case.severity)
    if severity is not None:
        needed = max(needed, min(severity.approval_min_step, len(steps)))
    return steps[:needed]


def _pass_of(td: TransitionDef | None) -> str:
    return td.approval_pass if td is not None else ""


def next_approval_step(case: Case, td: TransitionDef | None = None) -> tuple[int, ApprovalStepDef] | None:
    steps = approval_steps_required(case, td)
    done = case.approvals.filter(
        approval_round=case.approval_round, approval_pass=_pass_of(td), decision=ApprovalDecision.APPROVED
    ).count()
    return (done, steps[done]) if done < len(steps) else None


def approval_step_for(case: Case, actor: User, td: TransitionDef | None = None) -> tuple[int, ApprovalStepDef]:
    step = next_approval_step(case, td)
    if step is None:
        raise ApplicationError(_("Every required approval has already been given."))
    index, step_def = step
    if not actor_has_role(actor, [step_def.role]):
        raise ForbiddenError(
            _("Step %(step)s of the approval chain (%(label)s) must be decided by someone with the role '%(role)s'.")
            % {"step": index + 1, "label": step_def.label or step_def.role, "role": step_def.role}
        )
    return index, step_def
