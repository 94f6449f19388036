"""Operations outside the state graph: transfer, suspend/resume, withdraw, reopen, merge, classification,
notes, attachments, hand-over on absence. Each locks the case, checks the rulebook's `operations`
roles and recusal, changes the case and records it (kefu.cases.changes)."""

from __future__ import annotations

import uuid

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.cases.changes import (
    actor_has_role,
    case_lock,
    case_record_event,
    case_save,
    ensure_may_act,
    ensure_not_subject,
)
from kefu.cases.choices import CaseStatus, EventKind, NoteVisibility
from kefu.cases.models import Case, CaseAttachment, CaseNote
from kefu.cases.services._common import check_operation
from kefu.cases.textchecks import check_customer_text
from kefu.core.exceptions import ApplicationError, ConflictError, FieldErrors, ForbiddenError
from kefu.core.inputs import TEXT_LIMITS, check_text
from kefu.core.uploads import check_upload, delete_unless_committed
from kefu.org.choices import Role
from kefu.org.models import OrgUnit, User
from kefu.rulebooks.choices import Operation
from kefu.sla import services as sla

__all__ = (
    "CLASSIFY_ROLES",
    "attachment_store",
    "case_classification_check",
    "case_operation_check",
    "case_add_attachment",
    "case_add_note",
    "case_hand_over_open_work",
    "case_merge",
    "case_reopen",
    "case_resume",
    "case_suspend",
    "case_transfer",
    "case_update_classification",
    "case_withdraw",
)


def case_operation_check(*, case: Case, actor: User, op: Operation) -> None:
    """Raise ForbiddenError unless `actor` may do `op` on `case` (role under the rulebook, acting on it,
    recusal): the check each operation's service makes first. For callers that must refuse a person
    who may not act before reading (and judging) their input, like the API views."""
    if op == Operation.TRANSFER and case.owner_id == actor.pk:
        ensure_not_subject(case, actor)  # the owner may always hand their own case on
        return
    check_operation(case, actor, op)
    ensure_not_subject(case, actor)


@transaction.atomic
def case_transfer(
    *,
    case: Case,
    actor: User,
    expected_version: int | None,
    new_owner: User,
    unit: OrgUnit | None = None,
    reason: str = "",
) -> Case:
    """Formally hand a case to another owner (the end of first-contact ownership for the old one)."""
    case = case_lock(case, expected_version=expected_version)
    if case.owner_id != actor.pk:
        check_operation(case, actor, Operation.TRANSFER)
    ensure_not_subject(case, actor)
    errors = FieldErrors()
    if case.status not in (CaseStatus.OPEN, CaseStatus.SUSPENDED):
        errors.add("status", _("Only open cases can be transferred."))
    if not new_owner.is_active:
        errors.add("new_owner", _("This person is no longer active."))
    if new_owner.pk == case.subject_person_id:
        errors.add("new_owner", _("This person is the subject of the complaint and must not own it (recusal)."))
    if new_owner.pk == case.owner_id:
        errors.add("new_owner", _("This person already owns the case."))
    if not reason.strip():
        errors.add("reason", _("Say why the case is transferred."))
    reason = check_text(errors, "reason", reason, limit=TEXT_LIMITS["reason"])
    errors.raise_if_any(_("The case was not transferred."))
    old_owner = case.owner
    case.owner = new_owner
    fields = ["owner"]
    if unit is not None:
        case.responsible_unit = unit
        fields.append("responsible_unit")
    case_save(case, fields)
    case_record_event(
        case,
        actor=actor,
        kind=EventKind.TRANSFER,
        from_stage=case.stage,
        from_status=case.status,
        message=reason.strip(),
        data={
            "from": str(old_owner),
            "to": str(new_owner),
            "unit": unit.name if unit else None,
            "unit_id": unit.pk if unit else None,
        },
    )
    return case


def _status_change(
    *,
    case: Case,
    actor: User,
    expected_version: int | None,
    op: Operation,
    allowed_from: tuple[str, ...],
    to_status: str,
    kind: str,
    reason: str,
    reason_required: bool = True,
) -> Case:
    case = case_lock(case, expected_version=expected_version)
    check_operation(case, actor, op)
    if case.status not in allowed_from:
        raise ApplicationError(
            _("Case %(number)s is %(status)s: “%(operation)s” is not possible.")
            % {"number": case.number, "status": case.get_status_display(), "operation": op.label}
        )
    errors = FieldErrors()
    reason = check_text(errors, "reason", reason, limit=TEXT_LIMITS["reason"], required=reason_required)
    errors.raise_if_any(_("Give a reason."))
    from_status = case.status
    case.status = to_status
    fields = ["status"]
    now = timezone.now()
    if to_status in (CaseStatus.WITHDRAWN, CaseStatus.MERGED):
        case.closed_at = now
        fields.append("closed_at")
    case_save(case, fields)
    case_record_event(
        case, actor=actor, kind=kind, from_stage=case.stage, from_status=from_status, message=reason.strip()
    )
    pause_in = case.type_def.sla.pause_in if case.type_def.sla else []
    if to_status == CaseStatus.SUSPENDED:
        sla.clocks_pause(case=case, at=now)
    elif to_status == CaseStatus.OPEN and case.stage not in pause_in:
        # Resuming a case that waits in a pause state (on the customer, on parts) keeps its clocks paused.
        sla.clocks_resume(case=case, at=now, actor=actor)
    elif to_status == CaseStatus.WITHDRAWN:
        sla.clocks_cancel(case=case, at=now)
    return case


