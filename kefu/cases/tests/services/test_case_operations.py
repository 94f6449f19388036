"""Operations outside the rulebook's state graph: transfer, suspend/resume, withdraw, reopen, merge,
notes and attachments, hand-over on absence, idempotent registration."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kefu.cases.choices import CaseStatus, EventKind, NoteVisibility
from kefu.cases.models import Case
from kefu.cases.services import (
    case_add_attachment,
    case_add_note,
    case_merge,
    case_register,
    case_reopen,
    case_resume,
    case_suspend,
    case_transfer,
    case_transition,
    case_withdraw,
)
from kefu.core.exceptions import ApplicationError, ConflictError, ForbiddenError
from kefu.org.services import delegation_create


def test_transfer_moves_ownership_and_keeps_the_receiver(org, make_case):
    case = make_case()
    case = case_transfer(case=case, actor=org.agent, expected_version=1, new_owner=org.agent2, reason="轮班交接")
    assert case.owner == org.agent2 and case.receiver == org.agent
    event = case.events.last()
    assert event.kind == EventKind.TRANSFER and event.message == "轮班交接"
    assert Case.objects.visible_to(org.agent).filter(pk=case.pk).exists()  # the receiver still sees it


def test_transfer_refusals(org, make_case):
    case = make_case(subject_person=org.technician)
    with pytest.raises(ApplicationError) as err:
        case_transfer(case=case, actor=org.agent, expected_version=1, new_owner=org.technician, reason="")
    assert set(err.value.extra) == {"new_owner", "reason"}
    with pytest.raises(ForbiddenError):  # neither owner nor a role allowed to transfer
        case_transfer(case=case, actor=org.handler, expected_version=1, new_owner=org.agent2, reason="x")
    with pytest.raises(ConflictError):
        case_transfer(case=case, actor=org.agent, expected_version=7, new_owner=org.agent2, reason="x")
    case.refresh_from_db()
    assert case.owner == org.agent and case.version == 1


def test_suspend_blocks_transitions_until_resumed(org, make_case):
    case = make_case()
    with pytest.raises(ForbiddenError):
        case_suspend(case=case, actor=org.agent, expected_version=1, reason="等待客户提供照片")
    case = case_suspend(case=case, actor=org.cs_supervisor, expected_version=1, reason="等待客户提供照片")
    assert case.status == CaseStatus.SUSPENDED
    with pytest.raises(ApplicationError, match=case.number):
        case_transition(case=case, actor=org.agent, transition="establish", expected_version=case.version)
    case.refresh_from_db()
    assert case.stage == "registered"
    with pytest.raises(ApplicationError):
        case_suspend(case=case, actor=org.cs_supervisor, expected_version=case.version, reason="again")
    case = case_resume(case=case, actor=org.cs_supervisor, expected_version=case.version)
    case = case_transition(case=case, actor=org.agent, transition="establish", expected_version=case.version)
    assert case.stage == "forwarded" and case.status == CaseStatus.OPEN


def test_withdraw_keeps_the_case_on_record(org, make_case):
    case = make_case()
    with pytest.raises(ApplicationError):
        case_withdraw(case=case, actor=org.agent, expected_version=1, reason="  ")
    case = case_withdraw(case=case, actor=org.agent, expected_version=1, reason="客户来电撤回投诉")
    assert case.status == CaseStatus.WITHDRAWN and case.closed_at is not None
    assert Case.objects.filter(pk=case.pk).exists()
    with pytest.raises(ApplicationError):
        case_withdraw(case=case, actor=org.agent, expected_version=case.version, reason="again")


def test_reopen_a_closed_case_at_the_rulebook_stage(org, make_case):
    case = make_case("inquiry")
    with pytest.raises(ApplicationError, match="Only closed"):
        case_reopen(case=case, actor=org.cs_supervisor, expected_version=1, reason="x")
    for name, data in (("reply", {"reply": "答复"}), ("close", {})):
        case = case_transition(case=case, actor=org.agent, transition=name, expected_version=case.version, data=data)
    with pytest.raises(ForbiddenError):
        case_reopen(case=case, actor=org.agent, expected_version=case.version, reason="客户再次来电")
    case = case_reopen(case=case, actor=org.cs_supervisor, expected_version=case.version, reason="客户再次来电")
    assert (case.status, case.stage, case.closed_at) == (CaseStatus.OPEN, "registered", None)


def test_merge_duplicates_of_the_same_customer(org, make_case, customer):
    from kefu.customers.services import customer_create

    first, duplicate = make_case(), make_case()
    other = make_case(customer=customer_create(name="李四", phone="13900001111"))
    with pytest.raises(ApplicationError, match="itself"):
        case_merge(case=first, into=first, actor=org.agent, expected_version=1)
    with pytest.raises(ApplicationError) as err:
        case_merge(case=other, into=first, actor=org.agent, expected_version=1)
    assert "into" in err.value.extra
    merged = case_merge(case=duplicate, into=first, actor=org.agent, expected_version=1, reason="同一来电重复登记")
    first.refresh_from_db()
    assert merged.status == CaseStatus.MERGED and merged.merged_into == first
    assert first.events.last().data == {"duplicate": duplicate.number} and first.version == 2
    with pytest.raises(ApplicationError):
        case_merge(case=other, into=merged, actor=org.agent, expected_version=1)


def test_notes_are_internal_unless_marked_for_the_customer(org, make_case):
    case = make_case()
    internal = case_add_note(case=case, actor=org.agent, body="客户情绪激动，注意措辞")
    public = case_add_note(case=case, actor=org.agent, body="已收到您的反馈", visibility=NoteVisibility.CUSTOMER)
    assert internal.visibility == NoteVisibility.INTERNAL and public.visibility == NoteVisibility.CUSTOMER
    with pytest.raises(ApplicationError) as err:
        case_add_note(case=case, actor=org.agent, body="", visibility="everyone")
    assert set(err.value.extra) == {"body", "visibility"}
    case.refresh_from_db()
    assert case.version == 3 and case.notes.count() == 2


def test_attachment_is_stored_and_too_large_files_are_refused(org, make_case, settings):
    case = make_case()
    attachment = case_add_attachment(case=case, actor=org.agent, file=SimpleUploadedFile("发票.jpg", b"\xff\xd8data"))
    assert attachment.size == 6 and attachment.file.read() == b"\xff\xd8data"
    settings.KEFU_MAX_ATTACHMENT_BYTES = 4
    with pytest.raises(ApplicationError):
        case_add_attachment(case=case, actor=org.agent, file=SimpleUploadedFile("big.bin", b"12345"))
    assert case.attachments.count() == 1


def test_absence_delegation_hands_open_work_to_the_deputy(org, make_case):
    owned = make_case()
    handled = make_case(actor=org.agent2)
    handled = case_transition(case=handled, actor=org.agent2, transition="establish", expected_version=1)
    handled = case_transition(
        case=handled,
        actor=org.agent2,
        transition="route",
        expected_version=2,
        data={"unit": org.service.pk, "assignee": org.agent.pk},
    )
    about_deputy = make_case(subject_person=org.agent2)
    closed = make_case("inquiry")
    for name, data in (("reply", {"reply": "r"}), ("close", {})):
        closed = case_transition(
            case=closed, actor=org.agent, transition=name, expected_version=closed.version, data=data
        )
    delegation = delegation_create(
        principal=org.agent,
        deputy=org.agent2,
        starts_on=dt.date(2026, 12, 1),
        ends_on=dt.date(2026, 12, 5),
        reason="年假",
        actor=org.cs_supervisor,
    )
    assert delegation.cases_handed_over == 2
    owned.refresh_from_db(), handled.refresh_from_db(), about_deputy.refresh_from_db(), closed.refresh_from_db()
    assert owned.owner == org.agent2 and handled.assignee == org.agent2
    assert about_deputy.owner == org.agent  # never handed to the person it complains about
    assert closed.owner == org.agent
    assert owned.events.last().kind == EventKind.HANDOVER
    with pytest.raises(ApplicationError):
        delegation_create(
            principal=org.agent,
            deputy=org.agent,
            starts_on=dt.date(2026, 12, 5),
            ends_on=dt.date(2026, 12, 1),
            reason="",
            actor=org.cs_supervisor,
        )


def test_idempotent_registration_returns_the_first_case(org, rulebooks, customer):
    kwargs = dict(
        actor=org.agent,
        case_type="inquiry",
        customer=customer,
        channel="phone",
        title="咨询电价",
        description="问峰谷电价",
        category="product",
        idempotency_key="abc-1",
        request_hash="h1",
    )
    first, created = case_register(**kwargs)
    again, created_again = case_register(**kwargs)
    assert created and not created_again and again.pk == first.pk
    assert Case.objects.count() == 1
    with pytest.raises(ApplicationError, match="different request"):
        case_register(**{**kwargs, "request_hash": "h2"})
    other_user, _ = case_register(**{**kwargs, "actor": org.agent2})  # keys are per user
    assert other_user.pk != first.pk


def test_a_repeated_key_leaves_no_trace_and_wins_over_changed_input(org, rulebooks, customer):
    """The key is claimed with the case (one write): a repeat registers nothing that survives.

    Three registrations with key "k-7": the first creates KF…0001; the repeat goes through the whole
    registration, finds the key taken and rolls back, so the next new case is KF…0002, not …0003
    (gap-free numbering), with one history row and one set of clocks per case. A repeat whose input
    no longer passes (an unknown category) still answers with the first case, as a retry should.
    """
    from kefu.cases.models import CaseEvent, IdempotencyRecord
    from kefu.sla.models import Clock

    kwargs = dict(
        actor=org.agent,
        case_type="complaint",
        customer=customer,
        channel="phone",
        title="上门迟到",
        description="约好上午九点，十一点才到",
        category="attitude",
        idempotency_key="k-7",
        request_hash="h7",
    )
    first, created = case_register(**kwargs)
    clocks = Clock.objects.filter(case=first).count()
    again, created_again = case_register(**kwargs)
    assert created and not created_again and again.pk == first.pk
    retried, created_retry = case_register(**{**kwargs, "category": "no-such-category"})
    assert not created_retry and retried.pk == first.pk
    second, _ = case_register(**{**kwargs, "idempotency_key": "k-8"})
    assert int(second.number[-4:]) == int(first.number[-4:]) + 1
    assert Case.objects.count() == 2
    assert CaseEvent.objects.filter(case__in=[first, second]).count() == 2
    assert clocks > 0 and Clock.objects.count() == 2 * clocks
    assert IdempotencyRecord.objects.get(user=org.agent, key="k-7").case_id == first.pk
