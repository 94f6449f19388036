"""Moving cases through the API: rulebook transitions, the operations outside the graph, and 409s."""

import pytest

from kefu.cases.models import Case

URL = "/api/v1/cases/"


def _transition(client, case_id, name, version, data=None):
    body = {"transition": name, "version": version}
    if data is not None:
        body["data"] = data
    return client.post(f"{URL}{case_id}/transition/", body, format="json")


def _drive(api, case_id, steps, version=1):
    """Take each (name, actor, data) through the API, checking each lands; returns the last body."""
    body = None
    for name, actor, data in steps:
        response = _transition(api(actor), case_id, name, version, data)
        assert response.status_code == 200, (name, response.json())
        body = response.json()
        assert body["version"] > version
        version = body["version"]
    return body


def _snapshot(case_id):
    case = Case.objects.get(pk=case_id)
    return case.version, case.stage, case.status, case.owner_id, case.events.count()


# --------------------------------------------------------------------------------------------------
# Every transition of the complaint type, end to end


def test_complaint_lifecycle_with_a_declined_remedy_through_the_api(api, org, make_case):
    case = make_case(subject_person=org.technician)
    steps = [
        ("establish", org.agent, {"comment": "核实属实"}),
        ("route", org.agent, {"unit": org.aftersales.pk, "assignee": org.handler.pk}),
        ("finding", org.handler, {"cause": "技术员迟到两小时", "responsibility": "company"}),
        ("propose_remedy", org.handler, {"remedies": [{"kind": "allowance", "amount": "5000"}]}),
        ("decline", org.manager, {"comment": "金额过高"}),
        ("propose_remedy", org.handler, {"remedies": [{"kind": "allowance", "amount": "3000"}]}),
        ("approve", org.manager, {}),
        ("approve", org.deputy_gm, {}),  # 3000 is above the manager's 2000 limit
        ("reply", org.handler, {"reply": "已致歉并补贴三千元"}),
        ("customer_accept", org.agent, {}),
        ("return_visit", org.agent, {"note": "客户满意"}),
        ("review", org.supervisor, {"summary": "加强守时培训"}),
        ("archive", org.agent, {}),
    ]
    expected_stages = [
        "forwarded",
        "investigating",
        "solution",
        "approving",
        "solution",
        "approving",
        "approving",  # first of two approvals: the case waits for the next step
        "replying",
        "awaiting_customer",
        "return_visit",
        "review",
        "closed",
        "archived",
    ]
    version = 1
    for (name, actor, data), stage in zip(steps, expected_stages, strict=True):
        response = _transition(api(actor), case.pk, name, version, data)
        assert response.status_code == 200, (name, response.json())
        body = response.json()
        assert body["stage"] == stage, name
        version = body["version"]
    assert body["status"] == "archived"
    assert body["validity"] == "established" and body["responsibility"] == "company"
    assert body["remedy_total"] == "3000.00"
    assert [(a["role"], a["decision"]) for a in body["approvals"]] == [
        ("manager", "declined"),
        ("manager", "approved"),
        ("deputy_gm", "approved"),
    ]
    assert [r["superseded"] for r in body["remedies"]] == [True, False]
    assert body["customer_accepted"] is True and body["closed_at"] and body["archived_at"]
    assert len(body["events"]) == body["version"]
    assert body["allowed_transitions"] == []


def test_complaint_that_does_not_stand_is_closed_and_archived(api, org, make_case):
    case = make_case()
    body = _drive(api, case.pk, [("not_established", org.agent, {"reason": "经核实，师傅按时到达。"})])
    assert (body["stage"], body["status"], body["validity"]) == ("not_established", "closed", "not_established")
    assert body["reply"] == "经核实，师傅按时到达。"
    customer_view = api(org.agent).get(f"{URL}{case.pk}/customer-view/").json()
    assert [n["body"] for n in customer_view["notes"]] == ["经核实，师傅按时到达。"]
    body = _drive(api, case.pk, [("archive", org.agent, {})], version=body["version"])
    assert body["status"] == "archived"


