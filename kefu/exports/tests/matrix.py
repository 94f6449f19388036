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
    from kefu.exports.services import export_request_create

    people = world["people"]
    Customer.objects.bulk_create([Customer(code=f"MX{i:05d}", name=f"矩阵客户{i}") for i in range(201)])
    request = export_request_create(actor=people["cs_sup"], filters={}, reason="二期业主回访")
    return {"export_request": request}


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

WEB_ROWS: dict = {}
_ = LOGIN
