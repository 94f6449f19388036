"""Rows of the permission matrix (tests/test_permission_matrix.py) for the customer self-service pages.

The portal has no staff login: every persona, signed in or not, gets the same answer. A staff
session opens no case here either — only a right code or a signed link does (kept in the session),
so the case page and the answer redirect to the follow page for everyone (leak checked)."""

from __future__ import annotations

from tests.matrix_kit import row

WEB_ROWS = {
    "portal:home": ("get", {}, None, row(200, anon=200), False),
    "portal:file": ("get", {"case_type": "complaint"}, None, row(200, anon=200), False),
    "portal:filed": ("get", {}, None, row(302, anon=302), True),
    "portal:track": ("get", {}, None, row(200, anon=200), False),
    "portal:link": ("get", {"token": "not-a-signed-link"}, None, row(410, anon=410), True),
    "portal:case": ("get", {"number": "A"}, None, row(302, anon=302), True),
    "portal:answer": ("post", {"number": "A"}, {"answer": "accept", "version": "v"}, row(302, anon=302), True),
    "portal:survey": ("post", {}, {}, row(400, anon=400), False),
}
