"""What the permission matrix (tests/test_permission_matrix.py) shares with the apps' own rows.

An app adds its endpoints and pages to the matrix from `kefu/<app>/tests/matrix.py`, so that a new
app never edits the central file:

    # kefu/workorders/tests/matrix.py
    from tests.matrix_kit import LOGIN, only, row

    def build(world) -> dict:          # optional: objects the rows name, made inside the world's transaction
        people, units = world["people"], world["units"]
        order = workorder_create(..., actor=people["agent"])
        return {"order": order}        # rows refer to it as "order" (its pk; a slug with key "code")

    API_ROWS = {("get", "/api/v1/workorders/{id}/"): ({"id": "order"}, None, only({...}, 200, 404), False)}
    WEB_ROWS = {"workorders:detail": ("get", {"pk": "order"}, None, only({...}, 200, 404, anon=LOGIN), False)}

`world["units"]` holds the world's units by name (hz, nb, hz_cs, nb_cs, hz_as, team, group);
`world["people"]` the personas below; `world["ids"]` what the case engine and the apps built.
"""

from __future__ import annotations

import importlib
from types import ModuleType

PERSONAS = (
    "anon",  # not logged in
    "norole",  # a user with no role and no unit
    "subject",  # the technician the anonymous complaint is about
    "agent",  # received and owns A and B
    "agent2",  # same unit as the agent
    "handler",  # handles A
    "cs_sup",  # supervisor of the receiving unit (杭州 客服部)
    "sup",  # supervisor of the responsible unit (售后部)
    "out_sup",  # supervisor of 宁波's 客服部 (same name, other city)
    "manager",  # manager of 售后部
    "dgm",
    "quality",
    "gm",
    "adminrole",  # administrator role, not a superuser
    "root",  # superuser
)
SEE_A = {"agent", "handler", "cs_sup", "sup", "manager", "dgm", "quality", "gm", "adminrole", "root"}
SEE_B = {"agent", "cs_sup", "dgm", "quality", "gm", "adminrole", "root"}
IDENTITY_A = {"agent", "quality", "gm", "root"}  # receiver + the default confidentiality roles
UNIT_VIEW = {"cs_sup", "sup", "out_sup", "manager", "dgm", "quality", "gm", "adminrole", "root"}
NAME, PHONE, ADDRESS = "王建国", "13812345678", "杭州市西湖区文三路 1 号"
STAFF = set(PERSONAS) - {"anon", "norole"}  # read internal knowledge: signed in with a role
EDITORS = {"cs_sup", "sup", "out_sup", "manager", "dgm", "quality", "gm", "adminrole", "root"}  # EDITOR_ROLES
DESK = {"agent", "agent2", "cs_sup", "dgm", "quality", "gm", "adminrole", "root"}  # read 杭州 客服部's roster
DESK_SUP = {"cs_sup", "dgm", "gm", "adminrole", "root"}  # supervise 杭州 客服部 (not quality: SUPERVISING_ROLES)
INTERNAL_TITLE, INTERNAL_TEXT = "暖气片不热的内部处理流程", "内部：先查该小区换热站的停供记录"
PUBLIC_TITLE = "暖气片不热怎么办"


def row(default: int, anon: int = 401, **override: int) -> dict[str, int]:
    """Expected status per persona: `default` for the logged-in ones, `anon` for a client not logged in."""
    out = {p: default for p in PERSONAS}
    out["anon"] = anon
    for names, status in override.items():
        for name in names.split("__"):
            out[name] = status
    return out


def only(people: set[str], yes: int, no: int, *, anon: int = 401, **override: int) -> dict[str, int]:
    out = {p: (yes if p in people else no) for p in PERSONAS}
    out["anon"] = anon
    for names, status in override.items():
        for name in names.split("__"):
            out[name] = status
    return out


def _seen(yes: int, no_write: int) -> dict[str, int]:
    return only(SEE_A, yes, 404)


LOGIN = 302  # a page asks a client that is not logged in to log in


def app_matrices() -> list[ModuleType]:
    """Every installed Kefu app's `tests/matrix.py`, in INSTALLED_APPS order."""
    from django.apps import apps

    found = []
    for config in apps.get_app_configs():
        if not config.name.startswith("kefu."):
            continue
        try:
            found.append(importlib.import_module(f"{config.name}.tests.matrix"))
        except ModuleNotFoundError as exc:
            if exc.name not in (f"{config.name}.tests", f"{config.name}.tests.matrix"):
                raise
    return found
