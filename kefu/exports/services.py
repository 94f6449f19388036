"""Writes of the exports app: import batches, exports, export requests and their decisions and downloads.

Who may do what (this project's decision; seed-002 Doc 2 names the Sales Management Dept as the
gatekeeper, which is the administrator's and the supervisors' part here):

* **import** customer files: supervisors and administrators (IMPORT_ROLES), and superusers;
* **export** the customers they may see: supervisors, managers, quality, leadership and
  administrators (EXPORT_ROLES), and superusers — not the agents, handlers and technicians who work
  one customer at a time. Phone and ID numbers are masked unless the exporter's role may see them
  (kefu.customers CONTACT_ROLES);
* an export of more records than the rulebook's `data_release.without_approval_up_to` is an
  **export request**, decided by the holder of the role the rulebook names for that many records
  (Doc 2: up to 2,000 the Deputy GM, more the GM), found like escalations: the requester's unit
  chain, then the leadership offices (kefu.org.selectors.role_holders_for). Nobody decides their
  own request. Only the requester downloads the file, until it expires; every download is logged.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.core.exceptions import ApplicationError, ConflictError, FieldErrors, ForbiddenError
from kefu.core.inputs import TEXT_LIMITS, check_text
from kefu.customers.services import may_reveal_contacts
from kefu.exports.choices import ExportFormat, RequestStatus
from kefu.exports.models import (
    ExportDownload,
    ExportRecord,
    ExportRequest,
    ImportBatch,
    ImportedCustomer,
    ImportUpload,
)
from kefu.exports.rules import data_release_rules
from kefu.exports.selectors import clean_filters, export_customers
from kefu.exports.sheets import ExportFile, customer_file
from kefu.org.selectors import role_holders_for

__all__ = (
    "EXPORT_ROLES",
    "IMPORT_ROLES",
    "customer_export",
    "export_request_create",
    "export_request_decide",
    "export_request_download",
    "export_request_produce",
    "import_batch_record",
    "import_upload_commit",
    "import_upload_store",
    "may_decide",
    "may_export",
    "may_import",
    "require_export",
)

IMPORT_ROLES = frozenset({"supervisor", "administrator"})
EXPORT_ROLES = frozenset({"supervisor", "manager", "quality", "deputy_gm", "general_manager", "administrator"})


def may_import(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_active and (user.is_superuser or user.role in IMPORT_ROLES))


def may_export(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_active and (user.is_superuser or user.role in EXPORT_ROLES))


def require_export(user: Any) -> None:
    if not may_export(user):
        raise ForbiddenError(_("Your role may not export customer lists."))


def _lock(pk: int) -> ExportRequest:
    qs = ExportRequest.objects.all()
    if connection.features.has_select_for_update:
        qs = qs.select_for_update(of=("self",))
    return qs.get(pk=pk)


# -- imports ---------------------------------------------------------------------------------------


@transaction.atomic
def import_batch_record(*, actor: Any, file_name: str, sha256: str, rows: int, customers: list) -> ImportBatch:
    """Record a committed import (kefu.customers.imports calls it inside the import's transaction)."""
    batch = ImportBatch.objects.create(
        actor=actor, file_name=file_name[:255], sha256=sha256, row_count=rows, created_count=len(customers)
    )
    ImportedCustomer.objects.bulk_create(
        [ImportedCustomer(batch=batch, customer=customer, line=line) for line, customer in customers]
    )
    return batch


# -- direct exports --------------------------------------------------------------------------------


def _format(file_format: str) -> str:
    if file_format not in ExportFormat.values:
        raise ApplicationError(_("Invalid input."), extra={"file_format": [_("xlsx or csv.")]})
    return file_format


@transaction.atomic
def customer_export(
    *, actor: Any, filters: dict[str, Any], file_format: str = "xlsx"
) -> tuple[ExportFile, ExportRecord]:
    """Export the customers `actor` may see that match `filters`, if no approval is needed; logged."""
    require_export(actor)
    file_format = _format(file_format)
    filters = clean_filters(filters)
    rules = data_release_rules()
    qs = export_customers(user=actor, filters=filters)
    count = qs.count()
    role = rules.approver_role(count)
    if role is not None:
        raise ApplicationError(
            _(
                "%(count)s records are more than the %(free)s that may be exported without approval: "
                "request the export and it goes to the approver."
            )
            % {"count": count, "free": rules.without_approval_up_to},
            extra={"rows": [_("Needs approval.")]},
        )
    masked = not may_reveal_contacts(actor)
    made = customer_file(
        customers=qs.prefetch_related("contacts", "addresses").iterator(chunk_size=1000),
        user=actor,
        file_format=file_format,
        masked=masked,
    )
    record = ExportRecord.objects.create(
        exporter=actor,
        file_format=file_format,
        filters=filters,
        row_count=made.rows,
        masked=masked,
        file_name=made.file_name,
        sha256=made.sha256,
    )
    return made, record


# -- export requests -------------------------------------------------------------------------------


def _approvers(request: ExportRequest) -> list[Any]:
    requester = request.requester
    holders = role_holders_for(role=request.approver_role, unit=requester.unit, exclude=[requester.pk], fallback=False)
    return list(holders.people)


def may_decide(request: ExportRequest, user: Any) -> bool:
    """The holders of the request's approver role for the requester's unit (superusers too), never the requester."""
    if not user.is_authenticated or not user.is_active or user.pk == request.requester_id:
        return False
    if user.is_superuser:
        return True
    if user.role != request.approver_role:  # no query for everyone else (a list of many requests)
        return False
    return any(p.pk == user.pk for p in _approvers(request))


@transaction.atomic
def export_request_create(
    *, actor: Any, filters: dict[str, Any], reason: str, file_format: str = "xlsx", idempotency_key: str = ""
) -> ExportRequest:
    """Ask to export more records than may go without approval; the approvers are told.

    With `idempotency_key`, a repeat of the same request returns the first (`_created` is False on
    it) and a different request under the same key is refused (400)."""
    require_export(actor)
    file_format = _format(file_format)
    filters = clean_filters(filters)
    errors = FieldErrors()
    reason = check_text(errors, "reason", reason, limit=TEXT_LIMITS["reason"], required=True)
    key = check_text(errors, "idempotency_key", idempotency_key, limit=TEXT_LIMITS["idempotency_key"])
    errors.raise_if_any()
    if key:
        # Parallel retries: the unique constraint makes the second insert wait for the first and fail.
        earlier = ExportRequest.objects.filter(requester=actor, idempotency_key=key).defer("content").first()
        if earlier is not None:
            if (earlier.filters, earlier.reason, earlier.file_format) != (filters, reason, file_format):
                raise ApplicationError(
                    _("Invalid input."),
                    extra={"idempotency_key": [_("This key was used for a different request: use a new key.")]},
                )
            earlier._created = False
            return earlier
    rules = data_release_rules()
    qs = export_customers(user=actor, filters=filters)
    summary = qs.aggregate(top=Max("pk"))
    count = qs.count()
    if count > rules.max_rows:
        raise ApplicationError(
            _("%(count)s records are more than the %(max)s one export may take: narrow the filter.")
            % {"count": count, "max": rules.max_rows},
            extra={"rows": [_("Too many records.")]},
        )
    role = rules.approver_role(count)
    if role is None:
        raise ApplicationError(
            _("%(count)s records need no approval: export them directly.") % {"count": count},
            extra={"rows": [_("No approval needed.")]},
        )
    try:
        with transaction.atomic():
            request = ExportRequest.objects.create(
                requester=actor,
                file_format=file_format,
                filters=filters,
                max_record_id=summary["top"] or 0,
                row_count=count,
                reason=reason,
                approver_role=role,
                idempotency_key=key,
            )
    except IntegrityError:  # a parallel retry under the same key committed first
        earlier = ExportRequest.objects.defer("content").get(requester=actor, idempotency_key=key)
        earlier._created = False
        return earlier
    request._created = True
    from kefu.sla.choices import NoticeKind
    from kefu.sla.inbox import inbox_notify

    inbox_notify(
        recipients=_approvers(request),
        kind=NoticeKind.WORK,
        code="exports.approval_wanted",
        params={"rows": count, "requester": str(actor), "reason": request.reason[:200]},
        url=f"/exports/requests/{request.pk}/",
        exclude=[actor],
    )
    return request


@transaction.atomic
def export_request_decide(
    *, request: ExportRequest, actor: Any, approve: bool, note: str = "", version: int | None = None
) -> ExportRequest:
    """Approve (the file is made after commit) or refuse (a note is required) a request awaiting approval."""
    request = _lock(request.pk)
    if not may_decide(request, actor):
        raise ForbiddenError(
            _("Only the %(role)s over the requester may decide this export.") % {"role": _role_label(request)}
        )
    if version is not None and version != request.version:
        raise ConflictError(_("The request changed since you read it."), extra={"version": [str(request.version)]})
    if request.status != RequestStatus.REQUESTED:
        raise ConflictError(_("This request was already decided."), extra={"status": [request.status]})
    errors = FieldErrors()
    note = check_text(errors, "note", note, limit=TEXT_LIMITS["comment"], required=not approve)
    errors.raise_if_any()
    request.status = RequestStatus.APPROVED if approve else RequestStatus.REFUSED
    request.decided_by = actor
    request.decided_at = timezone.now()
    request.decision_note = note
    request.version += 1
    request.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "version"])
    from kefu.sla.choices import NoticeKind
    from kefu.sla.inbox import inbox_notify

    if approve:
        from kefu.exports.tasks import export_request_produce_task

        pk = request.pk
        transaction.on_commit(lambda: export_request_produce_task.delay(pk))
    else:
        inbox_notify(
            recipients=[request.requester],
            kind=NoticeKind.INFO,
            code="exports.refused",
            params={"rows": request.row_count, "approver": str(actor), "note": request.decision_note[:200]},
            url=f"/exports/requests/{request.pk}/",
        )
    return request


