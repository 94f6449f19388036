"""The permission matrix: every API operation and every web page × every kind of person.

One row per operation (API: method and path of the OpenAPI schema) or page (URL name), with the
status each persona gets. A new endpoint or page without a row fails `test_every_*_has_a_row`:
add its row to API_ROWS or WEB_ROWS below (docs/architecture.md, "The permission matrix").

The world is built once per module: an anonymous complaint (A) about a technician, received by an
agent in 杭州 客服部, routed to 售后部 with a handler; a named case (B) of the same customer, not routed;
a second 客服部 in 宁波. Rows marked `leak` also check that no body a persona gets without a logged
"show" carries the anonymous complainant's name, phone or address.

Knowledge: an internal and a public article (the internal one owned by the agent), a reply template
that names the customer, a call script. Duty: a published roster of 杭州 客服部 for next month with
the agents' shifts, an open and a decided swap request, a handover already taken over. No body for
someone who may not read internal articles (not logged in, no role, and everyone on /help/) carries
the internal article's title or text.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import get_resolver
from rest_framework.test import APIClient

from tests.matrix_kit import (  # noqa: E402  (shared with the apps' own rows)
    ADDRESS,
    DESK,
    DESK_SUP,
    EDITORS,
    INTERNAL_TEXT,
    INTERNAL_TITLE,
    LOGIN,
    NAME,
    PERSONAS,
    PHONE,
    PUBLIC_TITLE,
    SEE_A,
    SEE_B,
    STAFF,
    UNIT_VIEW,
    app_matrices,
    only,
    row,
)

# API: (method, schema path) → (path args, body, expected, leak check)
API_ROWS: dict[tuple[str, str], tuple[dict[str, str], Any, dict[str, int], bool]] = {
    # A wrong password per persona's own name: five for one name would lock it (429, kefu/org/lockout.py).
    ("post", "/api/v1/auth/token/"): ({}, {"username": "persona", "password": "y"}, row(400, anon=400), False),
    # The matrix's clients are authenticated without a token: "revoke this token" says so (400);
    # "revoke all my tokens" works for anyone logged in.
    ("delete", "/api/v1/auth/token/"): ({}, None, row(400), False),
    ("delete", "/api/v1/auth/tokens/"): ({}, None, row(200), False),
    ("get", "/api/v1/reports/monthly/"): ({}, None, row(200), True),
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
    # Everyone who may see A may act on it here (owner, handler, supervisors and above); a missing reason is 400.
    ("post", "/api/v1/cases/{id}/classification/"): ({"id": "A"}, {"version": "v"}, only(SEE_A, 400, 404), True),
    ("get", "/api/v1/cases/{id}/clocks/"): ({"id": "A"}, None, only(SEE_A, 200, 404), True),
    ("post", "/api/v1/cases/{id}/clocks/{clock_id}/promise/"): (
        {"id": "A", "clock_id": "clock"},
        {},
        only(SEE_A, 400, 404),
        True,
    ),
    ("post", "/api/v1/cases/{id}/fields/"): ({"id": "A"}, {}, only(SEE_A, 400, 404), True),
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
    # Knowledge (docs/knowledge.md). GET bodies are query parameters.
    ("get", "/api/v1/knowledge/articles/"): ({}, {"q": "暖气片"}, row(200), False),
    ("post", "/api/v1/knowledge/articles/"): ({}, {}, only(EDITORS, 400, 403), False),
    ("get", "/api/v1/knowledge/articles/{id}/"): ({"id": "internal"}, None, only(STAFF, 200, 404), False),
    # Editors and the article's owner (the agent) change it; the check comes before the input's.
    ("patch", "/api/v1/knowledge/articles/{id}/"): (
        {"id": "internal"},
        {},
        only(EDITORS | {"agent"}, 400, 403, norole=404),
        False,
    ),
    ("get", "/api/v1/knowledge/articles/{id}/versions/"): ({"id": "internal"}, None, only(STAFF, 200, 404), False),
    ("post", "/api/v1/knowledge/articles/{id}/solved/"): ({"id": "internal"}, {}, only(STAFF, 400, 404), False),
    ("get", "/api/v1/knowledge/categories/"): ({}, None, row(200), False),
    ("get", "/api/v1/knowledge/greeting/"): ({}, None, row(200), False),
    ("get", "/api/v1/knowledge/overrides/"): ({}, None, only(UNIT_VIEW, 200, 403), False),
    ("get", "/api/v1/knowledge/scripts/"): ({}, None, only(STAFF, 200, 403), False),
    ("get", "/api/v1/knowledge/scripts/{code}/"): ({"code": "script"}, None, only(STAFF, 200, 403), False),
    ("post", "/api/v1/knowledge/taboo-check/"): (
        {},
        {"case": "A", "text": "喂，干什么"},
        only(SEE_A, 200, 400),
        True,
    ),
    ("get", "/api/v1/knowledge/templates/"): ({}, None, only(STAFF, 200, 403), False),
    ("post", "/api/v1/knowledge/templates/"): ({}, {}, only(EDITORS, 400, 403), False),
    ("patch", "/api/v1/knowledge/templates/{id}/"): ({"id": "template"}, {"name": ""}, only(EDITORS, 400, 403), False),
    # The template says {客户姓名}: filled in for a named case, never with an anonymous complainant.
    ("get", "/api/v1/knowledge/templates/{id}/render/"): (
        {"id": "template"},
        {"case": "A"},
        only(SEE_A, 200, 404, norole=403),
        True,
    ),
    # Duty (docs/duty.md): the roster is 杭州 客服部's; the swap and handover are decided/taken over.
    ("get", "/api/v1/duty/handovers/"): ({}, None, row(200), False),
    ("post", "/api/v1/duty/handovers/"): ({}, {}, row(400), False),  # own unit's log; no unit: 400 too
    ("post", "/api/v1/duty/handovers/{id}/receive/"): (
        {"id": "handover"},
        None,
        only(DESK, 400, 404, quality=403),
        False,
    ),
    ("get", "/api/v1/duty/on-duty/"): ({}, {"unit": "desk"}, row(200), False),
    ("get", "/api/v1/duty/patterns/"): ({}, None, row(200), False),
    ("get", "/api/v1/duty/rosters/"): ({}, None, row(200), False),
    ("post", "/api/v1/duty/rosters/"): (
        {},
        {"unit": "desk", "month": "roster_month"},  # the month has its roster already
        only(DESK_SUP, 400, 403),
        False,
    ),
    ("get", "/api/v1/duty/rosters/{id}/"): ({"id": "roster"}, None, only(DESK, 200, 404), False),
    ("post", "/api/v1/duty/rosters/{id}/publish/"): (
        {"id": "roster"},
        None,
        only(DESK, 403, 404, **{"__".join(DESK_SUP): 200}),  # published already: nothing changes
        False,
    ),
    ("post", "/api/v1/duty/rosters/{id}/rotation/"): (
        {"id": "roster"},
        {},
        only(DESK, 403, 404, **{"__".join(DESK_SUP): 400}),
        False,
    ),
    ("post", "/api/v1/duty/rosters/{id}/shifts/"): (
        {"id": "roster"},
        {},
        only(DESK, 403, 404, **{"__".join(DESK_SUP): 400}),
        False,
    ),
    ("get", "/api/v1/duty/shifts/"): ({}, None, row(200), False),
    ("get", "/api/v1/duty/shifts/{id}/"): ({"id": "shift"}, None, only(DESK, 200, 404), False),
    # Only the person on the shift checks in (it opens two hours before it starts: 400 for her).
    ("post", "/api/v1/duty/shifts/{id}/check-in/"): ({"id": "shift"}, None, only(DESK, 403, 404, agent=400), False),
    ("get", "/api/v1/duty/swaps/"): ({}, None, row(200), False),
    # Only the person on the shift asks (her shift has a request waiting already: 400).
    ("post", "/api/v1/duty/swaps/"): (
        {},
        {"shift": "shift", "counterpart": "agent2", "reason": "家中有事"},
        row(403, agent=400),
        False,
    ),
    # A supervisor of the unit decides (this one is decided: 400); nobody decides a swap they are part of.
    ("post", "/api/v1/duty/swaps/{id}/approve/"): (
        {"id": "swap_done"},
        {},
        only(DESK, 403, 404, **{"__".join(DESK_SUP): 400}),
        False,
    ),
    ("post", "/api/v1/duty/swaps/{id}/reject/"): (
        {"id": "swap_done"},
        {},
        only(DESK, 403, 404, **{"__".join(DESK_SUP): 400}),
        False,
    ),
    ("post", "/api/v1/duty/swaps/{id}/withdraw/"): ({"id": "swap_done"}, None, only(DESK, 403, 404, agent=400), False),
}

# Web: URL name → (method, kwargs, form data, expected, leak check)
WEB_ROWS: dict[str, tuple[str, dict[str, str], dict[str, Any] | None, dict[str, int], bool]] = {
    "web:queue": ("get", {}, None, row(200, anon=LOGIN), True),
    # The queue as an Excel sheet: the anonymous complainant stays hidden there too.
    "web:queue_export": ("get", {}, None, row(200, anon=LOGIN), True),
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
    "web:case_fields": ("post", {"number": "A"}, {}, only(SEE_A, 400, 404, anon=LOGIN), True),
    "web:case_promise": ("post", {"number": "A", "clock_id": "clock"}, {}, only(SEE_A, 400, 404, anon=LOGIN), True),
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
    # Knowledge: signed in without a role one searches the public articles only.
    "knowledge:search": ("get", {}, {"q": "暖气片"}, row(200, anon=LOGIN), False),
    "knowledge:article": ("get", {"pk": "internal"}, None, only(STAFF, 200, 404, anon=LOGIN), False),
    "knowledge:article_new": ("get", {}, None, only(EDITORS, 200, 403, anon=LOGIN), False),
    "knowledge:article_edit": (
        "get",
        {"pk": "internal"},
        None,
        only(EDITORS | {"agent"}, 200, 403, anon=LOGIN, norole=404),
        False,
    ),
    # From case A: those who see it get the mark (once; then "already noted"), others 404.
    "knowledge:article_solved": (
        "post",
        {"pk": "internal"},
        {"case": "A"},
        only(SEE_A, 302, 404, anon=LOGIN),
        True,
    ),
    "knowledge:article_version": (
        "get",
        {"pk": "internal", "number": "1"},
        None,
        only(STAFF, 200, 404, anon=LOGIN),
        False,
    ),
    "knowledge:article_restore": (  # no version 999: nothing changes, the page says so
        "post",
        {"pk": "internal", "number": "999"},
        {},
        only(EDITORS | {"agent"}, 302, 403, anon=LOGIN, norole=404),
        False,
    ),
    "knowledge:templates": ("get", {}, None, only(STAFF, 200, 403, anon=LOGIN), False),
    "knowledge:template_new": ("get", {}, None, only(EDITORS, 200, 403, anon=LOGIN), False),
    "knowledge:template_edit": ("get", {"pk": "template"}, None, only(EDITORS, 200, 403, anon=LOGIN), False),
    "knowledge:template_render": (
        "get",
        {"pk": "template"},
        {"case": "A"},
        only(SEE_A, 200, 404, anon=LOGIN, norole=403),
        True,
    ),
    "knowledge:scripts": ("get", {}, None, only(STAFF, 200, 403, anon=LOGIN), False),
    "knowledge:script_call": ("get", {"code": "script"}, None, only(STAFF, 200, 403, anon=LOGIN), False),
    "knowledge:phrases": ("get", {}, None, row(200, anon=LOGIN), False),
    # The public help centre: no account needed, public articles only.
    "help:search": ("get", {}, {"q": "暖气片"}, row(200, anon=200), False),
    "help:article": ("get", {"pk": "public"}, None, row(200, anon=200), False),
    # Duty
    "duty:home": ("get", {}, None, row(200, anon=LOGIN), False),
    "duty:rosters": ("get", {}, None, row(200, anon=LOGIN), False),
    "duty:roster": ("get", {"pk": "roster"}, None, only(DESK, 200, 404, anon=LOGIN), False),
    "duty:roster_rotation": (
        "post",
        {"pk": "roster"},
        {},
        only(DESK, 403, 404, anon=LOGIN, **{"__".join(DESK_SUP): 400}),
        False,
    ),
    "duty:roster_shift": (
        "post",
        {"pk": "roster"},
        {},
        only(DESK, 403, 404, anon=LOGIN, **{"__".join(DESK_SUP): 400}),
        False,
    ),
    "duty:roster_publish": (
        "post",
        {"pk": "roster"},
        {},
        only(DESK, 403, 404, anon=LOGIN, **{"__".join(DESK_SUP): 302}),
        False,
    ),
    # One's own shifts only (check-in opens two hours before: the page says so).
    "duty:check_in": ("post", {"pk": "shift"}, {}, only({"agent"}, 302, 404, anon=LOGIN), False),
    "duty:swap_new": ("get", {"pk": "shift"}, None, only({"agent"}, 200, 404, anon=LOGIN), False),
    # Offered to the unit's supervisors only, never to the two people swapping; no button pressed: no change.
    "duty:swap_decide": ("post", {"pk": "swap_open"}, {}, only(DESK_SUP, 302, 404, anon=LOGIN), False),
    "duty:swap_withdraw": ("post", {"pk": "swap_done"}, {}, only({"agent"}, 302, 404, anon=LOGIN), False),
    "duty:handover": ("get", {}, None, row(200, anon=LOGIN), False),
    "duty:handover_receive": ("post", {"pk": "handover"}, {}, only(DESK, 302, 404, anon=LOGIN), False),
}


# The apps' own rows (kefu/<app>/tests/matrix.py, see tests/matrix_kit.py).
for _matrix in app_matrices():
    API_ROWS.update(getattr(_matrix, "API_ROWS", {}))
    WEB_ROWS.update(getattr(_matrix, "WEB_ROWS", {}))


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
        ids.update(_knowledge(people))
        ids.update(_duty(people, hz_cs))
        units = {"group": group, "hz": hz, "nb": nb, "hz_cs": hz_cs, "nb_cs": nb_cs, "hz_as": hz_as, "team": team}
        built = {
            "people": people,
            "units": units,
            "ids": ids,
            "values": {"roster_month": ids["roster"].month.isoformat()},
        }
        for matrix in app_matrices():
            if hasattr(matrix, "build"):
                made = matrix.build(built)
                # Two apps naming their objects alike would test one app's page with the other's id
                # (which passed on SQLite only because both tables started at id 1).
                clash = sorted(set(made) & set(ids))
                assert not clash, f"{matrix.__name__} reuses the world's names {clash}: give them an app prefix"
                ids.update(made)
        yield built
        transaction.set_rollback(True)


def _knowledge(people) -> dict[str, Any]:
    from kefu.knowledge.models import CallScript, CallScriptStep
    from kefu.knowledge.services import article_create, reply_template_save

    editor = people["cs_sup"]
    internal = article_create(
        title=INTERNAL_TITLE,
        body=f"{INTERNAL_TEXT}，再派维修工上门。",
        tags=["暖气"],
        owner=people["agent"],  # the owner may edit it without an editing role
        actor=editor,
    )
    public = article_create(
        title=PUBLIC_TITLE,
        body="请先检查进水阀门是否完全打开，再为暖气片排气。",
        visibility="public",
        actor=editor,
    )
    template = reply_template_save(
        name="受理回复", body="{客户姓名}您好，您反映的问题已受理，工单号{工单号}。", actor=editor
    )
    # Call scripts are configured in the admin (no service writes them).
    script = CallScript.objects.create(
        name="报修接听",
        code="m-repair",
        case_type="inquiry",
        category="product",
        opening="{问候语}，报修热线为您服务。",
        updated_by=people["adminrole"],
    )
    CallScriptStep.objects.create(script=script, order=1, question="请问是什么问题？", field="description")
    return {"internal": internal, "public": public, "template": template, "script": script}


def _duty(people, desk) -> dict[str, Any]:
    from datetime import time, timedelta

    from django.utils import timezone

    from kefu.duty.models import ShiftPattern
    from kefu.duty.services import (
        handover_receive,
        handover_write,
        roster_add_shift,
        roster_create,
        roster_publish,
        swap_decide,
        swap_request,
    )

    agent, agent2, sup = people["agent"], people["agent2"], people["cs_sup"]
    month = (timezone.localdate().replace(day=1) + timedelta(days=32)).replace(day=1)  # shifts not started yet
    # Shift patterns are configured in the admin.
    pattern = ShiftPattern.objects.create(name="24小时班", code="m-day24", start=time(8), duration_minutes=1440)
    roster = roster_create(unit=desk, month=month, actor=sup)
    shift = roster_add_shift(roster=roster, pattern=pattern, person=agent, day=month.replace(day=10), actor=sup)
    other = roster_add_shift(roster=roster, pattern=pattern, person=agent, day=month.replace(day=12), actor=sup)
    roster_add_shift(roster=roster, pattern=pattern, person=agent2, day=month.replace(day=11), actor=sup)
    roster_publish(roster=roster, actor=sup)
    swap_open = swap_request(shift=shift, counterpart=agent2, actor=agent, reason="家中有事")
    swap_done = swap_request(shift=other, counterpart=agent2, actor=agent, reason="就医")
    swap_decide(request=swap_done, actor=sup, approve=False, note="人手不足")
    handover = handover_write(unit=desk, actor=agent, body="夜班交接：3 张工单待回访。")
    handover_receive(entry=handover, actor=agent2)
    return {
        "desk": desk,
        "roster": roster,
        "shift": shift,
        "swap_open": swap_open,
        "swap_done": swap_done,
        "handover": handover,
    }


def _value(world, key: str, name: str = "") -> str:
    obj = world["ids"].get(key)
    if obj is None:
        return key
    return obj.code if name == "code" else str(obj.pk)


def _resolve(world, value: Any, *, case_number: bool = False) -> Any:
    """A world name in a body or form becomes the object's id (a case's number on the web pages)."""
    from kefu.cases.models import Case

    if isinstance(value, list):
        return [_resolve(world, v, case_number=case_number) for v in value]
    if not isinstance(value, str):
        return value
    if value == "v":
        return Case.objects.get(pk=world["ids"]["A"].pk).version
    if value in ("A", "B") and case_number:
        return Case.objects.get(pk=world["ids"][value].pk).number
    if value in world["ids"]:
        return world["ids"][value].pk
    if value in world["people"]:
        return world["people"][value].pk
    return world["values"].get(value, value)


def _body(world, body: Any) -> Any:
    if body == "exe":
        return {"file": SimpleUploadedFile("invoice.png", b"MZ\x90\x00" + b"\x00" * 64)}
    if not isinstance(body, dict):
        return body
    return {key: _resolve(world, value) for key, value in body.items()}


def _leaks(content: bytes) -> list[str]:
    text = content.decode("utf-8", "replace")
    return [s for s in (NAME, PHONE, "138-1234-5678", ADDRESS) if s in text]


def _internal_leaks(content: bytes) -> list[str]:
    """The internal article's title or text, in a body for someone who may not read it."""
    text = content.decode("utf-8", "replace")
    return [s for s in (INTERNAL_TITLE, INTERNAL_TEXT) if s in text]


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
    for namespace in get_resolver().namespace_dict:
        if namespace == "admin":  # Django's admin: staff only, its own permissions
            continue
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
            url = url.replace("{" + name + "}", _value(world, key, name))
        for persona in PERSONAS:
            client = APIClient()
            if persona != "anon":
                client.force_authenticate(world["people"][persona])
            data = _body(world, body)
            if isinstance(data, dict) and data.get("username") == "persona":
                data["username"] = persona
            fmt = "multipart" if body == "exe" else "json"
            response = getattr(client, method)(url, data, format=fmt) if method != "get" else client.get(url, data)
            if response.status_code != expected[persona]:
                problems.append(
                    f"{method.upper()} {path} as {persona}: {response.status_code}, expected {expected[persona]}"
                )
            elif leak and "reveal" not in path and response.status_code < 300 and _leaks(response.content):
                problems.append(f"{method.upper()} {path} as {persona}: shows {_leaks(response.content)}")
            elif persona not in STAFF and _internal_leaks(response.content):
                problems.append(f"{method.upper()} {path} as {persona}: shows {_internal_leaks(response.content)}")
    assert not problems, "\n".join(problems)


