"""Form fields (format v2) in the engine: registration, the field-update operation, conditions and required
input on transitions, channels. The rulebook is kefu/rulebooks/tests/format_v2.yaml (篇9's claim form)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kefu.cases.choices import EventKind
from kefu.cases.models import Case, CaseEvent
from kefu.cases.services import (
    case_add_attachment,
    case_register,
    case_transition,
    case_update_fields,
    transition_allowed,
)
from kefu.core.exceptions import ApplicationError, ConflictError, ForbiddenError
from kefu.customers.services import customer_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def claim(org, v2_rulebook, customer):
    def make(actor=None, **extra) -> Case:
        values = {"order_no": "SO-2603-0042", "defective_qty": 12}
        values.update(extra.pop("fields", {}))
        params = dict(
            rulebook_key="format-v2",
            case_type="quality_claim",
            category="quality",
            channel="hotline",
            customer=customer,
            title="端子尺寸超差",
            description="客户来料检验发现端子尺寸超差。",
        )
        params.update(extra)
        case, _ = case_register(actor=actor or org.agent, fields=values, **params)
        return case

    return make


def step(case: Case, name: str, actor, **data) -> Case:
    return case_transition(case=case, actor=actor, transition=name, expected_version=case.version, data=data)


def errors_of(exc: pytest.ExceptionInfo) -> dict:
    return exc.value.extra


# --------------------------------------------------------------------------------------------------
# Registration


def test_registration_stores_typed_values(claim, org, customer):
    contact = customer.contacts.first()
    case = claim(
        fields={
            "loss_amount": "12,345.5",
            "sample_attached": "true",
            "delivery_date": "2026-03-01",
            "inspected_at": "2026-03-02 14:30",
            "inspector": org.quality.pk,
            "producing_unit": org.aftersales.pk,
            "customer_contact": contact.pk,
            "defects": ["surface", "size", "surface"],
            "part_no": "  P-77  ",
        }
    )
    case.refresh_from_db()
    assert case.fields == {
        "order_no": "SO-2603-0042",
        "defective_qty": 12,
        "loss_amount": "12345.50",
        "sample_attached": True,
        "delivery_date": "2026-03-01",
        "inspected_at": "2026-03-02T14:30:00+08:00",
        "inspector": org.quality.pk,
        "producing_unit": org.aftersales.pk,
        "customer_contact": contact.pk,
        "defects": ["size", "surface"],  # the rulebook's order, once each
        "part_no": "P-77",
    }


def test_registration_refuses_bad_values_field_by_field(claim, org):
    other = customer_create(name="别家公司", phone="021 5555 1234", contact_name="李四")
    with pytest.raises(ApplicationError) as err:
        claim(
            fields={
                "order_no": "",
                "defective_qty": "1.5",
                "loss_amount": "10.001",
                "penalty": "prison",
                "inspector": 999999,
                "customer_contact": other.contacts.first().pk,
                "colour": "red",
                "test_report": 1,
            }
        )
    errors = errors_of(err)
    assert errors == {
        "fields.defective_qty": ["Enter a whole number."],
        "fields.loss_amount": ["An amount in yuan with at most 2 decimals."],
        "fields.penalty": ["Choose one of: none, fine, bonus_cut."],
        "fields.inspector": ["No active staff member with this id."],
        "fields.customer_contact": ["No contact of this customer with this id."],
        "fields.colour": [errors["fields.colour"][0]],
        "fields.test_report": ["No attachment of this case with this id."],
        "fields.order_no": ["This field is required."],
    }
    assert "its fields are: order_no, part_no" in errors["fields.colour"][0]
    assert not Case.objects.exists()


def test_channels_follow_the_rulebook_and_the_case_type(claim):
    with pytest.raises(ApplicationError) as err:
        claim(channel="opinion_box")  # the rulebook has it, 客诉 does not take it
    assert "choose one of: hotline, letter, authority" in errors_of(err)["channel"][0]
    with pytest.raises(ApplicationError):
        claim(channel="phone")  # a global channel this rulebook does not list
    case = claim(channel="authority")
    assert case.channel_label == "上级机关转办"


def test_open_cases_keep_the_fields_of_their_version(claim, org, v2_rulebook):
    from pathlib import Path

    from kefu.rulebooks.services import rulebook_load

    case = claim()
    text = (Path(__file__).parents[3] / "rulebooks/tests/format_v2.yaml").read_text(encoding="utf-8")
    rulebook_load(
        text=text.replace("      - {key: part_no, type: text, label: 料号, label_en: Part no.}\n", ""), source="v2b"
    )
    with pytest.raises(ApplicationError) as err:
        claim(fields={"part_no": "P-1"})  # new cases: the field is gone
    assert "fields.part_no" in errors_of(err)
    updated = case_update_fields(case=case, actor=org.agent, expected_version=case.version, values={"part_no": "P-1"})
    assert updated.fields["part_no"] == "P-1"  # the open case: still there


# --------------------------------------------------------------------------------------------------
# The field-update operation


def test_update_is_locked_versioned_and_recorded(claim, org):
    case = claim()
    updated = case_update_fields(
        case=case,
        actor=org.agent,
        expected_version=case.version,
        values={"defective_qty": 150, "part_no": "P-9"},
        reason="客户补充了不良数量",
    )
    assert updated.version == case.version + 1
    event = CaseEvent.objects.get(case=case, case_version=updated.version)
    assert event.kind == EventKind.FIELDS
    assert event.data["changes"] == {"part_no": [None, "P-9"], "defective_qty": [12, 150]}
    assert "不良数量: 12 → 150" in event.message and "客户补充了不良数量" in event.message
    with pytest.raises(ConflictError):
        case_update_fields(case=case, actor=org.agent, expected_version=case.version, values={"part_no": "P-8"})
    cleared = case_update_fields(
        case=updated, actor=org.agent, expected_version=updated.version, values={"part_no": None}
    )
    assert "part_no" not in cleared.fields
    with pytest.raises(ApplicationError, match="Nothing changed"):
        case_update_fields(case=cleared, actor=org.agent, expected_version=cleared.version, values={"part_no": None})


def test_who_may_edit_each_field(claim, org):
    case = claim()
    with pytest.raises(ForbiddenError, match="may not change: 罚扣类别"):
        case_update_fields(case=case, actor=org.agent, expected_version=case.version, values={"penalty": "fine"})
    case = case_update_fields(case=case, actor=org.quality, expected_version=case.version, values={"penalty": "fine"})
    assert case.fields["penalty"] == "fine"
    with pytest.raises(ForbiddenError):  # not the owner, not a listed role
        case_update_fields(case=case, actor=org.technician, expected_version=case.version, values={"part_no": "X"})


def test_the_person_complained_about_cannot_change_fields(claim, org):
    case = claim(subject_person=org.supervisor)
    with pytest.raises(ForbiddenError, match="person this case complains about"):
        case_update_fields(case=case, actor=org.supervisor, expected_version=case.version, values={"penalty": "none"})


# --------------------------------------------------------------------------------------------------
# Conditions and required input on transitions


def test_a_transition_whose_condition_is_false_is_not_offered_and_is_refused(claim, org):
    """篇9: R&D gives an opinion only "when the abnormality requires it" (here: over 100 defective or a
    functional defect)."""
    case = step(claim(), "to_qa", org.agent)
    to_rnd = case.type_def.transition("to_rnd")
    assert not transition_allowed(case, org.quality, to_rnd)
    with pytest.raises(ApplicationError) as err:
        step(case, "to_rnd", org.quality)
    assert "the rulebook allows it only when fields.defective_qty > 100" in err.value.message
    case = case_update_fields(
        case=case, actor=org.agent, expected_version=case.version, values={"defects": ["function"]}
    )
    assert transition_allowed(case, org.quality, to_rnd)
    assert step(case, "to_rnd", org.quality).stage == "rnd_opinion"


def walk_to_negotiation(claim, org, amount="3000"):
    # Received in 售后部 (its handler owns it): the department's supervisor and manager act on it.
    case = step(claim(actor=org.handler), "to_qa", org.supervisor)
    case = step(case, "qa_done", org.quality, cause="模具磨损", responsibility="company")
    case = step(case, "propose", org.handler, remedies=[{"kind": "compensation", "amount": amount}])
    while case.stage == "routing":
        approver = {0: org.manager, 1: org.deputy_gm, 2: org.gm}[case.approvals.filter(approval_pass="routing").count()]
        case = step(case, "route_approve", approver)
    return case


def test_required_comment_and_fields_are_asked_by_the_transition(claim, org):
    case = walk_to_negotiation(claim, org)
    with pytest.raises(ApplicationError) as err:
        step(case, "negotiated", org.handler)
    assert errors_of(err) == {
        "comment": ["This field is required."],
        "fields.penalty": ["Required before “交涉结果已记录”."],
    }
    # The transition asks for the penalty, so its roles may fill it although `editable_by` would not let them.
    case = step(case, "negotiated", org.handler, comment="客户同意折让", fields={"penalty": "bonus_cut"})
    event = case.events.order_by("-id").first()
    assert event.data["fields"] == {"penalty": [None, "bonus_cut"]}
    assert "罚扣类别: — → 扣奖金" in event.message and "客户同意折让" in event.message


def test_required_before_and_attachment(claim, org):
    case = walk_to_negotiation(claim, org)
    case = step(case, "negotiated", org.handler, comment="同意", fields={"penalty": "none"})
    with pytest.raises(ApplicationError) as err:
        step(case, "final_approve", org.manager)
    assert errors_of(err) == {"fields.loss_amount": ["Required before “最终核决通过”."]}
    case = step(case, "final_approve", org.manager, fields={"loss_amount": "800"})
    case = step(case, "final_approve", org.deputy_gm) if case.stage == "final_decision" else case
    assert case.stage == "closing"
    other = claim()
    foreign = case_add_attachment(case=other, actor=org.agent, file=SimpleUploadedFile("x.pdf", b"%PDF"))
    with pytest.raises(ApplicationError) as err:
        step(case, "close", org.supervisor, attachment=foreign.pk)
    assert set(errors_of(err)) == {"attachment", "fields.test_report"}
    report = case_add_attachment(
        case=case, actor=org.supervisor, file=SimpleUploadedFile("检验报告.pdf", b"%PDF report")
    )
    case.refresh_from_db()
    case = step(case, "close", org.supervisor, attachment=report.pk, fields={"test_report": report.pk})
    assert case.status == "closed"
    assert case.events.order_by("-id").first().data["attachment"] == report.pk
