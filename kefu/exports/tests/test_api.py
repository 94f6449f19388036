"""The exports API: the import dry run and commit over HTTP, a direct export, a request through
approval to the requester's download (docs/exports.md)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kefu.customers.models import Customer
from kefu.exports.models import ExportDownload, ImportBatch

pytestmark = pytest.mark.django_db

GBK = "名称,电话,等级\n杭州湖滨物业,0571-87654321,A\n,13812345678,Q\n".encode("gbk")


def upload(data: bytes, name: str = "客户.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="text/csv")


def test_import_dry_run_reports_and_commit_refuses_a_bad_file(org, api):
    client = api(org.cs_supervisor)
    response = client.post("/api/v1/customers/imports/", {"file": upload(GBK)}, format="multipart")
    assert response.status_code == 200
    body = response.json()
    assert (body["rows"], body["bad_lines"], body["clean"]) == (2, 1, False)
    assert [(p["line"], p["column"]) for p in body["problems"]] == [(3, "名称"), (3, "等级")]
    response = client.post("/api/v1/customers/imports/", {"file": upload(GBK), "dry_run": "false"}, format="multipart")
    assert response.status_code == 400 and len(response.json()["report"]["problems"]) == 2
    assert not Customer.objects.exists() and not ImportBatch.objects.exists()

    good = "名称,电话\n杭州湖滨物业,0571-87654321\n".encode("gbk")
    response = client.post("/api/v1/customers/imports/", {"file": upload(good), "dry_run": "false"}, format="multipart")
    assert response.status_code == 201 and response.json()["created"] == 1
    assert ImportBatch.objects.get().pk == response.json()["batch"]
    # Agents answer the phone; they do not load files into the customer register.
    assert (
        api(org.agent).post("/api/v1/customers/imports/", {"file": upload(good)}, format="multipart").status_code == 403
    )


def test_direct_export_and_a_request_approved_and_downloaded(org, api, rulebooks, django_capture_on_commit_callbacks):
    Customer.objects.bulk_create([Customer(code=f"K{i:05d}", name=f"商户{i}", grade="A") for i in range(201)])
    sup = api(org.cs_supervisor)
    small = sup.post("/api/v1/exports/customers/", {"filters": {"q": "商户7"}, "file_format": "csv"}, format="json")
    assert small.status_code == 200 and small["Content-Disposition"].startswith(
        'attachment; filename="customers-cs_supervisor-'
    )
    big = sup.post("/api/v1/exports/customers/", {"filters": {"grade": "A"}}, format="json")
    assert big.status_code == 400
    created = sup.post("/api/v1/exports/requests/", {"filters": {"grade": "A"}, "reason": "年度回访"}, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["row_count"], body["approver_role"], body["status"], body["may_download"]) == (
        201,
        "deputy_gm",
        "requested",
        False,
    )
    pk = body["id"]
    dgm = api(org.deputy_gm)
    assert dgm.get(f"/api/v1/exports/requests/{pk}/").json()["may_decide"] is True
    assert api(org.gm).post(f"/api/v1/exports/requests/{pk}/approve/", {}, format="json").status_code == 403
    assert api(org.agent).get(f"/api/v1/exports/requests/{pk}/").status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        assert dgm.post(f"/api/v1/exports/requests/{pk}/approve/", {"version": 1}, format="json").status_code == 200
    assert dgm.get(f"/api/v1/exports/requests/{pk}/download/").status_code == 403
    download = sup.get(f"/api/v1/exports/requests/{pk}/download/")
    assert download.status_code == 200 and download["Cache-Control"] == "private, no-store"
    assert download.content[:2] == b"PK"  # an xlsx workbook
    assert ExportDownload.objects.filter(request_id=pk, user=org.cs_supervisor, surface="api").count() == 1
    assert dgm.post(f"/api/v1/exports/requests/{pk}/refuse/", {"note": "晚了"}, format="json").status_code == 409


def test_a_retried_request_with_the_same_idempotency_key_asks_once(org, api, rulebooks):
    Customer.objects.bulk_create([Customer(code=f"R{i:05d}", name=f"租户{i}") for i in range(201)])
    sup = api(org.cs_supervisor)
    body = {"reason": "商铺租户回访"}
    first = sup.post("/api/v1/exports/requests/", body, format="json", HTTP_IDEMPOTENCY_KEY="call-7781")
    again = sup.post("/api/v1/exports/requests/", body, format="json", HTTP_IDEMPOTENCY_KEY="call-7781")
    assert (first.status_code, again.status_code) == (201, 200) and first.json()["id"] == again.json()["id"]
    other = sup.post(
        "/api/v1/exports/requests/", {"reason": "别的用途"}, format="json", HTTP_IDEMPOTENCY_KEY="call-7781"
    )
    assert other.status_code == 400 and "idempotency_key" in other.json()["errors"]
    from kefu.sla.models import Notification

    assert Notification.objects.filter(message_code="exports.approval_wanted").count() == 1
