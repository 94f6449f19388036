from kefu.cases.services import case_transition


def test_complaint_full_lifecycle(org, make_case):
    case = make_case(subject_person=org.technician)
    assert case.stage == "registered"
    steps = [
        ("establish", org.agent, {}),
        ("route", org.agent, {"unit": org.aftersales.pk, "assignee": org.handler.pk}),
        ("finding", org.handler, {"cause": "技术员迟到", "responsibility": "company"}),
        ("propose_remedy", org.handler, {"remedies": [{"kind": "allowance", "amount": "5000"}]}),
        ("approve", org.manager, {}),
        ("approve", org.deputy_gm, {}),
        ("reply", org.handler, {"reply": "已致歉并补偿"}),
        ("customer_accept", org.agent, {}),
        ("return_visit", org.agent, {"note": "满意"}),
        ("review", org.supervisor, {"summary": "加强培训"}),
        ("archive", org.agent, {}),
    ]
    for name, actor, data in steps:
        case = case_transition(case=case, actor=actor, transition=name, expected_version=case.version, data=data)
    assert case.stage == "archived"
    assert case.events.count() == case.version
