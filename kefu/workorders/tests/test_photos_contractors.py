"""Photos of a job (retry-safe, content-checked) and outside contractors (外包, only after approval)."""

import base64
import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kefu.core.exceptions import ApplicationError, ConflictError, ForbiddenError
from kefu.sla.models import Notification
from kefu.workorders.models import ContractorRequest, OrderPhoto
from kefu.workorders.services import (
    contractor_create,
    contractor_decide,
    contractor_request,
    workorder_accept,
)

pytestmark = pytest.mark.django_db

# A real 1×1 PNG (the bytes a phone would send, not just a magic number).
PNG_BYTES = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def _upload(client, order, *, upload_id="ph-20261124-0001", name="坏主板.png", data=PNG_BYTES, **extra):
    body = {"upload_id": upload_id, "kind": "part", "file": SimpleUploadedFile(name, data), **extra}
    return client.post(f"/api/v1/workorders/{order.pk}/photos/", body, format="multipart")


def test_a_repeated_upload_of_the_same_photo_is_a_no_op(api, on_site, org):
    order = on_site()
    phone = api(org.technician)
    first = _upload(phone, order, size=len(PNG_BYTES), sha256=hashlib.sha256(PNG_BYTES).hexdigest())
    again = _upload(phone, order, size=len(PNG_BYTES))
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"] and OrderPhoto.objects.count() == 1
    assert order.events.filter(kind="photo").count() == 1
    # The same id with other bytes is not silently replaced.
    other = _upload(phone, order, data=PNG_BYTES + b"\x00")
    assert other.status_code == 409
    listed = phone.get(f"/api/v1/workorders/{order.pk}/photos/").json()
    assert [p["name"] for p in listed] == ["坏主板.png"]
    # A supervisor downloads it; another city's agent cannot even see the order.
    from django.test import Client

    boss = Client()
    boss.force_login(org.supervisor)
    download = boss.get(listed[0]["url"])
    assert download.status_code == 200 and download["Content-Type"] == "image/png"
    assert b"".join(download.streaming_content) == PNG_BYTES
    assert api(org.outsider).get(f"/api/v1/workorders/{order.pk}/photos/").status_code == 404


def test_a_fake_image_and_a_partial_upload_are_refused_clearly(api, on_site, org):
    order = on_site()
    phone = api(org.technician)
    fake = _upload(phone, order, name="现场.jpg", data=b"MZ\x90\x00 this is a Windows program")
    assert fake.status_code == 400 and "file" in fake.json()["errors"]
    partial = _upload(phone, order, upload_id="ph-20261124-0002", data=PNG_BYTES[:40], size=len(PNG_BYTES))
    assert partial.status_code == 400
    assert partial.json()["detail"].startswith("上传失败，请重试")
    assert not OrderPhoto.objects.exists()
    # The retry with the whole photo and the same upload id completes it.
    retry = _upload(phone, order, upload_id="ph-20261124-0002", size=len(PNG_BYTES))
    assert retry.status_code == 201


def test_only_the_technician_or_a_supervisor_adds_photos(api, on_site, org):
    order = on_site()
    assert _upload(api(org.handler), order).status_code == 404  # 售后部's handler does not see the order
    assert _upload(api(org.manager), order).status_code == 201  # a manager of the unit supervises it


def _contractor(org, **kw):
    values = dict(
        actor=org.supervisor,
        unit=org.aftersales,
        name="杭州信达安装服务有限公司",
        areas=["西湖区", "拱墅区"],
        skills=["install", "repair"],
        contact_name="陈工",
        phone="0571-8888 1234",
    )
    values.update(kw)
    return contractor_create(**values)


