"""Photos of a job (before/after, parts, site) from the technician's phone.

* The content is checked like a case attachment (`kefu.core.uploads.check_upload`: the extension
  must be an image type *and* the bytes must be that image), within `KEFU_MAX_ATTACHMENT_BYTES`.
* Retry-safe: the phone chooses an `upload_id` per photo. The unique (order, upload_id) makes a
  repeated upload of the same photo a no-op that returns the first one; the same id with different
  bytes is refused (409) rather than silently kept or replaced.
* A partial upload fails clearly: the phone sends the photo's `size` (and may send its SHA-256);
  bytes that do not match are refused with "上传失败，请重试" and why. Nothing is stored for a
  refused upload, so "resuming" means sending the whole photo again with the same upload id: the
  repeat completes what was missing, or finds the photo already there.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from kefu.core.exceptions import ApplicationError, ConflictError, FieldErrors, ForbiddenError
from kefu.core.inputs import check_text
from kefu.core.uploads import check_upload, delete_unless_committed
from kefu.org.models import User
from kefu.workorders.choices import EventKind, OrderStatus
from kefu.workorders.models import OrderPhoto, PhotoKind, WorkOrder
from kefu.workorders.services.lifecycle import lock_order, record_event, supervises

__all__ = ("PHOTO_TYPES", "photo_add")

PHOTO_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})
_UPLOAD_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


def _digest(file: Any) -> tuple[str, int]:
    sha, size = hashlib.sha256(), 0
    file.seek(0)
    for chunk in file.chunks() if hasattr(file, "chunks") else iter(lambda: file.read(65536), b""):
        sha.update(chunk)
        size += len(chunk)
    file.seek(0)
    return sha.hexdigest(), size


def _failed(reason: str, field: str = "file") -> ApplicationError:
    return ApplicationError(
        _("Upload failed, please try again: %(reason)s") % {"reason": reason}, extra={field: [reason]}
    )


def photo_add(
    *,
    order: WorkOrder,
    actor: User,
    upload_id: str,
    file: Any,
    kind: str,
    size: int | None = None,
    sha256: str = "",
    caption: str = "",
) -> tuple[OrderPhoto, bool]:
    """Add a photo to an order (its technician, or a supervisor of its unit). Returns (photo, created)."""
    if not isinstance(upload_id, str) or not _UPLOAD_ID.match(upload_id):
        raise ApplicationError(
            _("The photo was not accepted."),
            extra={"upload_id": [_("8 to 64 letters, digits, “-” or “_”, chosen by the phone for each photo.")]},
        )
    _require_photographer(order, actor)
    digest, actual = _digest(file)
    existing = OrderPhoto.objects.filter(order=order, upload_id=upload_id).first()
    if existing is not None:
        return _repeat(existing, digest), False
    if size is not None and size != actual:
        raise _failed(
            _("%(got)s of %(sent)s bytes arrived; the connection dropped during the upload.")
            % {"got": actual, "sent": size}
        )
    if sha256 and sha256.lower() != digest:
        raise _failed(_("the photo arrived damaged (its checksum does not match)."))
    try:
        with transaction.atomic():
            return _store(
                order=order,
                actor=actor,
                upload_id=upload_id,
                file=file,
                kind=kind,
                caption=caption,
                digest=digest,
                size=actual,
            ), True
    except IntegrityError:
        # A parallel retry of the same upload won the race: that one is the photo.
        existing = OrderPhoto.objects.filter(order=order, upload_id=upload_id).first()
        if existing is None:
            raise
        return _repeat(existing, digest), False


def _require_photographer(order: WorkOrder, actor: User) -> None:
    if order.technician_id != actor.pk and not supervises(actor, order.unit):
        raise ForbiddenError(_("Only the order's technician or a supervisor of its unit may add photos."))


def _repeat(existing: OrderPhoto, digest: str) -> OrderPhoto:
    if existing.sha256 != digest:
        raise ConflictError(
            _("This upload id was already used for a different photo."),
            extra={"upload_id": [_("Use a new upload id for a new photo.")]},
        )
    return existing


def _store(
    *, order: WorkOrder, actor: User, upload_id: str, file: Any, kind: str, caption: str, digest: str, size: int
) -> OrderPhoto:
    order = lock_order(order.pk, None)
    _require_photographer(order, actor)  # again under the lock: the order may have been re-dispatched
    if order.status in (OrderStatus.CLOSED, OrderStatus.CANCELLED):
        raise ApplicationError(
            _("Work order %(number)s is “%(status)s”: no more photos.")
            % {"number": order.number, "status": order.get_status_display()}
        )
    errors = FieldErrors()
    if kind not in PhotoKind.values:
        errors.add("kind", _("Choose one of: %(choices)s.") % {"choices": ", ".join(PhotoKind.values)})
    caption = check_text(errors, "caption", caption, limit=200)
    if size > settings.KEFU_MAX_ATTACHMENT_BYTES:
        errors.add("file", _("At most %(mb)s MB.") % {"mb": settings.KEFU_MAX_ATTACHMENT_BYTES // (1024 * 1024)})
    errors.raise_if_any(_("The photo was not accepted."))
    checked = check_upload(file)
    if checked.content_type not in PHOTO_TYPES:
        raise ApplicationError(_("The photo was not accepted."), extra={"file": [_("Take a JPEG, PNG or WebP photo.")]})
    storage = OrderPhoto._meta.get_field("file").storage
    stored = storage.save(f"workorders/{order.pk}/{uuid.uuid4().hex}{checked.extension}", file)
    delete_unless_committed(storage, stored)
    photo = OrderPhoto(
        order=order,
        upload_id=upload_id,
        kind=kind,
        caption=caption,
        name=checked.name,
        size=size,
        content_type=checked.content_type,
        sha256=digest,
        uploaded_by=actor,
    )
    photo.file.name = stored
    photo.save()
    record_event(order, kind=EventKind.PHOTO, actor=actor, note=caption, data={"photo": photo.pk, "kind": kind})
    return photo
