"""The exports screens: upload → dry-run report → confirm; an export downloaded at once or sent for
approval; the approver's decision and the requester's download."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from kefu.customers.models import Customer
from kefu.exports.models import ExportDownload, ExportRecord, ExportRequest, ImportBatch

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_import_page_shows_every_problem_then_imports_a_clean_file_once(org):
    page = client_for(org.cs_supervisor)
    bad = "名称,电话\n杭州湖滨物业,0571-87654321\n宁波物业,12\n".encode("gbk")
    response = page.post("/exports/import/", {"file": SimpleUploadedFile("客户.csv", bad)})
    html = response.content.decode()
    assert response.status_code == 200 and '<td class="num" data-label' in html and ">3<" in html
    assert "exports/import/" in html and "/commit/" not in html  # no confirm button for a bad file
    good = "名称,电话\n杭州湖滨物业,0571-87654321\n".encode("gbk")
    response = page.post("/exports/import/", {"file": SimpleUploadedFile("客户.csv", good)})
    upload_id = response.context["upload"].pk
    assert not Customer.objects.exists()  # checked, not imported
    assert page.post(f"/exports/import/{upload_id}/commit/").status_code == 302
    assert Customer.objects.get().name == "杭州湖滨物业" and ImportBatch.objects.count() == 1
    page.post(f"/exports/import/{upload_id}/commit/")  # a second click imports nothing more
    assert Customer.objects.count() == 1 and ImportBatch.objects.count() == 1
    assert client_for(org.agent).get("/exports/import/").status_code == 403


def test_export_page_downloads_a_small_list_and_sends_a_large_one_for_approval(
    org, rulebooks, django_capture_on_commit_callbacks
):
    Customer.objects.bulk_create([Customer(code=f"W{i:05d}", name=f"住户{i}", grade="D") for i in range(250)])
    Customer.objects.create(code="A00001", name="重点住户", grade="A")
    page = client_for(org.cs_supervisor)
    response = page.post("/exports/customers/", {"grade": "A", "file_format": "csv"})
    assert response.status_code == 200 and "重点住户" in response.content.decode("utf-8-sig")
    assert ExportRecord.objects.get().row_count == 1
    counted = page.get("/exports/customers/", {"grade": "D", "file_format": "xlsx"})
    assert counted.context["count"] == 250 and counted.context["approver"]
    response = page.post("/exports/customers/", {"grade": "D", "file_format": "xlsx", "reason": "物业费催缴回访"})
    request = ExportRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/exports/requests/{request.pk}/"

    approver = client_for(org.deputy_gm)
    assert "decision" in approver.get(f"/exports/requests/{request.pk}/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):  # the file is made after the approval commits
        approver.post(f"/exports/requests/{request.pk}/decide/", {"decision": "approve"})
    request.refresh_from_db()
    assert request.status == "produced"
    assert approver.get(f"/exports/requests/{request.pk}/download/").status_code == 403
    download = page.get(f"/exports/requests/{request.pk}/download/")
    assert download.status_code == 200 and download.content[:2] == b"PK"
    assert ExportDownload.objects.get().surface == "web"
