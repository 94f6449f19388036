"""Approval chains of format v2: two passes in one round (篇9), limits in counts (seed-002 Doc 2),
conditional steps (篇2), and the v1 chains working as before."""

import pytest

from kefu.cases.choices import ApprovalDecision
from kefu.cases.models import Case
from kefu.cases.services import approval_steps_required, case_register, case_transition, transition_allowed
from kefu.core.exceptions import ApplicationError, ForbiddenError

pytestmark = pytest.mark.django_db


def register(org, customer, case_type, actor=None, **extra) -> Case:
    params = dict(
        rulebook_key="format-v2",
        case_type=case_type,
        customer=customer,
        channel="letter",
        title="申请",
        description="内容。",
    )
    params.update(extra)
    case, _ = case_register(actor=actor or org.agent, **params)
    return case


def step(case: Case, name: str, actor, **data) -> Case:
    return case_transition(case=case, actor=actor, transition=name, expected_version=case.version, data=data)


@pytest.mark.parametrize(
    ("records", "approvers"),
    [(1, ["deputy_gm"]), (2000, ["deputy_gm"]), (2001, ["deputy_gm", "general_manager"])],
)
def test_limits_in_record_counts(org, v2_rulebook, customer, records, approvers):
    """seed-002 Doc 2: a data request within 2,000 records is approved by the deputy GM, more by the GM."""
    case = register(org, customer, "data_request", fields={"record_count": records})
    case = step(case, "submit", org.agent)
    assert [s.role for s in approval_steps_required(case)] == approvers
    case = step(case, "approve", org.deputy_gm)
    if len(approvers) == 2:
        assert case.stage == "approving"
        assert not transition_allowed(case, org.deputy_gm, case.type_def.transition("approve"))
        with pytest.raises(ForbiddenError, match="general_manager"):
            step(case, "approve", org.deputy_gm)
        case = step(case, "approve", org.gm)
    assert case.stage == "done"


@pytest.mark.parametrize(("subject", "approver"), [("supervisor", "manager"), ("manager", "gm")])
def test_a_penalty_for_a_department_manager_goes_to_the_general_manager(org, v2_rulebook, customer, subject, approver):
    """篇2: the department manager decides penalties in their department; when the manager is the person
    complained about, HR & Administration reports it and the GM decides."""
    # Received in 售后部, the department of the person complained about, where its manager decides.
    case = register(org, customer, "penalty", actor=org.handler, subject_person=getattr(org, subject))
    case = step(case, "propose", org.handler)
    [needed] = approval_steps_required(case)
    assert needed.label == ("总经理（人事行政部报请）" if approver == "gm" else "部门经理")
    if approver == "gm":
        # The manager is recused anyway; the chain itself no longer names them.
        assert not transition_allowed(case, org.manager, case.type_def.transition("approve"))
    case = step(case, "approve", getattr(org, approver))
    assert case.stage == "decided"


def test_two_approval_passes_in_one_round(org, v2_rulebook, customer):
    """篇9: the proposal is routed by authority before the negotiation, and the negotiated result again
    for the final 核决; each pass climbs the chain by itself, a decline restarts both."""
    # Received in 售后部 (its handler owns it): the department's supervisor and manager act on it.
    case = register(
        org,
        customer,
        "quality_claim",
        actor=org.handler,
        channel="hotline",
        category="quality",
        fields={"order_no": "SO-1"},
    )
    case = step(case, "to_qa", org.supervisor)
    case = step(case, "qa_done", org.quality, cause="来料不良", responsibility="supplier")
    case = step(case, "propose", org.handler, remedies=[{"kind": "allowance", "amount": "8000"}])
    assert [s.role for s in approval_steps_required(case, case.type_def.transition("route_approve"))] == [
        "manager",
        "deputy_gm",
    ]
    case = step(case, "route_approve", org.manager)
    case = step(case, "route_approve", org.deputy_gm)
    assert case.stage == "negotiation"
    case = step(case, "negotiated", org.handler, comment="客户接受折让", fields={"penalty": "none"})
    final = case.type_def.transition("final_approve")
    assert transition_allowed(case, org.manager, final)  # the final pass starts from its first step
    case = step(case, "final_approve", org.manager, fields={"loss_amount": "8000.00"})
    with pytest.raises(ApplicationError):
        step(case, "final_decline", org.manager)  # step 2 of the final pass is the deputy GM's
    case = step(case, "final_decline", org.deputy_gm, comment="折让过高，重新交涉")
    assert (case.stage, case.approval_round) == ("negotiation", 2)
    rows = list(case.approvals.order_by("id").values_list("approval_round", "approval_pass", "step", "decision"))
    assert rows == [
        (1, "routing", 0, ApprovalDecision.APPROVED),
        (1, "routing", 1, ApprovalDecision.APPROVED),
        (1, "final", 0, ApprovalDecision.APPROVED),
        (1, "final", 1, ApprovalDecision.DECLINED),
    ]
    case = step(case, "negotiated", org.handler, comment="重新交涉", fields={"penalty": "none"})
    case = step(case, "final_approve", org.manager)
    case = step(case, "final_approve", org.deputy_gm)
    assert case.stage == "closing"


def test_v1_chains_work_as_before(org, rulebooks, customer):
    """The presets' chains (lists of steps, measured against the remedy total) are unchanged."""
    case, _ = case_register(
        actor=org.agent,
        case_type="complaint",
        customer=customer,
        channel="phone",
        category="attitude",
        title="t",
        description="d",
    )
    case.remedy_total = 8000
    assert [s.role for s in approval_steps_required(case)] == ["manager", "deputy_gm"]