def test_an_order_goes_to_a_contractor_only_after_the_manager_approves(make_order, org):
    contractor = _contractor(org)
    order = make_order()
    with pytest.raises(ForbiddenError):  # a technician cannot send work outside
        contractor_request(
            order=order, actor=org.technician, expected_version=1, contractor=contractor, reason="人手不足"
        )
    request = contractor_request(
        order=order, actor=org.supervisor, expected_version=1, contractor=contractor, reason="本周人手不足，区域偏远"
    )
    order.refresh_from_db()
    assert order.contractor_id is None and order.status == "new"  # not yet
    assert list(
        Notification.objects.filter(message_code="workorders.contractor_approval").values_list(
            "recipient__username", flat=True
        )
    ) == ["manager"]
    with pytest.raises(ConflictError):  # one waiting request per order
        contractor_request(
            order=order, actor=org.supervisor, expected_version=order.version, contractor=contractor, reason="再次申请"
        )
    with pytest.raises(ForbiddenError):  # the supervisor who asked cannot approve (the rulebook names the manager)
        contractor_decide(request=request, actor=org.supervisor, expected_version=order.version, approve=True)
    contractor_decide(request=request, actor=org.manager, expected_version=order.version, approve=True)
    order.refresh_from_db()
    assert order.status == "dispatched" and order.contractor == contractor and order.technician_id is None
    assert list(order.events.filter(kind="contractor").values_list("data__step", flat=True)) == [
        "requested",
        "approved",
    ]
    # Not in the team's queue: a technician of the unit cannot take it.
    with pytest.raises(ForbiddenError):
        workorder_accept(order=order, actor=org.technician, expected_version=order.version)
    from django.test import Client

    page = Client()
    page.force_login(org.technician)
    assert 'id="step-accept"' not in page.get(f"/workorders/{order.pk}/").content.decode()


def test_a_refusal_needs_a_note_and_leaves_the_order_where_it_was(make_order, org):
    contractor = _contractor(org)
    order = make_order()
    request = contractor_request(
        order=order, actor=org.supervisor, expected_version=1, contractor=contractor, reason="忙"
    )
    with pytest.raises(ApplicationError):
        contractor_decide(request=request, actor=org.manager, expected_version=2, approve=False)
    contractor_decide(
        request=request, actor=org.manager, expected_version=2, approve=False, note="本单位技术员可以处理"
    )
    order.refresh_from_db()
    assert order.status == "new" and order.contractor_id is None
    assert ContractorRequest.objects.get().status == "refused"
    assert Notification.objects.filter(message_code="workorders.contractor_decided", recipient=org.supervisor).exists()


def test_contractor_approval_over_the_api(api, make_order, org):
    contractor = _contractor(org)
    order = make_order()
    asked = api(org.supervisor).post(
        f"/api/v1/workorders/{order.pk}/contractor-requests/",
        {"version": 1, "contractor": contractor.pk, "reason": "节假日值班人员不足"},
        format="json",
    )
    assert asked.status_code == 201 and asked.json()["status"] == "pending"
    decided = api(org.manager).post(
        f"/api/v1/workorders/{order.pk}/contractor-decision/",
        {"version": 2, "request": asked.json()["id"], "approve": True},
        format="json",
    )
    assert decided.status_code == 200 and decided.json()["status"] == "approved"
    listed = api(org.supervisor).get("/api/v1/workorders/contractors/").json()
    assert [c["name"] for c in listed["results"]] == ["杭州信达安装服务有限公司"]
    assert api(org.technician).get("/api/v1/workorders/contractors/").json()["results"] == []


def test_the_phone_page_photo_form_sent_twice_adds_the_photo_once(on_site, org):
    import re

    from django.test import Client

    order = on_site()
    phone = Client()
    phone.force_login(org.technician)
    page = phone.get(f"/workorders/{order.pk}/").content.decode()
    upload_id = re.search(r'name="upload_id" value="([0-9a-f]{32})"', page).group(1)

    def send():
        body = {"upload_id": upload_id, "kind": "before", "file": SimpleUploadedFile("故障前.png", PNG_BYTES)}
        return phone.post(f"/workorders/{order.pk}/photos/", body, follow=True).content.decode()

    assert "照片已添加到派工单。" in send()
    assert "这张照片已添加过（表单重复提交），只保存一次。" in send()
    assert OrderPhoto.objects.filter(order=order).count() == 1
    assert "故障前.png" in phone.get(f"/workorders/{order.pk}/").content.decode()
