"""A backup made as docs/operations.md says, restored into a fresh database, holds everything.

A site with demo data (cases through the real services, so with full history) gets attachments
uploaded over HTTP, which land in its MEDIA_ROOT. The backup is `pg_dump --format=custom` of the
database plus a copy of the MEDIA_ROOT folder; the restore is `pg_restore` into a new, empty
database and the copied folder as the MEDIA_ROOT of a second site. The restored site must find every
case (number and version), every history row, every note and every attachment — its row and the
same bytes in its file — and serve them over the API.

Marked `postgres` (pg_dump and pg_restore are PostgreSQL's tools).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import urllib.request
import uuid

import pytest

pytestmark = pytest.mark.postgres

SNAPSHOT = """
import hashlib, json
from kefu.cases.models import Case, CaseAttachment, CaseEvent, CaseNote
attachments = []
for a in CaseAttachment.objects.select_related("case").order_by("pk"):
    with a.file.open("rb") as f:
        attachments.append([a.case.number, a.name, a.size, hashlib.sha256(f.read()).hexdigest()])
print(json.dumps({
    "cases": sorted([n, v] for n, v in Case.objects.values_list("number", "version")),
    "events": sorted([c, v, k] for c, v, k in CaseEvent.objects.values_list("case__number", "case_version", "kind")),
    "notes": CaseNote.objects.count(),
    "attachments": attachments,
}))
"""


def _upload(site, token: str, case_id: int, name: str, content: bytes) -> dict:
    boundary = uuid.uuid4().hex
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        f"Content-Type: application/octet-stream\r\n\r\n".encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    request = urllib.request.Request(
        f"{site.base}/api/v1/cases/{case_id}/attachments/",
        data=body,
        headers={"Authorization": f"Token {token}", "Content-Type": f"multipart/form-data; boundary={boundary}"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        assert response.status == 201
        return json.load(response)


def _copy_media(source, target) -> None:
    """`rsync -a SOURCE/ TARGET/`, as docs/operations.md says (`cp -a` where rsync is missing)."""
    target.mkdir(parents=True, exist_ok=True)
    if shutil.which("rsync"):
        subprocess.run(["rsync", "-a", f"{source}/", f"{target}/"], check=True)
    else:
        subprocess.run(["cp", "-a", f"{source}/.", f"{target}/"], check=True)


def test_pg_dump_and_media_copy_restore_every_case_history_row_and_attachment(live_site, tmp_path, figure):
    site = live_site("backup")
    site.setup(demo_size=60)
    site.start(workers=2)
    token = site.token("admin", "kefu-admin")
    case_ids = site.python(
        "import json; from kefu.cases.models import Case; "
        "print(json.dumps(list(Case.objects.order_by('pk').values_list('pk', flat=True)[:5])))"
    )
    uploaded = []
    for i, case_id in enumerate(case_ids):
        # A PDF by its content (uploads are checked by content, kefu/core/uploads.py), 64–192 KB.
        content = b"%PDF-1.4\n" + hashlib.sha256(str(i).encode()).digest() * (2_000 + i * 500) + b"\n%%EOF\n"
        uploaded.append(_upload(site, token, case_id, f"现场记录-{i}.pdf", content))
    site.kill()
    before = site.python(SNAPSHOT)
    assert len(before["attachments"]) >= len(case_ids) and before["events"] and before["cases"]

    # The backup, as docs/operations.md says.
    dump = tmp_path / "kefu.dump"
    subprocess.run(
        ["pg_dump", "--format=custom", f"--file={dump}", site.env["DATABASE_URL"]], check=True, capture_output=True
    )
    restored = live_site("restored")
    _copy_media(site.var / "media", restored.var / "media")
    # The restore: a fresh, empty database.
    restored.create_database()
    subprocess.run(
        ["pg_restore", f"--dbname={restored.env['DATABASE_URL']}", "--no-owner", str(dump)],
        check=True,
        capture_output=True,
    )
    site.drop_database()  # nothing can come from the original any more

    after = restored.python(SNAPSHOT)
    assert after == before
    restored.start(workers=1)
    token = restored.token("admin", "kefu-admin")
    request = urllib.request.Request(
        f"{restored.base}/api/v1/cases/{case_ids[0]}/", headers={"Authorization": f"Token {token}"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        detail = json.load(response)
    assert uploaded[0]["name"] in [a["name"] for a in detail["attachments"]]
    figure(
        f"backup restored into a fresh database: {len(after['cases'])} cases, {len(after['events'])} history rows, "
        f"{after['notes']} notes, {len(after['attachments'])} attachments (same bytes) — all found"
    )
