"""Uploaded files: an allow-list checked against the content, safe display names, and no file left
behind by an upload that did not make it into the database.

* `check_upload(file)` reads the head of the file and asks `puremagic` (pure Python, no libmagic)
  what it is. The name's extension must be on the allow-list (`ALLOWED`) *and* the content must be
  that kind of file, so an SVG with a script, an HTML page or a Windows program renamed `.png` is
  refused. Plain text is accepted only when it is text and does not start like a web page. The type
  stored and sent back is ours, never the Content-Type the client sent.
* `safe_file_name(name)` keeps the last path part, drops control and bidirectional characters
  (U+202E turns "gnp.exe" into "exe.png" on screen), keeps Chinese, and bounds the length.
* `delete_unless_committed(storage, name)` removes a file written inside a transaction that then
  rolls back: the commit marks it kept; at the end of the request or task a file still unmarked is
  deleted (Django has no rollback hook).
"""

from __future__ import annotations

import itertools
import re
import threading
import unicodedata
from dataclasses import dataclass
from typing import Any

import puremagic
from django.core.files.storage import Storage
from django.db import connection, transaction
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _

from kefu.core.exceptions import ApplicationError

__all__ = (
    "ALLOWED",
    "attachment_content_type",
    "CheckedUpload",
    "check_upload",
    "delete_unless_committed",
    "discard_uncommitted_files",
    "download_response",
    "safe_file_name",
)

_HEAD_BYTES = 64 * 1024

# extension → (content type we store and send, extensions puremagic may report for such content)
_JPEG = ("image/jpeg", {".jpg", ".jpeg", ".jfif", ".jpe"})
_OOXML = {".docx", ".xlsx", ".pptx", ".xlsb", ".xlsm", ".docm", ".pptm"}
_OLE = {".doc", ".xls", ".ppt", ".msg", ".ole", ".dot", ".xlt", ".pps"}
ALLOWED: dict[str, tuple[str, set[str]]] = {
    ".jpg": _JPEG,
    ".jpeg": _JPEG,
    ".png": ("image/png", {".png"}),
    ".gif": ("image/gif", {".gif"}),
    ".webp": ("image/webp", {".webp"}),
    ".bmp": ("image/bmp", {".bmp", ".dib"}),
    ".pdf": ("application/pdf", {".pdf"}),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", _OOXML),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _OOXML),
    ".pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", _OOXML),
    ".doc": ("application/msword", _OLE),
    ".xls": ("application/vnd.ms-excel", _OLE),
    ".ppt": ("application/vnd.ms-powerpoint", _OLE),
    ".mp3": ("audio/mpeg", {".mp3"}),
    ".wav": ("audio/wav", {".wav"}),
    ".amr": ("audio/amr", {".amr"}),
    ".m4a": ("audio/mp4", {".m4a", ".mp4", ".m4v", ".m4b", ".mov", ".3gp"}),
    ".mp4": ("video/mp4", {".mp4", ".m4v", ".m4a", ".mov", ".3gp"}),
    ".txt": ("text/plain", set()),
}
# A text file that starts like one of these would be rendered as a page or image by a browser that sniffs.
_MARKUP_START = re.compile(
    rb"^\s*(?:\xef\xbb\xbf)?\s*<(?:!doctype|html|head|body|script|svg|\?xml|iframe|object)", re.I
)


@dataclass(frozen=True)
class CheckedUpload:
    name: str
    extension: str
    content_type: str


def safe_file_name(raw: str, *, max_length: int = 120) -> str:
    """A name that displays as what it is: last path part, no control or bidi characters, bounded."""
    name = unicodedata.normalize("NFC", str(raw or ""))
    name = re.split(r"[/\\]", name)[-1]
    # Cc: control characters; Cf: format characters (U+202E and the other bidi overrides, zero-width ones).
    name = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn"))
    name = re.sub(r"\s+", " ", name).strip().lstrip(".").strip()
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    ext = ext[:10]
    stem = stem[: max_length - len(ext) - 1].strip() or "file"
    return f"{stem}.{ext}" if ext else stem


