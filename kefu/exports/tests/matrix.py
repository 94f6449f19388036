"""The exports app's rows of the permission matrix (tests/matrix_kit.py).

The world: 201 more customers (one more than may be exported without approval) and an export request
of all of them by 杭州 客服部's supervisor, awaiting the deputy GM (seed-002 Doc 2: up to 2,000 records).
"""

from __future__ import annotations

from tests.matrix_kit import LOGIN, only, row

# kefu.exports.services IMPORT_ROLES / EXPORT_ROLES (supervisors of any unit included).
IMPORT = {"cs_sup", "sup", "out_sup", "adminrole", "root"}
EXPORT = {"cs_sup", "sup", "out_sup", "manager", "dgm", "quality", "gm", "adminrole", "root"}
# Who sees the request: its requester, the role that decides it, the all-seeing roles.
SEE_REQUEST = {"cs_sup", "dgm", "quality", "gm", "adminrole", "root"}
DECIDE = {"dgm", "root"}


def build(world) -> dict:
    from kefu.customers.models import Customer
    from kefu.exports.services import export_request_create, import_upload_store

    people = world["people"]
    Customer.objects.bulk_create([Customer(code=f"MX{i:05d}", name=f"矩阵客户{i}") for i in range(201)])
    request = export_request_create(actor=people["cs_sup"], filters={}, reason="二期业主回访")
    # A checked upload of 客服部's supervisor with a bad row: confirming it imports nothing.
    upload = import_upload_store(actor=people["cs_sup"], file_name="客户.csv", data="名称,电话\n,1\n".encode())
    return {"export_request": request, "upload": upload}


API_ROWS = {
    # The matrix's upload is an .exe named .png: the dry run reports it as an unreadable file (200).
    ("post", "/api/v1/customers/imports/"): ({}, "exe", only(IMPORT, 200, 403), False),
    ("post", "/api/v1/exports/customers/"): ({}, {"filters": {"grade": "Z"}}, only(EXPORT, 400, 403), False),
    ("get", "/api/v1/exports/requests/"): ({}, None, row(200), False),
    ("post", "/api/v1/exports/requests/"): ({}, {}, only(EXPORT, 400, 403), False),
    ("get", "/api/v1/exports/requests/{id}/"): ({"id": "export_request"}, None, only(SEE_REQUEST, 200, 404), False),
    # A stale version: the deciders hear 409 (nothing changes), the others who see it 403.
    ("post", "/api/v1/exports/requests/{id}/approve/"): (
        {"id": "export_request"},
        {"version": 99},
        only(SEE_REQUEST, 403, 404, **{"__".join(DECIDE): 409}),
        False,
    ),
    # No note: a refusal needs one (400) — for the deciders only.
    ("post", "/api/v1/exports/requests/{id}/refuse/"): (
        {"id": "export_request"},
        {},
        only(SEE_REQUEST, 403, 404, **{"__".join(DECIDE): 400}),
        False,
    ),
    # Not approved yet: nothing to download (409) for the requester; nobody else ever downloads it.
    ("get", "/api/v1/exports/requests/{id}/download/"): (
        {"id": "export_request"},
        None,
        only(SEE_REQUEST, 403, 404, cs_sup=409),
        False,
    ),
}

WEB_ROWS = {
    "exports:home": ("get", {}, None, row(200, anon=LOGIN), False),
    "exports:import": ("get", {}, None, only(IMPORT, 200, 403, anon=LOGIN), False),
    # Only the uploader confirms an upload; its bad row sends them back to the import page with a message.
    "exports:import_commit": ("post", {"pk": "upload"}, {}, only({"cs_sup"}, 302, 404, anon=LOGIN), False),
    "exports:customers": ("get", {}, None, only(EXPORT, 200, 403, anon=LOGIN), False),
    "exports:request": ("get", {"pk": "export_request"}, None, only(SEE_REQUEST, 200, 404, anon=LOGIN), False),
    # No button pressed: back to the request with a message, for everyone who sees it.
    "exports:request_decide": ("post", {"pk": "export_request"}, {}, only(SEE_REQUEST, 302, 404, anon=LOGIN), False),
    # Not made yet: the requester is sent back with a message; nobody else may download it.
    "exports:request_download": (
        "get",
        {"pk": "export_request"},
        None,
        only(SEE_REQUEST, 403, 404, anon=LOGIN, cs_sup=302),
        False,
    ),
}