@transaction.atomic
def case_suspend(*, case: Case, actor: User, expected_version: int | None, reason: str) -> Case:
    return _status_change(
        case=case,
        actor=actor,
        expected_version=expected_version,
        op=Operation.SUSPEND,
        allowed_from=(CaseStatus.OPEN,),
        to_status=CaseStatus.SUSPENDED,
        kind=EventKind.SUSPEND,
        reason=reason,
    )


@transaction.atomic
def case_resume(*, case: Case, actor: User, expected_version: int | None, reason: str = "") -> Case:
    return _status_change(
        case=case,
        actor=actor,
        expected_version=expected_version,
        op=Operation.RESUME,
        allowed_from=(CaseStatus.SUSPENDED,),
        to_status=CaseStatus.OPEN,
        kind=EventKind.RESUME,
        reason=reason,
        reason_required=False,
    )


@transaction.atomic
def case_withdraw(*, case: Case, actor: User, expected_version: int | None, reason: str) -> Case:
    """The customer withdrew the case. It stays on record with its reason."""
    return _status_change(
        case=case,
        actor=actor,
        expected_version=expected_version,
        op=Operation.WITHDRAW,
        allowed_from=(CaseStatus.OPEN, CaseStatus.SUSPENDED),
        to_status=CaseStatus.WITHDRAWN,
        kind=EventKind.WITHDRAW,
        reason=reason,
    )


@transaction.atomic
def case_reopen(*, case: Case, actor: User, expected_version: int | None, reason: str) -> Case:
    """Reopen a closed (not archived) case at the rulebook's `reopen_to` stage."""
    case = case_lock(case, expected_version=expected_version)
    check_operation(case, actor, Operation.REOPEN)
    if case.status != CaseStatus.CLOSED:
        raise ApplicationError(
            _("Only closed cases can be reopened; case %(number)s is %(status)s.")
            % {"number": case.number, "status": case.get_status_display()}
        )
    errors = FieldErrors()
    reason = check_text(errors, "reason", reason, limit=TEXT_LIMITS["reason"], required=True)
    errors.raise_if_any(_("Give a reason."))
    from_stage, from_status = case.stage, case.status
    case.stage = case.type_def.reopen_to or case.type_def.initial
    case.status = CaseStatus.OPEN
    case.closed_at = None
    case_save(case, ["stage", "status", "closed_at"])
    case_record_event(
        case, actor=actor, kind=EventKind.REOPEN, from_stage=from_stage, from_status=from_status, message=reason.strip()
    )
    # Closing stopped or cancelled every clock; the clocks that start at the reopen stage run again.
    sla.clocks_start_for(case=case, stage=case.stage, at=timezone.now(), actor=actor)
    return case


@transaction.atomic
def case_merge(*, case: Case, into: Case, actor: User, expected_version: int | None, reason: str = "") -> Case:
    """Mark `case` as a duplicate of `into`. Both stay on record; `case` points at `into`."""
    if case.pk == into.pk:
        raise ApplicationError(_("A case cannot be merged into itself."), extra={"into": [_("Choose another case.")]})
    # Lock both rows in id order so two opposite merges cannot deadlock.
    first, second = sorted([case, into], key=lambda c: c.pk)
    locked = {c.pk: c for c in (case_lock(first, expected_version=None), case_lock(second, expected_version=None))}
    case, into = locked[case.pk], locked[into.pk]
    if expected_version is not None and case.version != expected_version:
        raise ConflictError(
            _("Case %(number)s was changed by someone else. Reload it and try again.") % {"number": case.number},
            extra={"version": [_("Current version is %(current)s.") % {"current": case.version}]},
        )
    check_operation(case, actor, Operation.MERGE)
    errors = FieldErrors()
    if case.status not in (CaseStatus.OPEN, CaseStatus.SUSPENDED):
        errors.add("case", _("Only open cases can be merged."))
    if into.status in (CaseStatus.MERGED, CaseStatus.WITHDRAWN):
        errors.add(
            "into",
            _("Case %(number)s is %(status)s; merge into the surviving case.")
            % {"number": into.number, "status": into.get_status_display()},
        )
    if into.customer_id != case.customer_id:
        errors.add("into", _("Duplicates must belong to the same customer."))
    reason = check_text(errors, "reason", reason, limit=TEXT_LIMITS["reason"])
    errors.raise_if_any(_("The cases were not merged."))
    from_status = case.status
    case.status = CaseStatus.MERGED
    case.merged_into = into
    case.closed_at = timezone.now()
    case_save(case, ["status", "merged_into", "closed_at"])
    sla.clocks_cancel(case=case, at=case.closed_at)
    case_record_event(
        case,
        actor=actor,
        kind=EventKind.MERGE,
        from_stage=case.stage,
        from_status=from_status,
        message=reason,
        data={"into": into.number},
    )
    case_save(into, [])
    case_record_event(
        into,
        actor=actor,
        kind=EventKind.MERGE,
        from_stage=into.stage,
        from_status=into.status,
        message=reason,
        data={"duplicate": case.number},
    )
    return case