def _refuse(message: str) -> ApplicationError:
    allowed = ", ".join(sorted(e.lstrip(".") for e in ALLOWED))
    return ApplicationError(_("The file was not accepted."), extra={"file": [message, _("Allowed: %s.") % allowed]})


def _is_plain_text(head: bytes) -> bool:
    if b"\x00" in head or _MARKUP_START.match(head):
        return False
    for encoding in ("utf-8", "gb18030"):
        try:
            head.decode(encoding)
        except UnicodeDecodeError:
            # The head may end inside a multi-byte character.
            try:
                head[:-3].decode(encoding)
            except UnicodeDecodeError:
                continue
        return True
    return False


def check_upload(file: Any) -> CheckedUpload:
    """Check an uploaded file against the allow-list by its content; raise ApplicationError (field `file`)."""
    name = safe_file_name(getattr(file, "name", "") or "")
    extension = ("." + name.rpartition(".")[2].lower()) if "." in name else ""
    if extension not in ALLOWED:
        raise _refuse(_("Files of this type (%(ext)s) are not accepted.") % {"ext": extension or _("no extension")})
    content_type, detected_ok = ALLOWED[extension]
    file.seek(0)
    head = file.read(_HEAD_BYTES)
    file.seek(0)
    if not head:
        raise _refuse(_("The file is empty."))
    if extension == ".txt":
        if not _is_plain_text(head):
            raise _refuse(_("This is not a plain text file."))
        return CheckedUpload(name=name, extension=extension, content_type=content_type)
    try:
        matches = puremagic.magic_string(head)
    except puremagic.PureError:
        matches = []
    if not matches:
        raise _refuse(_("The content of this file is not a %(ext)s file.") % {"ext": extension.lstrip(".")})
    best = max(m.confidence for m in matches)
    top = {m.extension.lower() for m in matches if m.confidence == best}
    if not top & detected_ok:
        raise _refuse(_("The content of this file is not a %(ext)s file.") % {"ext": extension.lstrip(".")})
    return CheckedUpload(name=name, extension=extension, content_type=content_type)


# --------------------------------------------------------------------------------------------------
# Files written inside a transaction that rolls back

_pending = threading.local()
_tokens = itertools.count()


def _pending_files() -> dict[int, tuple[Storage, str, bool]]:
    if not hasattr(_pending, "files"):
        _pending.files = {}
    return _pending.files


def delete_unless_committed(storage: Storage, name: str) -> None:
    """Delete `name` from `storage` unless the current transaction commits (call right after writing it)."""
    files = _pending_files()
    token = next(_tokens)
    files[token] = (storage, name, False)

    def kept() -> None:
        if token in files:
            files[token] = (storage, name, True)

    transaction.on_commit(kept)


def discard_uncommitted_files(**kwargs: Any) -> int:
    """At the end of a request or task: delete the files whose transaction did not commit. Files of a
    transaction still open (a test's, or a caller's that outlives the request) are left alone."""
    files = _pending_files()
    if connection.in_atomic_block:
        return 0
    deleted = 0
    for storage, name, committed in list(files.values()):
        if not committed:
            storage.delete(name)
            deleted += 1
    files.clear()
    return deleted


def download_response(file: Any, *, name: str, content_type: str) -> FileResponse:
    """A stored file as a download: always `attachment`, never sniffed, never cached by a shared proxy."""
    try:
        handle = file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404(_("The file is missing from storage."))
    response = FileResponse(handle, as_attachment=True, filename=name, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


def attachment_content_type(name: str) -> str:
    """The type a stored file is sent with: ours for its (checked) extension, else opaque bytes."""
    extension = "." + name.rpartition(".")[2].lower() if "." in name else ""
    return ALLOWED[extension][0] if extension in ALLOWED else "application/octet-stream"
