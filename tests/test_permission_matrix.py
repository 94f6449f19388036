"""The permission matrix: every API operation and every web page × every kind of person.

One row per operation (API: method and path of the OpenAPI schema) or page (URL name), with the
status each persona gets. A new endpoint or page without a row fails `test_every_*_has_a_row`:
add its row to API_ROWS or WEB_ROWS below (docs/architecture.md, "The permission matrix").

The world is built once per module: an anonymous complaint (A) about a technician, received by an
agent in 杭州 客服部, routed to 售后部 with a handler; a named case (B) of the same customer, not routed;
a second 客服部 in 宁波. Rows marked `leak` also check that no body a persona gets without a logged
"show" carries the anonymous complainant's name, phone or address.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import get_resolver
from rest_framework.test import APIClient

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


# API: (method, schema path) → (path args, body, expected, leak check)
API_ROWS: dict[tuple[str, str], tuple[dict[str, str], Any, dict[str, int], bool]] = {
    # A wrong password per persona's own name: five for one name would lock it (429, kefu/org/lockout.py).
    ("post", "/api/v1/auth/token/"): ({}, {"username": "persona", "password": "y"}, row(400, anon=400), False),
    # The matrix's clients are authenticated without a token: "revoke this token" says so (400);
    # "revoke all my tokens" works for anyone logged in.
    ("delete", "/api/v1/auth/token/"): ({}, None, row(400), False),
    ("delete", "/api/v1/auth/tokens/"): ({}, None, row(200), False),
    ("get", "/api/v1/board/"): ({}, None, only(UNIT_VIEW, 200, 403), True),
    ("get", "/api/v1/cases/"): ({}, None, row(200), False),
    ("post", "/api/v1/cases/"): ({}, {}, row(400), False),
    ("get", "/api/v1/cases/{id}/"): ({"id": "A"}, None, only(SEE_A, 200, 404), True),
    ("post", "/api/v1/cases/{id}/attachments/"): ({"id": "A"}, "exe", only(SEE_A, 400, 404), True),
    ("get", "/api/v1/cases/{id}/attachments/{attachment_id}/"): (
        {"id": "A", "attachment_id": "file"},
        None,
        only(SEE_A, 403, 404, agent=200, quality=200, gm=200, root=200),
        False,
    ),
    ("get", "/api/v1/cases/{id}/clocks/"): ({"id": "A"}, None, only(SEE_A, 200, 404), True),
    ("post", "/api/v1/cases/{id}/clocks/{clock_id}/extend/"): (
        {"id": "A", "clock_id": "clock"},
        {},
        only(SEE_A, 400, 404),
        True,
    ),
    ("get", "/api/v1/cases/{id}/customer-view/"): ({"id": "A"}, None, only(SEE_A, 200, 404), True),
    ("post", "/api/v1/cases/{id}/merge/"): (
        {"id": "A"},
        {"into": "B", "version": 999},
        only(SEE_A, 409, 404, handler__sup__manager=400),
        True,
    ),
    ("post", "/api/v1/cases/{id}/notes/"): ({"id": "A"}, {"body": "矩阵：已电话催办。"}, only(SEE_A, 201, 404), True),
    ("post", "/api/v1/cases/{id}/reopen/"): (
        {"id": "A"},
        {"version": "v"},
        only(SEE_A, 400, 404, agent__handler__dgm__quality=403),
        True,
    ),
    ("post", "/api/v1/cases/{id}/resume/"): (
        {"id": "A"},
        {"version": "v"},
        only(SEE_A, 400, 404, agent__handler__dgm__quality=403),
        True,
    ),
    ("post", "/api/v1/cases/{id}/reveal/"): (
        {"id": "A"},
        None,
        only(SEE_A, 403, 404, agent=200, quality=200, gm=200, root=200),
        True,
    ),
    ("post", "/api/v1/cases/{id}/suspend/"): (
        {"id": "A"},
        {"version": "v", "reason": ""},
        only(SEE_A, 400, 404, agent__handler__dgm__quality=403),
        True,
    ),
    ("post", "/api/v1/cases/{id}/transfer/"): (
        {"id": "A"},
        {"version": "v", "new_owner": "agent2", "reason": ""},
        only(SEE_A, 400, 404, handler__dgm__quality__gm=403),
        True,
    ),
    ("post", "/api/v1/cases/{id}/transition/"): (
        {"id": "A"},
        {"transition": "finding", "version": "v", "data": {}},
        only(SEE_A, 400, 404, agent__dgm__quality__gm__adminrole=403),
        True,
    ),
    ("post", "/api/v1/cases/{id}/withdraw/"): (
        {"id": "A"},
        {"version": "v", "reason": ""},
        only(SEE_A, 400, 404, handler__dgm__quality__gm=403),
        True,
    ),
    ("get", "/api/v1/customers/"): ({}, None, row(200), False),
    ("post", "/api/v1/customers/"): ({}, {}, row(400), False),
    # The directory for the intake roles; else the customers of cases one may see — never through A.
    ("get", "/api/v1/customers/{id}/"): (
        {"id": "W"},
        None,
        row(404, agent__agent2__cs_sup__sup__out_sup__adminrole__root__dgm__quality__gm=200),
        False,
    ),
    ("post", "/api/v1/customers/{id}/reveal/"): (
        {"id": "W"},
        None,
        row(404, agent__agent2__cs_sup__sup__out_sup__adminrole__root__quality=200, dgm__gm=403),
        False,
    ),
    ("get", "/api/v1/notifications/"): ({}, None, row(200), False),
    ("post", "/api/v1/notifications/{id}/read/"): ({"id": "999999"}, None, row(404), False),
    ("post", "/api/v1/notifications/read-all/"): ({}, None, row(200), False),
    ("get", "/api/v1/rulebooks/"): ({}, None, row(200), False),
    ("get", "/api/v1/staff/"): ({}, None, row(200), False),
    ("get", "/api/v1/units/"): ({}, None, row(200), False),
}

LOGIN = 302  # a page asks a client that is not logged in to log in
# Web: URL name → (method, kwargs, form data, expected, leak check)
WEB_ROWS: dict[str, tuple[str, dict[str, str], dict[str, Any] | None, dict[str, int], bool]] = {
    "web:queue": ("get", {}, None, row(200, anon=LOGIN), True),
    "web:login": ("get", {}, None, row(200, anon=200), False),
    "web:logout": ("post", {}, {}, row(302, anon=302), False),
    "web:intake": ("get", {}, None, row(200, anon=LOGIN), False),
    "web:intake_customers": ("get", {}, {"q": PHONE[-4:]}, row(200, anon=LOGIN), False),
    "web:intake_options": ("get", {}, None, row(200, anon=LOGIN), False),
    "web:unit": ("get", {}, None, only(UNIT_VIEW, 200, 403, anon=LOGIN), True),
    "web:board": ("get", {}, None, only(UNIT_VIEW, 200, 403, anon=LOGIN), True),
    "web:inbox": ("get", {}, None, row(200, anon=LOGIN), True),
    "web:inbox_read_all": ("post", {}, {}, row(302, anon=LOGIN), False),
    "web:inbox_read": ("post", {"pk": "999999"}, {}, row(404, anon=LOGIN), False),
    "web:case": ("get", {"number": "A"}, None, only(SEE_A, 200, 404, anon=LOGIN), True),
    "web:case_transition": (
        "post",
        {"number": "A", "name": "finding"},
        {},
        only(SEE_A, 400, 404, anon=LOGIN),
        True,
    ),
    "web:case_operation": ("post", {"number": "A", "op": "note"}, {}, only(SEE_A, 400, 404, anon=LOGIN), True),
    "web:case_extend": ("post", {"number": "A", "clock_id": "clock"}, {}, only(SEE_A, 400, 404, anon=LOGIN), True),
    "web:case_classify": ("post", {"number": "A"}, {}, only(SEE_A, 400, 404, anon=LOGIN), True),
    "web:case_reveal": (
        "post",
        {"number": "A"},
        {},
        only(SEE_A, 403, 404, anon=LOGIN, agent=200, quality=200, gm=200, root=200),
        True,
    ),
    "web:case_attachment": (
        "get",
        {"number": "A", "pk": "file"},
        None,
        only(SEE_A, 403, 404, anon=LOGIN, agent=200, quality=200, gm=200, root=200),
        False,
    ),
    "reports:monthly": ("get", {}, None, row(200, anon=LOGIN), True),
    "reports:monthly_xlsx": ("get", {}, None, row(200, anon=LOGIN), False),
}


# --------------------------------------------------------------------------------------------------
# The world, built once per module


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    from kefu.calendars.services import calendar_create_defaults
    from kefu.cases.services import case_add_attachment, case_register, case_transition
    from kefu.customers.services import customer_create
    from kefu.org.choices import Role, UnitKind
    from kefu.org.models import User
    from kefu.org.services import unit_create
    from kefu.rulebooks.services import rulebook_load_presets

    with django_db_blocker.unblock(), transaction.atomic():
        calendar_create_defaults(first_year=2025)
        rulebook_load_presets(default_key="service-complaint")
        group = unit_create(name="集团", code="m-group", kind=UnitKind.GROUP)
        hz = unit_create(name="杭州公司", code="m-hz", kind=UnitKind.CITY, parent=group)
        nb = unit_create(name="宁波公司", code="m-nb", kind=UnitKind.CITY, parent=group)
        hz_cs = unit_create(name="客服部", code="m-hz-cs", kind=UnitKind.DEPARTMENT, parent=hz)
        nb_cs = unit_create(name="客服部", code="m-nb-cs", kind=UnitKind.DEPARTMENT, parent=nb)
        hz_as = unit_create(name="售后部", code="m-hz-as", kind=UnitKind.DEPARTMENT, parent=hz)
        team = unit_create(name="维修一班", code="m-hz-as-1", kind=UnitKind.TEAM, parent=hz_as)

        def person(name: str, role: str, unit, **extra) -> User:
            return User.objects.create_user(username=f"m-{name}", password="x", role=role, unit=unit, **extra)

        people = {
            "norole": person("norole", "", None),
            "subject": person("subject", Role.TECHNICIAN, team),
            "agent": person("agent", Role.AGENT, hz_cs),
            "agent2": person("agent2", Role.AGENT, hz_cs),
            "handler": person("handler", Role.HANDLER, hz_as),
            "cs_sup": person("cs_sup", Role.SUPERVISOR, hz_cs),
            "sup": person("sup", Role.SUPERVISOR, hz_as),
            "out_sup": person("out_sup", Role.SUPERVISOR, nb_cs),
            "manager": person("manager", Role.MANAGER, hz_as),
            "dgm": person("dgm", Role.DEPUTY_GM, group),
            "quality": person("quality", Role.QUALITY, group),
            "gm": person("gm", Role.GENERAL_MANAGER, group),
            "adminrole": person("adminrole", Role.ADMINISTRATOR, group),
            "root": person("root", Role.ADMINISTRATOR, group, is_staff=True, is_superuser=True),
        }
        wang = customer_create(
            name=NAME, phone="138 1234 5678", address="杭州市西湖区文三路 1 号", actor=people["agent"]
        )
        agent = people["agent"]
        common = dict(customer=wang, channel="phone", category="attitude", case_type="complaint")
        a, _ = case_register(
            actor=agent,
            title=f"{NAME}来电：维修工态度恶劣",
            description=f"来电号码 138-1234-5678，住{ADDRESS}。要求匿名。",
            subject_person=people["subject"],
            is_anonymous=True,
            **common,
        )
        a = case_transition(case=a, actor=agent, transition="establish", expected_version=a.version)
        a = case_transition(
            case=a,
            actor=agent,
            transition="route",
            expected_version=a.version,
            data={"unit": hz_as.pk, "assignee": people["handler"].pk},
        )
        png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
        attachment = case_add_attachment(case=a, actor=agent, file=SimpleUploadedFile("来信.png", png))
        b, _ = case_register(actor=agent, title="账单疑问", description="客户询问上月账单。", **common)
        for n in range(3):  # a customer with many cases
            case_register(
                actor=agent,
                title=f"第{n}次来电",
                description="咨询",
                **{**common, "case_type": "inquiry", "category": "product"},
            )
        ids = {"A": a, "B": b, "W": wang, "file": attachment, "clock": a.clocks.first()}
        yield {"people": people, "ids": ids}
        transaction.set_rollback(True)


def _value(world, key: str) -> str:
    obj = world["ids"].get(key)
    return key if obj is None else str(obj.pk)


def _body(world, body: Any) -> Any:
    from kefu.cases.models import Case

    if body == "exe":
        return {"file": SimpleUploadedFile("invoice.png", b"MZ\x90\x00" + b"\x00" * 64)}
    if not isinstance(body, dict):
        return body
    out = dict(body)
    for key, value in body.items():
        if not isinstance(value, str):
            continue
        if value == "v":
            out[key] = Case.objects.get(pk=world["ids"]["A"].pk).version
        elif value in ("B",):
            out[key] = world["ids"][value].pk
        elif value in world["people"]:
            out[key] = world["people"][value].pk
    return out


def _leaks(content: bytes) -> list[str]:
    text = content.decode("utf-8", "replace")
    return [s for s in (NAME, PHONE, "138-1234-5678", ADDRESS) if s in text]


# --------------------------------------------------------------------------------------------------
# Every endpoint and page has a row


def _schema_operations() -> set[tuple[str, str]]:
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    methods = {"get", "post", "put", "patch", "delete"}
    return {(m, path) for path, ops in schema["paths"].items() for m in ops if m in methods}


def test_every_api_operation_has_a_row(db):
    missing = _schema_operations() - set(API_ROWS)
    assert not missing, (
        f"API operations without a row in tests/test_permission_matrix.py API_ROWS: {sorted(missing)}. "
        "Add one row per operation with the status each persona must get (docs/architecture.md)."
    )


def _web_names() -> set[str]:
    names = set()
    for namespace in ("web", "reports"):
        resolver = get_resolver().namespace_dict[namespace][1]
        names |= {f"{namespace}:{p.name}" for p in resolver.url_patterns if getattr(p, "name", None)}
    return names


def test_every_web_page_has_a_row(db):
    missing = _web_names() - set(WEB_ROWS)
    assert not missing, (
        f"Pages without a row in tests/test_permission_matrix.py WEB_ROWS: {sorted(missing)}. "
        "Add one row per page with the status each persona must get (docs/architecture.md)."
    )


# --------------------------------------------------------------------------------------------------
# The matrix


@pytest.mark.django_db
def test_api_matrix(world):
    problems = []
    for (method, path), (args, body, expected, leak) in API_ROWS.items():
        url = path
        for name, key in args.items():
            url = url.replace("{" + name + "}", _value(world, key))
        for persona in PERSONAS:
            client = APIClient()
            if persona != "anon":
                client.force_authenticate(world["people"][persona])
            data = _body(world, body)
            if isinstance(data, dict) and data.get("username") == "persona":
                data["username"] = persona
            fmt = "multipart" if body == "exe" else "json"
            response = getattr(client, method)(url, data, format=fmt) if method != "get" else client.get(url)
            if response.status_code != expected[persona]:
                problems.append(
                    f"{method.upper()} {path} as {persona}: {response.status_code}, expected {expected[persona]}"
                )
            elif leak and "reveal" not in path and response.status_code < 300 and _leaks(response.content):
                problems.append(f"{method.upper()} {path} as {persona}: shows {_leaks(response.content)}")
    assert not problems, "\n".join(problems)


@pytest.mark.django_db
def test_web_matrix(world):
    from django.urls import reverse

    from kefu.cases.models import Case

    problems = []
    for name, (method, kwargs, data, expected, leak) in WEB_ROWS.items():
        resolved = {
            k: (Case.objects.get(pk=world["ids"][v].pk).number if v in ("A", "B") else _value(world, v))
            for k, v in kwargs.items()
        }
        url = reverse(name, kwargs=resolved)
        for persona in PERSONAS:
            client = Client()
            if persona != "anon":
                client.force_login(world["people"][persona])
            response = client.get(url, data or {}) if method == "get" else client.post(url, data or {})
            if response.status_code != expected[persona]:
                problems.append(
                    f"{method.upper()} {name} as {persona}: {response.status_code}, expected {expected[persona]}"
                )
                continue
            revealing = name == "web:case_reveal" and response.status_code == 200
            if leak and not revealing and response.status_code < 500 and hasattr(response, "content"):
                found = _leaks(response.content)
                # The queue and reports list case B (named, same customer) for those who see it.
                if found and not (persona in SEE_B and name in ("web:queue",)):
                    problems.append(f"{method.upper()} {name} as {persona}: shows {found}")
    assert not problems, "\n".join(problems)
