"""Read-only organisation endpoints used by pickers: /api/v1/units/ and /api/v1/staff/."""

import pytest

from kefu.org.models import OrgUnit, User


def _rows(response):
    assert response.status_code == 200, response.json()
    return response.json()["results"]


def test_units_are_listed_in_tree_order(api, org):
    rows = _rows(api(org.agent).get("/api/v1/units/"))
    codes = [r["code"] for r in rows]
    assert (
        codes.index("group") < codes.index("east") < codes.index("hz") < codes.index("hz-as") < codes.index("hz-as-1")
    )
    team = next(r for r in rows if r["code"] == "hz-as-1")
    assert team["parent"] == org.aftersales.pk and team["depth"] == org.aftersales.depth + 1 and team["kind"] == "team"


def test_units_filter_by_parent_and_kind(api, org):
    client = api(org.agent)
    assert sorted(r["code"] for r in _rows(client.get("/api/v1/units/", {"parent": org.city.pk}))) == [
        "hz-as",
        "hz-cs",
    ]
    assert sorted(r["code"] for r in _rows(client.get("/api/v1/units/", {"kind": "city"}))) == ["hz", "nb"]
    assert client.get("/api/v1/units/", {"kind": "galaxy"}).status_code == 400


def test_inactive_units_are_not_offered(api, org):
    OrgUnit.objects.filter(pk=org.team.pk).update(is_active=False)
    assert "hz-as-1" not in [r["code"] for r in _rows(api(org.agent).get("/api/v1/units/"))]


def test_units_are_read_only(api, org):
    client = api(org.admin)
    assert client.post("/api/v1/units/", {"name": "新部门", "code": "new"}, format="json").status_code == 405
    assert not OrgUnit.objects.filter(code="new").exists()


def test_staff_list_for_pickers(api, org):
    rows = _rows(api(org.agent).get("/api/v1/staff/", {"page_size": 200}))
    handler = next(r for r in rows if r["username"] == "handler")
    assert handler == {
        "id": org.handler.pk,
        "username": "handler",
        "name": "handler",
        "role": "handler",
        "role_label": handler["role_label"],
        "unit": org.aftersales.pk,
        "unit_name": "售后部",
    }
    assert "password" not in str(rows) and "email" not in rows[0]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"role": "supervisor"}, ["cs_supervisor", "outsider_supervisor", "supervisor"]),
        ({"unit": "AFTERSALES"}, ["handler", "manager", "supervisor"]),
        ({"q": "agent"}, ["agent", "agent2"]),
        ({"role": "agent", "unit": "SERVICE"}, ["agent", "agent2"]),
    ],
)
def test_staff_filters(api, org, params, expected):
    units = {"AFTERSALES": org.aftersales.pk, "SERVICE": org.service.pk}
    params = {k: units.get(v, v) for k, v in params.items()}
    assert [r["username"] for r in _rows(api(org.agent).get("/api/v1/staff/", params))] == expected


@pytest.mark.parametrize("params", [{"role": "king"}, {"unit": "abc"}, {"unit": "99999999999999999999999"}])
def test_bad_staff_filters_are_400(api, org, params):
    response = api(org.agent).get("/api/v1/staff/", params)
    assert response.status_code == 400
    assert set(params) <= set(response.json()["errors"])


def test_deactivated_staff_are_not_offered(api, org):
    User.objects.filter(pk=org.agent2.pk).update(is_active=False)
    assert "agent2" not in [r["username"] for r in _rows(api(org.agent).get("/api/v1/staff/", {"page_size": 200}))]
