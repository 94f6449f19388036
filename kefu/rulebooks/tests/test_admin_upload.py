"""Uploading a new version of a rulebook on its admin page (issue 7): the validator's problems shown
line by line and nothing changed; a valid file becomes the active version, open cases keep theirs."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kefu.rulebooks.models import Rulebook
from kefu.rulebooks.services import PRESET_DIR

pytestmark = pytest.mark.django_db

PRESET = (PRESET_DIR / "service-complaint.yaml").read_text(encoding="utf-8")


def _upload(client, book, text: str, name: str = "service-complaint.yaml"):
    url = reverse("admin:rulebooks_rulebook_upload", args=[book.pk])
    return client.post(url, {"file": SimpleUploadedFile(name, text.encode("utf-8"))})


@pytest.fixture
def book(rulebooks):
    return Rulebook.objects.get(key="service-complaint")


def test_the_rulebook_page_offers_the_upload(client, org, book):
    client.force_login(org.admin)
    html = client.get(reverse("admin:rulebooks_rulebook_change", args=[book.pk])).content.decode()
    assert reverse("admin:rulebooks_rulebook_upload", args=[book.pk]) in html and "上传新版本" in html


def test_an_invalid_file_is_listed_line_by_line_and_changes_nothing(client, org, book):
    """Two mistakes an administrator makes: an approval limit typed as words, and a role that does not
    exist (副总 for deputy_gm)."""
    client.force_login(org.admin)
    active, versions = book.active_version_id, book.versions.count()
    broken = PRESET.replace("limit: 2000}", "limit: 两千}", 1).replace("{role: deputy_gm,", "{role: 副总,", 1)
    limit_line = next(i for i, line in enumerate(broken.splitlines(), 1) if "两千" in line)
    response = _upload(client, book, broken)
    assert response.status_code == 200
    html = response.content.decode()
    assert "文件未通过校验，未作任何更改。问题如下：" in html
    rows = html.split("<tbody>")[1].split("</tbody>")[0].split("<tr>")[1:]
    assert len(rows) >= 2
    assert any(f"<td>{limit_line}</td>" in row for row in rows)  # the line of the bad limit
    assert any("副总" in row for row in rows)
    book.refresh_from_db()
    assert book.active_version_id == active and book.versions.count() == versions


def test_a_file_of_another_rulebook_is_refused(client, org, book):
    client.force_login(org.admin)
    other = (PRESET_DIR / "retail-complaint.yaml").read_text(encoding="utf-8")
    response = _upload(client, book, other, "retail-complaint.yaml")
    html = response.content.decode()
    assert "此文件是制度“retail-complaint”，不是“service-complaint”" in html
    assert book.versions.count() == 1


def test_a_valid_file_becomes_the_active_version(client, org, book, make_case):
    case = make_case()
    client.force_login(org.admin)
    changed = PRESET.replace("limit: 2000}", "limit: 3000}", 1)
    response = _upload(client, book, changed, "/srv/kefu/rulebooks/service-complaint.yaml")
    assert response.status_code == 302
    book.refresh_from_db()
    version = book.active_version
    assert version.number == 2 and version.loaded_by == org.admin
    assert version.source_name == "service-complaint.yaml"  # the file's name, not the client's folders
    assert version.doc.approval_chains["compensation"].steps[0].limit == 3000
    case.refresh_from_db()
    assert case.rulebook_version.number == 1  # the open case keeps its version
    # The same text again loads nothing new.
    assert _upload(client, book, changed).status_code == 302
    assert book.versions.count() == 2


def test_people_who_may_not_change_rulebooks_cannot_upload(client, org, book):
    client.force_login(org.agent)
    response = _upload(client, book, PRESET.replace("limit: 2000}", "limit: 3000}", 1))
    assert response.status_code in (302, 403)
    assert book.versions.count() == 1
