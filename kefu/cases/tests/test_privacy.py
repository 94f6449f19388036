"""Issue 14: write rights follow a transfer, anonymous complainants stay hidden, uploads are checked."""

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse

from kefu.cases.models import Case
from kefu.cases.services import case_add_attachment, case_transfer, case_transition
from kefu.core.exceptions import ApplicationError, ForbiddenError
from kefu.core.uploads import discard_uncommitted_files, safe_file_name
from kefu.customers.models import PersonalDataAccess

URL = "/api/v1/cases/"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_after_a_transfer_the_receiver_reads_but_no_longer_acts(api, org, make_case):
    case = make_case()
    case = case_transfer(case=case, actor=org.agent, expected_version=case.version, new_owner=org.agent2, reason="换班")
    assert Case.objects.visible_to(org.agent).filter(pk=case.pk).exists()
    assert not Case.objects.workable_by(org.agent).filter(pk=case.pk).exists()
    assert Case.objects.workable_by(org.agent2).filter(pk=case.pk).exists()
    with pytest.raises(ForbiddenError):
        case_transfer(case=case, actor=org.agent, expected_version=case.version, new_owner=org.agent, reason="收回")
    response = api(org.agent).post(
        f"{URL}{case.pk}/transition/", {"transition": "establish", "version": case.version}, format="json"
    )
    assert response.status_code == 403
    assert api(org.agent2).get(f"{URL}{case.pk}/").json()["owner"]["username"] == "agent2"
    case = case_transition(case=case, actor=org.agent2, transition="establish", expected_version=case.version)
    assert case.events.last().actor == org.agent2 and case.receiver == org.agent


def test_anonymous_case_names_nobody_until_a_logged_show(api, org, make_case, customer):
    case = make_case(is_anonymous=True, title="王建国反映维修工迟到", subject_person=org.technician)
    case = case_transition(case=case, actor=org.agent, transition="establish", expected_version=case.version)
    route = {"unit": org.aftersales.pk, "assignee": org.handler.pk}
    case = case_transition(case=case, actor=org.agent, transition="route", expected_version=case.version, data=route)
    body = api(org.handler).get(f"{URL}{case.pk}/").json()
    assert body["customer"] is None and body["customer_name"] == "匿名投诉人" and "王建国" not in str(body)
    assert api(org.handler).get(f"/api/v1/customers/{customer.pk}/").status_code == 404
    assert api(org.handler).post(f"{URL}{case.pk}/reveal/").status_code == 403
    assert not PersonalDataAccess.objects.exists()
    shown = api(org.quality).post(f"{URL}{case.pk}/reveal/").json()
    assert shown["customer"]["name"] == "王建国" and shown["customer"]["contacts"][0]["phone"] == "13812345678"
    log = PersonalDataAccess.objects.get()
    assert (log.viewer, log.customer, log.case_number, log.kind, log.surface) == (
        org.quality,
        customer,
        case.number,
        "anonymous_identity",
        "api",
    )


def test_queue_search_by_name_or_phone_skips_anonymous_cases_for_those_who_may_not_see(client, org, make_case):
    route = {"unit": org.aftersales.pk, "assignee": org.handler.pk}
    case = make_case(is_anonymous=True)
    case = case_transition(case=case, actor=org.agent, transition="establish", expected_version=case.version)
    case_transition(case=case, actor=org.agent, transition="route", expected_version=case.version, data=route)
    for query in ("王建国", "13812345678"):
        client.force_login(org.handler)
        assert case.number not in client.get(reverse("web:queue"), {"q": query}).content.decode()
        client.force_login(org.quality)
        assert case.number in client.get(reverse("web:queue"), {"q": query}).content.decode()


def _files(folder: str) -> list[str]:
    return default_storage.listdir(folder)[1] if default_storage.exists(folder) else []


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        ("page.html", b"<html><script>alert(1)</script></html>"),
        ("photo.png", b"MZ\x90\x00" + b"\x00" * 64),
        ("notes.txt", b"<!DOCTYPE html><script>alert(1)</script>"),
    ],
)
def test_dangerous_uploads_are_refused_and_leave_no_file(api, org, make_case, name, content):
    case = make_case()
    # The in-memory storage outlives each test's database, and a rolled-back id can come back:
    # compare with what the folder held before, not with an empty folder.
    before = _files(f"cases/{case.pk}")
    upload = SimpleUploadedFile(name, content, content_type="x/" + "y" * 150)
    response = api(org.agent).post(f"{URL}{case.pk}/attachments/", {"file": upload}, format="multipart")
    assert response.status_code == 400 and "file" in response.json()["errors"]
    assert case.attachments.count() == 0
    assert _files(f"cases/{case.pk}") == before


def test_upload_name_is_cleaned_and_download_is_an_attachment(api, org, make_case):
    case = make_case()
    upload = SimpleUploadedFile("../../现场\u202egnp.exe.png", PNG, content_type="image/png")
    body = api(org.agent).post(f"{URL}{case.pk}/attachments/", {"file": upload}, format="multipart").json()
    assert body["name"] == "现场gnp.exe.png" and body["content_type"] == "image/png"
    response = api(org.agent).get(f"{URL}{case.pk}/attachments/{body['id']}/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == PNG
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert api(org.outsider).get(f"{URL}{case.pk}/attachments/{body['id']}/").status_code == 404
    assert safe_file_name("a/b\\c\u200f.pdf") == "c.pdf"


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_upload_leaves_no_file(org, make_case):
    case = make_case()
    with pytest.raises(ApplicationError), transaction.atomic():
        attachment = case_add_attachment(case=case, actor=org.agent, file=SimpleUploadedFile("a.png", PNG))
        stored = attachment.file.name
        assert default_storage.exists(stored)
        raise ApplicationError("later step failed")
    assert discard_uncommitted_files() >= 1
    assert not default_storage.exists(stored)