def _role_label(request: ExportRequest) -> str:
    from kefu.org.choices import Role

    return str(Role(request.approver_role).label) if request.approver_role in Role.values else request.approver_role


@transaction.atomic
def export_request_produce(*, request_id: int) -> ExportRequest | None:
    """Make the approved request's file, once: the customers the requester may see that match the
    filter and existed when the request was made, masked as the requester must see them."""
    request = _lock(request_id)
    if request.status != RequestStatus.APPROVED:
        return None  # already made (a task run twice), or not approved
    requester = request.requester
    rules = data_release_rules()
    qs = export_customers(user=requester, filters=request.filters, max_id=request.max_record_id)
    masked = not may_reveal_contacts(requester)
    made = customer_file(
        customers=qs.prefetch_related("contacts", "addresses").iterator(chunk_size=1000),
        user=requester,
        file_format=request.file_format,
        masked=masked,
    )
    now = timezone.now()
    request.status = RequestStatus.PRODUCED
    request.produced_at = now
    request.expires_at = now + timedelta(days=rules.download_days)
    request.file_name = made.file_name
    request.sha256 = made.sha256
    request.content = made.content
    request.version += 1
    request.save()
    ExportRecord.objects.create(
        exporter=requester,
        file_format=request.file_format,
        filters=request.filters,
        row_count=made.rows,
        masked=masked,
        file_name=made.file_name,
        sha256=made.sha256,
        request=request,
    )
    from kefu.sla.choices import NoticeKind
    from kefu.sla.inbox import inbox_notify

    inbox_notify(
        recipients=[requester],
        kind=NoticeKind.INFO,
        code="exports.approved",
        params={
            "rows": made.rows,
            "approver": str(request.decided_by) if request.decided_by else "",
            "expires": f"{timezone.localtime(request.expires_at):%Y-%m-%d %H:%M}",
        },
        url=f"/exports/requests/{request.pk}/",
    )
    return request