# Besides the case's owner and handler, who may correct a case's category or severity. The rulebook
# has no operation for it (yet): these are the roles that already judge cases.
CLASSIFY_ROLES = [Role.SUPERVISOR, Role.MANAGER, Role.DEPUTY_GM, Role.QUALITY, Role.GENERAL_MANAGER, Role.ADMINISTRATOR]


def case_classification_check(*, case: Case, actor: User) -> None:
    """Raise ForbiddenError unless `actor` may change the case's category or severity: its owner or
    handler, or a supervisor and above, who may act on it (and is not its subject)."""
    ensure_not_subject(case, actor)
    ensure_may_act(case, actor)
    if actor.pk not in (case.owner_id, case.assignee_id) and not actor_has_role(actor, CLASSIFY_ROLES):
        raise ForbiddenError(
            _("Only the case's owner or handler, or a supervisor, may change its category or severity.")
        )


@transaction.atomic
def case_update_classification(
    *,
    case: Case,
    actor: User,
    expected_version: int | None,
    category: str | None = None,
    severity: str | None = None,
    reason: str,
) -> Case:
    """Change the category and/or severity of an open case (None = unchanged) and recompute its
    running deadlines, keeping the time already used (docs/sla.md)."""
    case = case_lock(case, expected_version=expected_version)
    case_classification_check(case=case, actor=actor)
    if case.status not in (CaseStatus.OPEN, CaseStatus.SUSPENDED):
        raise ApplicationError(
            _("Case %(number)s is %(status)s; its classification can no longer change.")
            % {"number": case.number, "status": case.get_status_display()}
        )
    doc = case.rulebook
    errors = FieldErrors()
    changes: dict[str, list[str]] = {}
    if category is not None and category != case.category:
        allowed = [c.code for c in doc.categories_for(case.case_type)]
        if category not in allowed:
            errors.add(
                "category",
                _("Unknown category “%(value)s” for %(type)s; choose one of: %(choices)s.")
                % {"value": category, "type": case.type_label, "choices": ", ".join(allowed)},
            )
        changes["category"] = [case.category, category]
    if severity is not None and severity != case.severity:
        if doc.severity(severity) is None:
            errors.add(
                "severity",
                _("Unknown severity “%(value)s”; choose one of: %(choices)s.")
                % {"value": severity, "choices": ", ".join(s.code for s in doc.severities)},
            )
        changes["severity"] = [case.severity, severity]
    if not reason.strip():
        errors.add("reason", _("Say why the classification changes."))
    reason = check_text(errors, "reason", reason, limit=TEXT_LIMITS["reason"])
    if not changes and not errors.fields:
        errors.add("severity", _("Neither the category nor the severity changed."))
    errors.raise_if_any(_("The classification was not changed."))
    labels = []
    if "category" in changes:
        labels.append(
            _("category %(old)s → %(new)s")
            % {"old": doc.category_label(changes["category"][0]) or "—", "new": doc.category_label(category or "")}
        )
        case.category = category or ""
    if "severity" in changes:
        labels.append(
            _("severity %(old)s → %(new)s")
            % {"old": doc.severity_label(changes["severity"][0]), "new": doc.severity_label(severity or "")}
        )
        case.severity = severity or case.severity
    case_save(case, list(changes))
    case_record_event(
        case,
        actor=actor,
        kind=EventKind.CLASSIFICATION,
        from_stage=case.stage,
        from_status=case.status,
        message="; ".join(labels) + ". " + reason.strip(),
        data=changes,
    )
    sla.clocks_recompute(case=case, at=timezone.now(), reason=reason, actor=actor)
    return case


