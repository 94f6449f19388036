"""Permission-matrix rows (tests/matrix_kit.py) for customer files: the timeline API and 今日关怀.

The timeline of 王建国 (W) is readable by whoever may read the file (the same people as
GET /api/v1/customers/{id}/); it names the customer by design (the file's own history), so no leak
check here — kefu/customers/tests/test_timeline.py shows its sources hide anonymous case A from
those who may not see its complainant. A care task for W's contact is assigned to the agent: only the agent
(and administrators, superusers) may mark it; the row posts no channel, so it changes nothing (400)."""

from __future__ import annotations

from tests.matrix_kit import LOGIN, row

READ_W = "agent__agent2__cs_sup__sup__out_sup__adminrole__root__dgm__quality__gm"


def build(world) -> dict:
    from datetime import date

    from kefu.customers.models import CareTask

    people, wang = world["people"], world["ids"]["W"]
    task = CareTask.objects.create(
        customer=wang,
        contact=wang.contacts.first(),
        occasion="birthday",
        year=2026,
        occasion_date=date(2026, 12, 2),
        due_date=date(2026, 12, 2),
        assignee=people["agent"],
        message="王建国您好，祝您生日快乐！",
    )
    return {"care_task": task}


API_ROWS = {
    ("get", "/api/v1/customers/{id}/timeline/"): ({"id": "W"}, None, row(404, **{READ_W: 200}), False),
}

WEB_ROWS = {
    "web:care": ("get", {}, None, row(200, anon=LOGIN), False),
}
