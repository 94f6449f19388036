"""The queue's Excel export: the cases the person may see, and an anonymous complainant stays hidden."""

from io import BytesIO

from django.urls import reverse
from openpyxl import load_workbook


def _rows(client) -> list[tuple]:
    response = client.get(reverse("web:queue_export"))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    sheet = load_workbook(BytesIO(response.content)).active
    return list(sheet.iter_rows(values_only=True))


def test_an_anonymous_complainant_is_not_in_the_export(client, org, make_case, customer):
    """001 篇10 第十九条: the complainant's name is kept from everyone the rulebook does not name — in the
    export as on the page; the handler in the unit complained about sees "匿名投诉人"."""
    named = make_case(title="账单疑问")
    hidden = make_case(is_anonymous=True, title=f"{customer.name}来电：维修工态度恶劣")
    from kefu.cases.services import case_transition

    hidden = case_transition(case=hidden, actor=org.agent, transition="establish", expected_version=hidden.version)
    case_transition(
        case=hidden,
        actor=org.agent,
        transition="route",
        expected_version=hidden.version,
        data={"unit": org.aftersales.pk, "assignee": org.handler.pk},
    )
    client.force_login(org.handler)
    rows = _rows(client)
    text = "\n".join(str(cell) for row in rows for cell in row if cell is not None)
    assert hidden.number in text and named.number not in text  # the handler sees only the routed case
    assert customer.name not in text
    assert "匿名投诉人" in text
    client.force_login(org.agent)  # the receiver sees both; the named one with its customer
    text = "\n".join(str(cell) for row in _rows(client) for cell in row if cell is not None)
    assert named.number in text and hidden.number in text