@pytest.mark.django_db
def test_web_matrix(world):
    from django.urls import reverse

    from kefu.cases.models import Case

    problems = []
    for name, (method, kwargs, data, expected, leak) in WEB_ROWS.items():
        resolved = {
            k: (Case.objects.get(pk=world["ids"][v].pk).number if v in ("A", "B") else _value(world, v, k))
            for k, v in kwargs.items()
        }
        url = reverse(name, kwargs=resolved)
        form = {k: _resolve(world, v, case_number=True) for k, v in (data or {}).items()}
        for persona in PERSONAS:
            client = Client()
            if persona != "anon":
                client.force_login(world["people"][persona])
            response = client.get(url, form) if method == "get" else client.post(url, form)
            if response.status_code != expected[persona]:
                problems.append(
                    f"{method.upper()} {name} as {persona}: {response.status_code}, expected {expected[persona]}"
                )
                continue
            public_page = name.startswith("help:")
            if (persona not in STAFF or public_page) and hasattr(response, "content"):
                if _internal_leaks(response.content):
                    problems.append(f"{method.upper()} {name} as {persona}: shows {_internal_leaks(response.content)}")
            revealing = name == "web:case_reveal" and response.status_code == 200
            if leak and not revealing and response.status_code < 500 and hasattr(response, "content"):
                found = _leaks(response.content)
                # The queue and reports list case B (named, same customer) for those who see it.
                if found and not (persona in SEE_B and name in ("web:queue", "web:queue_export")):
                    problems.append(f"{method.upper()} {name} as {persona}: shows {found}")
    assert not problems, "\n".join(problems)


@pytest.mark.django_db
def test_internal_articles_stay_inside(world):
    """/help/ needs no account and shows public articles only, to everyone; a signed-in account
    without a role finds the same in the knowledge base, staff find the internal article too."""
    from django.urls import reverse

    internal = world["ids"]["internal"]
    for persona in PERSONAS:
        client = Client()
        if persona != "anon":
            client.force_login(world["people"][persona])
        assert client.get(reverse("help:article", args=[internal.pk])).status_code == 404, persona
        page = client.get(reverse("help:search"), {"q": "暖气片不热 处理流程"}).content.decode()
        assert PUBLIC_TITLE in page and INTERNAL_TITLE not in page, persona
        if persona == "anon":
            continue
        page = client.get(reverse("knowledge:search"), {"q": "暖气片不热 处理流程"}).content.decode()
        assert PUBLIC_TITLE in page or persona in STAFF, persona
        assert (INTERNAL_TITLE in page) == (persona in STAFF), persona
