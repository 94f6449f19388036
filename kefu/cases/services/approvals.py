"""Approval chains: which steps a case's remedy needs, and who decides the next one."""

from __future__ import annotations

from django.utils.translation import gettext as _

from kefu.cases.changes import actor_has_role
from kefu.cases.choices import ApprovalDecision
from kefu.cases.models import Case
from kefu.core.exceptions import ApplicationError, ForbiddenError
from kefu.org.models import User
from kefu.rulebooks.schema import ApprovalStepDef

__all__ = ("approval_step_for", "approval_steps_required", "next_approval_step")


def approval_steps_required(case: Case) -> list[ApprovalStepDef]:
    """The approval chain steps this case needs: up to the first whose limit covers the remedy
    total, and at least as high as the severity demands."""
    doc = case.rulebook
    chain_name = case.type_def.approval_chain
    if not chain_name:
        return []
    chain = doc.approval_chains[chain_name]
    needed = next((i + 1 for i, s in enumerate(chain) if s.limit is None or case.remedy_total <= s.limit), len(chain))
    severity = doc.severity(case.severity)
    if severity is not None:
        needed = max(needed, min(severity.approval_min_step, len(chain)))
    return chain[:needed]


def next_approval_step(case: Case) -> tuple[int, ApprovalStepDef] | None:
    steps = approval_steps_required(case)
    done = case.approvals.filter(approval_round=case.approval_round, decision=ApprovalDecision.APPROVED).count()
    return (done, steps[done]) if done < len(steps) else None


def approval_step_for(case: Case, actor: User) -> tuple[int, ApprovalStepDef]:
    step = next_approval_step(case)
    if step is None:
        raise ApplicationError(_("Every required approval has already been given."))
    index, step_def = step
    if not actor_has_role(actor, [step_def.role]):
        raise ForbiddenError(
            _("Step %(step)s of the approval chain (%(label)s) must be decided by someone with the role '%(role)s'.")
            % {"step": index + 1, "label": step_def.label or step_def.role, "role": step_def.role}
        )
    return index, step_def