@transaction.atomic
def case_add_note(
    *,
    case: Case,
    actor: User,
    body: str,
    visibility: str = NoteVisibility.INTERNAL,
    override_text_checks: bool = False,
) -> CaseNote:
    """A note on the case. A note the customer will see passes the text checks
    (kefu.cases.textchecks) unless `override_text_checks`; an override is kept in the event's data."""
    case = case_lock(case, expected_version=None)
    check_operation(case, actor, Operation.NOTE)
    errors = FieldErrors()
    body = check_text(errors, "body", body, limit=TEXT_LIMITS["body"], required=True)
    if visibility not in NoteVisibility.values:
        errors.add("visibility", _("Choose one of: %(choices)s.") % {"choices": ", ".join(NoteVisibility.values)})
    errors.raise_if_any(_("The note was not added."))
    overridden = []
    if visibility == NoteVisibility.CUSTOMER:
        overridden = check_customer_text(
            case=case, actor=actor, text=body.strip(), field="body", purpose="note", override=override_text_checks
        )
    note = CaseNote.objects.create(case=case, author=actor, visibility=visibility, body=body.strip())
    case_save(case, [])
    case_record_event(
        case,
        actor=actor,
        kind=EventKind.NOTE,
        from_stage=case.stage,
        from_status=case.status,
        message=body.strip()[:200],
        data={"note": note.pk, "visibility": visibility, **({"text_check_override": overridden} if overridden else {})},
    )
    return note


def attachment_store(
    *, case: Case, actor: User, file: UploadedFile, visibility: str = NoteVisibility.INTERNAL
) -> CaseAttachment:
    """Check and save an uploaded file on a locked case (no version bump, no history: the caller records
    it — an attachment of its own, or the transition it was uploaded with). The file is checked against
    the allow-list by its content (kefu.core.uploads), stored under a random name and shown under its
    cleaned name; a refused or rolled-back upload leaves no file."""
    from django.conf import settings

    errors = FieldErrors()
    if file.size is not None and file.size > settings.KEFU_MAX_ATTACHMENT_BYTES:
        errors.add("file", _("At most %(mb)s MB.") % {"mb": settings.KEFU_MAX_ATTACHMENT_BYTES // (1024 * 1024)})
    if visibility not in NoteVisibility.values:
        errors.add("visibility", _("Choose one of: %(choices)s.") % {"choices": ", ".join(NoteVisibility.values)})
    errors.raise_if_any(_("The file is too large.") if "file" in errors.fields else _("The file was not attached."))
    checked = check_upload(file)
    storage = CaseAttachment._meta.get_field("file").storage
    # Written only now that everything is checked, under a name of ours (never the client's).
    stored = storage.save(f"cases/{case.pk}/{uuid.uuid4().hex}{checked.extension}", file)
    delete_unless_committed(storage, stored)
    try:
        attachment = CaseAttachment(
            case=case,
            name=checked.name,
            size=file.size or 0,
            content_type=checked.content_type,
            uploaded_by=actor,
            visibility=visibility,
        )
        attachment.file.name = stored
        attachment.save()
    except BaseException:
        storage.delete(stored)
        raise
    return attachment


@transaction.atomic
def case_add_attachment(
    *, case: Case, actor: User, file: UploadedFile, visibility: str = NoteVisibility.INTERNAL
) -> CaseAttachment:
    """Attach a file to a case (a history row of its own)."""
    case = case_lock(case, expected_version=None)
    check_operation(case, actor, Operation.NOTE)
    attachment = attachment_store(case=case, actor=actor, file=file, visibility=visibility)
    case_save(case, [])
    case_record_event(
        case,
        actor=actor,
        kind=EventKind.ATTACHMENT,
        from_stage=case.stage,
        from_status=case.status,
        message=attachment.name,
        data={"attachment": attachment.pk, "size": attachment.size},
    )
    return attachment


@transaction.atomic
def case_hand_over_open_work(*, principal: User, deputy: User, actor: User, reason: str) -> int:
    """Hand the open cases a person owns or handles to a deputy (absence delegation)."""
    count = 0
    for case in Case.objects.open().filter(Q(owner=principal) | Q(assignee=principal)).order_by("pk"):
        case = case_lock(case, expected_version=None)
        if case.subject_person_id == deputy.pk:
            continue  # never hand a complaint to the person it is about; it stays for the supervisor
        fields = []
        if case.owner_id == principal.pk:
            case.owner = deputy
            fields.append("owner")
        if case.assignee_id == principal.pk:
            case.assignee = deputy
            fields.append("assignee")
        case_save(case, fields)
        case_record_event(
            case,
            actor=actor,
            kind=EventKind.HANDOVER,
            from_stage=case.stage,
            from_status=case.status,
            message=reason,
            data={"from": str(principal), "to": str(deputy)},
        )
        count += 1
    return count