@transaction.atomic
def export_request_download(*, request: ExportRequest, actor: Any, surface: str) -> ExportFile:
    """The approved file, for its requester only, until it expires; every download is logged."""
    request = _lock(request.pk)
    if actor.pk != request.requester_id:
        raise ForbiddenError(_("Only the person who requested an export may download it."))
    if request.status not in (RequestStatus.PRODUCED, RequestStatus.DOWNLOADED):
        raise ConflictError(
            _("There is no file to download: the request is “%(status)s”.") % {"status": request.get_status_display()},
            extra={"status": [request.status]},
        )
    if request.expires_at is not None and request.expires_at <= timezone.now():
        raise ConflictError(
            _("The download expired on %(at)s: request the export again.")
            % {"at": f"{timezone.localtime(request.expires_at):%Y-%m-%d %H:%M}"},
            extra={"expires_at": [request.expires_at.isoformat()]},
        )
    ExportDownload.objects.create(request=request, user=actor, surface=surface[:20])
    if request.status != RequestStatus.DOWNLOADED:
        request.status = RequestStatus.DOWNLOADED
        request.version += 1
        request.save(update_fields=["status", "version"])
    content_type = (
        "text/csv; charset=utf-8"
        if request.file_format == ExportFormat.CSV
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    return ExportFile(request.file_name, bytes(request.content or b""), content_type, request.row_count)


# -- the import page's two steps ---------------------------------------------------------------------


@transaction.atomic
def import_upload_store(*, actor: Any, file_name: str, data: bytes) -> ImportUpload:
    """Keep an uploaded file for its uploader's confirmation (the page's dry run checks it)."""
    import hashlib

    from kefu.customers.imports import MAX_FILE_BYTES

    if not may_import(actor):
        raise ForbiddenError(_("Your role may not import customer files."))
    if len(data) > MAX_FILE_BYTES:
        raise ApplicationError(
            _("The file is larger than %(mb)s MB.") % {"mb": MAX_FILE_BYTES // (1024 * 1024)},
            extra={"file": [_("Too large.")]},
        )
    return ImportUpload.objects.create(
        uploader=actor, file_name=file_name[:255], sha256=hashlib.sha256(data).hexdigest(), content=data
    )


@transaction.atomic
def import_upload_commit(*, upload: ImportUpload, actor: Any) -> Any:
    """Import a checked upload, once, by its uploader (all or nothing: ImportRefused while bad)."""
    from kefu.customers.imports import import_commit

    qs = ImportUpload.objects.all()
    if connection.features.has_select_for_update:
        qs = qs.select_for_update(of=("self",))
    upload = qs.get(pk=upload.pk)
    if upload.uploader_id != actor.pk or not may_import(actor):
        raise ForbiddenError(_("Only the person who uploaded a file may import it."))
    if upload.batch_id is not None:
        raise ConflictError(_("This file was already imported."), extra={"batch": [str(upload.batch_id)]})
    result = import_commit(file_name=upload.file_name, data=bytes(upload.content), actor=actor)
    upload.batch = result.batch
    upload.save(update_fields=["batch"])
    return result