def test_customer_rejecting_the_answer_opens_a_follow_up_case(api, org, make_case):
    case = make_case()
    body = _drive(
        api,
        case.pk,
        [
            ("establish", org.agent, {}),
            ("route", org.agent, {"unit": org.aftersales.pk, "assignee": org.handler.pk}),
            ("finding", org.handler, {"cause": "沟通不足", "responsibility": "company"}),
            ("propose_remedy", org.handler, {"remedies": [{"kind": "apology", "amount": "0"}]}),
            ("approve", org.manager, {}),
            ("reply", org.handler, {"reply": "深表歉意"}),
            ("customer_reject", org.agent, {"reason": "客户要求赔偿"}),
        ],
    )
    assert body["stage"] == "return_visit" and body["customer_accepted"] is False
    follow_up_id = body["events"][-1]["data"]["follow_up_id"]
    follow_up = api(org.agent).get(f"{URL}{follow_up_id}/").json()
    assert follow_up["parent"] == case.pk and follow_up["parent_number"] == case.number
    assert follow_up["stage"] == "registered" and follow_up["description"] == "客户要求赔偿"


# --------------------------------------------------------------------------------------------------
# Refusals


def test_wrong_stage_is_400_and_changes_nothing(api, org, make_case):
    case = make_case()
    before = _snapshot(case.pk)
    response = _transition(api(org.agent), case.pk, "reply", 1, {"reply": "好的"})
    assert response.status_code == 400
    assert "已受理" in response.json()["detail"]
    assert _snapshot(case.pk) == before


def test_unknown_transition_is_400_listing_the_known_ones(api, org, make_case):
    case = make_case()
    response = _transition(api(org.agent), case.pk, "teleport", 1)
    assert response.status_code == 400
    assert "establish" in response.json()["errors"]["transition"][0]


def test_wrong_role_is_403_and_changes_nothing(api, org, make_case):
    case = make_case()
    _drive(
        api,
        case.pk,
        [("establish", org.agent, {}), ("route", org.agent, {"unit": org.aftersales.pk})],
    )
    before = _snapshot(case.pk)
    # The agent still sees the case (they own it) but the finding belongs to the handling unit.
    response = _transition(api(org.agent), case.pk, "finding", 3, {"cause": "x", "responsibility": "company"})
    assert response.status_code == 403
    assert "客服专员" in response.json()["detail"]  # the role, named in the default language
    assert _snapshot(case.pk) == before


def test_approval_by_the_wrong_level_is_403(api, org, make_case):
    case = make_case()
    body = _drive(
        api,
        case.pk,
        [
            ("establish", org.agent, {}),
            ("route", org.agent, {"unit": org.aftersales.pk, "assignee": org.handler.pk}),
            ("finding", org.handler, {"cause": "x", "responsibility": "company"}),
            ("propose_remedy", org.handler, {"remedies": [{"kind": "refund", "amount": "100"}]}),
        ],
    )
    response = _transition(api(org.deputy_gm), case.pk, "approve", body["version"])
    assert response.status_code == 403  # the first step belongs to the manager
    assert Case.objects.get(pk=case.pk).approvals.count() == 0


@pytest.mark.parametrize(
    ("setup", "name", "data", "field"),
    [
        ([], "not_established", {}, "reason"),
        ([("establish", {})], "route", {}, "unit"),
        ([("establish", {})], "route", {"unit": 999999}, "unit"),
        ([("establish", {})], "route", {"unit": "not-an-id"}, "unit"),
        ([("establish", {})], "route", {"unit": "UNIT", "assignee": 999999}, "assignee"),
        ([("establish", {}), ("route", {"unit": "UNIT"})], "finding", {"cause": "x"}, "responsibility"),
        ([("establish", {}), ("route", {"unit": "UNIT"})], "finding", {"responsibility": "company"}, "cause"),
        (
            [("establish", {}), ("route", {"unit": "UNIT"}), ("finding", {"cause": "x", "responsibility": "company"})],
            "propose_remedy",
            {"remedies": [{"kind": "gold", "amount": "-1"}]},
            "remedies[0].kind",
        ),
        (
            [("establish", {}), ("route", {"unit": "UNIT"}), ("finding", {"cause": "x", "responsibility": "company"})],
            "propose_remedy",
            {"remedies": [{"kind": "refund", "amount": "12.345"}]},
            "remedies[0].amount",
        ),
        (
            [("establish", {}), ("route", {"unit": "UNIT"}), ("finding", {"cause": "x", "responsibility": "company"})],
            "propose_remedy",
            {},
            "remedies",
        ),
    ],
)
def test_missing_or_bad_transition_data_is_400_naming_the_field(api, org, make_case, setup, name, data, field):
    case = make_case()

    def resolve(d):
        return {k: (org.aftersales.pk if v == "UNIT" else v) for k, v in d.items()}

    # The supervisor of 售后部 can take every step here once the case is routed to their unit; the
    # agent (owner) takes the first ones.
    version = 1
    for step, step_data in setup:
        actor = org.agent if step in ("establish", "route") else org.supervisor
        response = _transition(api(actor), case.pk, step, version, resolve(step_data))
        assert response.status_code == 200, response.json()
        version = response.json()["version"]
    actor = org.agent if name in ("not_established", "route") else org.supervisor
    before = _snapshot(case.pk)
    response = _transition(api(actor), case.pk, name, version, resolve(data))
    assert response.status_code == 400
    assert field in response.json()["errors"], response.json()
    assert _snapshot(case.pk) == before


