"""Permission matrix rows for the work orders (tests/matrix_kit.py).

The world's order is in 售后部's team queue (维修一班, nobody accepted yet), registered by the
supervisor of 售后部: the team's technician ("subject") sees it, so do 售后部's supervisor and
manager and the all-seeing roles; everyone else gets a 404. Step bodies are empty (no version), so
those who may see the order get a 400 and nothing changes between personas.
"""

import base64

from tests.matrix_kit import LOGIN, only, row

SEE = {"subject", "sup", "manager", "dgm", "quality", "gm", "adminrole", "root"}
SUPERVISE = {"sup", "manager", "dgm", "gm", "adminrole", "root"}  # not quality: no supervising role
# 售后部's contract: its supervisor and manager (unit view) and the all-seeing roles; 客服部's supervisor not.
CONTRACT_SEE = {"sup", "manager", "dgm", "quality", "gm", "adminrole", "root"}
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def build(world) -> dict:
    from datetime import date

    from django.core.files.uploadedfile import SimpleUploadedFile

    from kefu.customers.models import Customer
    from kefu.workorders.services import contract_create, photo_add, workorder_create, workorder_dispatch

    people, units = world["people"], world["units"]
    customer = Customer.objects.order_by("id").first()
    order, _ = workorder_create(
        actor=people["sup"], kind="repair", customer=customer, description="终端不上线", unit=units["hz_as"]
    )
    order = workorder_dispatch(order=order, actor=people["sup"], expected_version=1, team=units["team"])
    contract = contract_create(
        actor=people["sup"],
        number="BY-MATRIX-1",
        customer=customer,
        unit=units["hz_as"],
        starts_on=date(2026, 1, 1),
        ends_on=date(2099, 12, 31),
    )
    photo, _ = photo_add(
        order=order,
        actor=people["sup"],
        upload_id="matrix-photo-0001",
        file=SimpleUploadedFile("现场.png", PNG),
        kind="site",
    )
    from django.utils import timezone

    from kefu.workorders.services.daily_reports import daily_report_submit

    report = daily_report_submit(actor=people["sup"], kind="unit", day=timezone.localdate(), unit=units["hz_as"])
    return {"order": order, "wo_daily_report": report, "contract": contract, "photo": photo}


_STEP = only(SEE, 400, 404)
API_ROWS = {
    ("get", "/api/v1/workorders/"): ({}, None, row(200), False),
    ("post", "/api/v1/workorders/"): ({}, {}, row(400), False),
    ("get", "/api/v1/workorders/{id}/"): ({"id": "order"}, None, only(SEE, 200, 404), False),
    ("get", "/api/v1/workorders/{id}/suggestions/"): (
        {"id": "order"},
        None,
        only(SEE, 403, 404, **{name: 200 for name in SUPERVISE}),
        False,
    ),
    **{
        ("post", f"/api/v1/workorders/{{id}}/{step}/"): ({"id": "order"}, {}, _STEP, False)
        for step in (
            "dispatch",
            "accept",
            "book",
            "check-in",
            "record",
            "approve-waiver",
            "complete",
            "close",
            "cancel",
            "pause",
            "resume",
            "takeback/receive",
            "takeback/move",
            "takeback/repair",
            "takeback/inspect",
            "takeback/return",
            "photos",
            "contractor-requests",
            "contractor-decision",
        )
    },
    # Nobody's order was taken back: the take-back is a 404 for everyone.
    ("get", "/api/v1/workorders/{id}/takeback/"): ({"id": "order"}, None, row(404), False),
    ("get", "/api/v1/workorders/{id}/photos/"): ({"id": "order"}, None, only(SEE, 200, 404), False),
    ("get", "/api/v1/workorders/{id}/contractor-requests/"): ({"id": "order"}, None, only(SEE, 200, 404), False),
    ("get", "/api/v1/workorders/contracts/"): ({}, None, row(200), False),
    ("post", "/api/v1/workorders/contracts/"): ({}, {}, row(400), False),
    ("get", "/api/v1/workorders/contracts/{id}/"): ({"id": "contract"}, None, only(CONTRACT_SEE, 200, 404), False),
    ("post", "/api/v1/workorders/contracts/{id}/renew/"): (
        {"id": "contract"},
        {},
        only(CONTRACT_SEE, 400, 404),
        False,
    ),
    ("get", "/api/v1/workorders/contractors/"): ({}, None, row(200), False),
    ("post", "/api/v1/workorders/contractors/"): ({}, {}, row(400), False),
}

# The register (D11 13) is kept by the clerks (业务员, agents) and the supervisors; a daily report page
# is a technician's own day or a supervised unit's (others: 404); a stored report: its author and the
# supervisors of its unit.
REGISTER = {"agent", "agent2", "cs_sup", "sup", "out_sup", "manager", "dgm", "gm", "adminrole", "root"}
DAILY = {"subject", "cs_sup", "sup", "out_sup", "manager", "dgm", "gm", "adminrole", "root"}
WEB_ROWS = {
    "workorders:register": ("get", {}, None, only(REGISTER, 200, 403, anon=LOGIN), False),
    "workorders:daily": ("get", {}, None, only(DAILY, 200, 404, anon=LOGIN), False),
    "workorders:daily_xlsx": ("get", {}, None, only(DAILY, 200, 404, anon=LOGIN), False),
    "workorders:daily_report": ("get", {"pk": "wo_daily_report"}, None, only(SUPERVISE, 200, 404, anon=LOGIN), False),
    "workorders:today": ("get", {}, None, row(200, anon=LOGIN), False),
    "workorders:detail": ("get", {"pk": "order"}, None, only(SEE, 200, 404, anon=LOGIN), False),
    "workorders:step": ("post", {"pk": "order", "step": "accept"}, {}, only(SEE, 302, 404, anon=LOGIN), False),
    "workorders:contracts": ("get", {}, None, row(200, anon=LOGIN), False),
    "workorders:contract": ("get", {"pk": "contract"}, None, only(CONTRACT_SEE, 200, 404, anon=LOGIN), False),
    # No photo in the body: those who see the order are sent back to it with "上传失败，请重试".
    "workorders:photo_upload": ("post", {"pk": "order"}, {}, only(SEE, 302, 404, anon=LOGIN), False),
    "workorders:photo": ("get", {"pk": "order", "photo_pk": "photo"}, None, only(SEE, 200, 404, anon=LOGIN), False),
    "workorders:receipt": ("get", {"pk": "order"}, None, row(404, anon=LOGIN), False),
}