@pytest.mark.parametrize(
    "body",
    [
        {"transition": "establish"},
        {"transition": "establish", "version": "one"},
        {"transition": "establish", "version": 0},
        {"transition": "establish", "version": 10**30},
        {"transition": "establish", "version": 1, "data": "not a dict"},
        {"transition": "establish", "version": 1, "data": [1, 2]},
        {"version": 1},
        {"transition": ["establish"], "version": 1},
    ],
)
def test_garbage_transition_requests_are_400(api, org, make_case, body):
    case = make_case()
    response = api(org.agent).post(f"{URL}{case.pk}/transition/", body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"]
    assert _snapshot(case.pk)[0] == 1


# --------------------------------------------------------------------------------------------------
# Stale versions


def test_stale_version_on_a_transition_is_409_and_changes_nothing(api, org, make_case):
    case = make_case()
    client = api(org.agent)
    assert client.post(f"{URL}{case.pk}/notes/", {"body": "同事先加了备注"}, format="json").status_code == 201
    before = _snapshot(case.pk)
    response = _transition(client, case.pk, "establish", 1)
    assert response.status_code == 409
    assert response.json()["errors"]["version"] == ["当前版本为 2。"]
    assert _snapshot(case.pk) == before
    assert _transition(client, case.pk, "establish", 2).status_code == 200


def test_stale_version_on_a_transfer_is_409_and_changes_nothing(api, org, make_case):
    case = make_case()
    client = api(org.agent)
    assert _transition(client, case.pk, "establish", 1).status_code == 200
    before = _snapshot(case.pk)
    response = client.post(
        f"{URL}{case.pk}/transfer/", {"new_owner": org.agent2.pk, "version": 1, "reason": "换班"}, format="json"
    )
    assert response.status_code == 409
    assert _snapshot(case.pk) == before


@pytest.mark.parametrize(
    ("suffix", "body", "actor"),
    [
        ("suspend/", {"reason": "等资料"}, "cs_supervisor"),
        ("withdraw/", {"reason": "客户撤回"}, "agent"),
        ("merge/", {"into": "OTHER"}, "agent"),
    ],
)
def test_stale_version_on_other_operations_is_409(api, org, make_case, suffix, body, actor):
    case = make_case()
    other = make_case()
    api(org.agent).post(f"{URL}{case.pk}/notes/", {"body": "备注"}, format="json")
    before = _snapshot(case.pk)
    body = {k: (other.pk if v == "OTHER" else v) for k, v in body.items()}
    response = api(getattr(org, actor)).post(f"{URL}{case.pk}/{suffix}", {**body, "version": 1}, format="json")
    assert response.status_code == 409
    assert _snapshot(case.pk) == before


# --------------------------------------------------------------------------------------------------
# Operations outside the state graph


def test_transfer_hands_the_case_to_the_new_owner(api, org, make_case):
    case = make_case()
    response = api(org.agent).post(
        f"{URL}{case.pk}/transfer/",
        {"new_owner": org.agent2.pk, "unit": org.aftersales.pk, "version": 1, "reason": "交接班"},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["owner"]["id"] == org.agent2.pk and body["responsible_unit"]["id"] == org.aftersales.pk
    assert body["events"][-1]["kind"] == "transfer" and body["events"][-1]["message"] == "交接班"
    # agent2 now sees it; the old owner still does, as its receiver.
    assert api(org.agent2).get(f"{URL}{case.pk}/").status_code == 200
    assert api(org.agent).get(f"{URL}{case.pk}/").status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"new_owner": 999999, "reason": "x"}, "new_owner"),
        ({"new_owner": "AGENT2"}, "reason"),
        ({"new_owner": "AGENT", "reason": "x"}, "new_owner"),  # already the owner
        ({"new_owner": "AGENT2", "reason": "x", "unit": "nope"}, "unit"),
        ({"reason": "x"}, "new_owner"),
    ],
)
def test_bad_transfers_are_400(api, org, make_case, body, field):
    case = make_case()
    ids = {"AGENT2": org.agent2.pk, "AGENT": org.agent.pk}
    body = {k: ids.get(v, v) if isinstance(v, str) else v for k, v in body.items()}
    response = api(org.agent).post(f"{URL}{case.pk}/transfer/", {**body, "version": 1}, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert Case.objects.get(pk=case.pk).owner_id == org.agent.pk


def test_suspend_and_resume(api, org, make_case):
    case = make_case()
    client = api(org.cs_supervisor)
    response = client.post(f"{URL}{case.pk}/suspend/", {"version": 1}, format="json")
    assert response.status_code == 400 and "reason" in response.json()["errors"]
    response = client.post(f"{URL}{case.pk}/suspend/", {"version": 1, "reason": "等待检测报告"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "suspended"
    # While suspended no transition may be taken.
    assert _transition(api(org.agent), case.pk, "establish", 2).status_code == 400
    response = client.post(f"{URL}{case.pk}/resume/", {"version": 2}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "open"
    assert response.json()["stage"] == "registered"


def test_withdraw(api, org, make_case):
    case = make_case()
    response = api(org.agent).post(
        f"{URL}{case.pk}/withdraw/", {"version": 1, "reason": "客户已自行解决"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "withdrawn" and response.json()["closed_at"]
    response = api(org.agent).post(f"{URL}{case.pk}/withdraw/", {"version": 2, "reason": "again"}, format="json")
    assert response.status_code == 400


def test_reopen_a_closed_case(api, org, make_case):
    case = make_case("inquiry")
    body = _drive(api, case.pk, [("reply", org.agent, {"reply": "价格为 200 元"}), ("close", org.agent, {})])
    assert body["status"] == "closed"
    # Reopening is a supervisor's decision.
    response = api(org.agent).post(
        f"{URL}{case.pk}/reopen/", {"version": body["version"], "reason": "客户再次来电"}, format="json"
    )
    assert response.status_code == 403
    response = api(org.cs_supervisor).post(
        f"{URL}{case.pk}/reopen/", {"version": body["version"], "reason": "客户再次来电"}, format="json"
    )
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["stage"]) == ("open", "registered")


def test_reopen_an_open_case_is_400(api, org, make_case):
    case = make_case()
    response = api(org.cs_supervisor).post(f"{URL}{case.pk}/reopen/", {"version": 1, "reason": "x"}, format="json")
    assert response.status_code == 400


def test_merge_a_duplicate(api, org, make_case):
    original = make_case()
    duplicate = make_case(title="同一件事再次来电")
    response = api(org.agent).post(
        f"{URL}{duplicate.pk}/merge/", {"into": original.pk, "version": 1, "reason": "重复"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "merged" and response.json()["merged_into_number"] == original.number
    assert Case.objects.get(pk=original.pk).events.last().data == {"duplicate": duplicate.number}


def test_merge_into_a_case_the_user_cannot_see_is_400_as_if_it_did_not_exist(api, org, make_case):
    duplicate = make_case()
    hidden = make_case(actor=org.agent2)
    response = api(org.agent).post(f"{URL}{duplicate.pk}/merge/", {"into": hidden.pk, "version": 1}, format="json")
    assert response.status_code == 400
    assert "into" in response.json()["errors"]
    assert str(hidden.number) not in response.content.decode()
    assert Case.objects.get(pk=duplicate.pk).status == "open"


def test_merge_into_itself_is_400(api, org, make_case):
    case = make_case()
    response = api(org.agent).post(f"{URL}{case.pk}/merge/", {"into": case.pk, "version": 1}, format="json")
    assert response.status_code == 400 and "into" in response.json()["errors"]


def test_api_errors_follow_accept_language(api, org, make_case):
    case = make_case()
    url = f"/api/v1/cases/{case.pk}/transition/"
    body = {"transition": "establish", "version": 99, "data": {}}
    english = api(org.agent).post(url, body, format="json", HTTP_ACCEPT_LANGUAGE="en")
    chinese = api(org.agent).post(url, body, format="json")
    assert english.status_code == chinese.status_code == 409
    assert english.json()["errors"]["version"] == ["Current version is 1."]
    assert chinese.json()["errors"]["version"] == ["当前版本为 1。"]
