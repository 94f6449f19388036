"""The screens: who may see them, what they show, and that writes go through the services."""

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kefu.cases.models import Case, CaseNote
from kefu.cases.services import case_transition
from kefu.customers.models import Customer

pytestmark = pytest.mark.django_db


def case_url(case, view="web:case", **kwargs):
    return reverse(view, kwargs={"number": case.number, **kwargs})


def advance(case, steps):
    for name, actor, data in steps:
        case = case_transition(case=case, actor=actor, transition=name, expected_version=case.version, data=data)
    return case


def to_approving(org, case, amount="500"):
    return advance(
        case,
        [
            ("establish", org.agent, {}),
            ("route", org.agent, {"unit": org.aftersales.pk, "assignee": org.handler.pk}),
            ("finding", org.handler, {"cause": "迟到", "responsibility": "company"}),
            ("propose_remedy", org.handler, {"remedies": [{"kind": "allowance", "amount": amount}]}),
        ],
    )


# --------------------------------------------------------------------------------------------------
# Access


@pytest.mark.parametrize("name", ["web:queue", "web:intake", "web:unit"])
def test_anonymous_is_sent_to_login(client, rulebooks, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("web:login"))


def test_anonymous_case_page_redirects_to_login(client, make_case):
    response = client.get(case_url(make_case()))
    assert response.status_code == 302
    assert reverse("web:login") in response["Location"]


def test_login_page_is_served_at_both_addresses(client, org):
    assert client.get(reverse("web:login")).status_code == 200
    assert client.get("/accounts/login/").status_code == 200


def test_login_and_logout(client, org):
    response = client.post(reverse("web:login"), {"username": "agent", "password": "pw-agent"})
    assert response.status_code == 302
    assert client.get(reverse("web:queue")).status_code == 200
    assert client.post(reverse("web:logout")).status_code == 302
    assert client.get(reverse("web:queue")).status_code == 302


def test_case_page_for_the_right_people_only(client, org, make_case):
    case = make_case(subject_person=org.technician)
    for person, expected in [
        (org.agent, 200),
        (org.quality, 200),
        (org.cs_supervisor, 200),
        (org.outsider, 404),
        (org.outsider_supervisor, 404),
        (org.technician, 404),  # the person complained about never sees the case
        (org.agent2, 404),
    ]:
        client.force_login(person)
        assert client.get(case_url(case)).status_code == expected, person.username


def test_outsider_cannot_post_to_a_case(client, org, make_case):
    case = make_case()
    client.force_login(org.outsider)
    response = client.post(case_url(case, "web:case_transition", name="establish"), {"establish-version": 1})
    assert response.status_code == 404
    case.refresh_from_db()
    assert case.stage == "registered"


def test_queue_lists_only_visible_cases(client, org, make_case):
    mine = make_case(title="我的工单")
    other = make_case(actor=org.outsider, title="别人的工单")
    client.force_login(org.agent)
    body = client.get(reverse("web:queue")).content.decode()
    assert mine.number in body
    assert other.number not in body


def test_unit_view_for_supervisors_only(client, org, make_case):
    case = make_case()
    advance(
        case,
        [("establish", org.agent, {}), ("route", org.agent, {"unit": org.aftersales.pk, "assignee": org.handler.pk})],
    )
    client.force_login(org.supervisor)
    response = client.get(reverse("web:unit"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "调查中" in body
    assert str(org.handler) in body
    client.force_login(org.agent)
    assert client.get(reverse("web:unit")).status_code == 403
    client.force_login(org.outsider_supervisor)
    response = client.get(reverse("web:unit"))
    assert response.status_code == 200
    assert "调查中" not in response.content.decode()


# --------------------------------------------------------------------------------------------------
# Queue


def test_queue_filters_and_sorting(client, org, make_case):
    complaint = make_case(title="投诉甲")
    inquiry = make_case("inquiry", title="咨询乙")
    client.force_login(org.agent)
    body = client.get(reverse("web:queue"), {"case_type": "inquiry"}).content.decode()
    assert inquiry.number in body and complaint.number not in body
    body = client.get(reverse("web:queue"), {"q": complaint.number[:-1]}).content.decode()
    assert complaint.number in body
    body = client.get(reverse("web:queue"), {"q": "咨询"}).content.decode()
    assert inquiry.number in body and complaint.number not in body
    body = client.get(reverse("web:queue"), {"q": "王建"}).content.decode()
    assert inquiry.number in body and complaint.number in body
    body = client.get(reverse("web:queue"), {"sort": "number"}).content.decode()
    assert body.index(complaint.number) < body.index(inquiry.number)
    body = client.get(reverse("web:queue"), {"sort": "-number"}).content.decode()
    assert body.index(inquiry.number) < body.index(complaint.number)
    body = client.get(reverse("web:queue"), {"status": "closed"}).content.decode()
    assert complaint.number not in body
    body = client.get(reverse("web:queue"), {"mine": "on", "stage": "registered", "channel": "phone"}).content.decode()
    assert complaint.number in body
    assert (
        client.get(reverse("web:queue"), {"received_from": "2000-01-01", "received_to": "2000-01-02"}).status_code
        == 200
    )


def test_queue_pages_without_counting(client, org, make_case, django_assert_max_num_queries):
    for i in range(31):
        make_case(title=f"工单 {i}")
    client.force_login(org.cs_supervisor)
    # 13: the cases the person supervises are read first, so visible_to's OR stays on indexes.
    with django_assert_max_num_queries(13) as ctx:
        response = client.get(reverse("web:queue"))
    assert response.status_code == 200
    # No COUNT over cases; the header's unread badge is one COUNT on the inbox index.
    counts = [q["sql"] for q in ctx.captured_queries if "COUNT(" in q["sql"].upper()]
    assert all('"sla_notification"' in sql for sql in counts), counts
    assert response.context["page"].has_next
    assert len(response.context["page"].object_list) == 30
    second = client.get(reverse("web:queue"), {"page": 2})
    assert len(second.context["page"].object_list) == 1
    assert not second.context["page"].has_next


def test_queue_has_no_n_plus_one(client, org, make_case, django_assert_max_num_queries):
    make_case()
    client.force_login(org.cs_supervisor)
    client.get(reverse("web:queue"))  # warm the per-process rulebook cache
    with django_assert_max_num_queries(30) as one:
        client.get(reverse("web:queue"))
    for i in range(29):
        make_case(title=f"工单 {i}", actor=org.agent2 if i % 2 else org.agent)
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(reverse("web:queue"))
    assert len(response.context["page"].object_list) == 30


# --------------------------------------------------------------------------------------------------
# Intake


def intake_data(**extra):
    data = {
        "rulebook": "service-complaint",
        "case_type": "complaint",
        "category": "attitude",
        "severity": "normal",
        "channel": "phone",
        "title": "热线投诉：维修员迟到",
        "description": "约好上午九点，十一点才到。",
        "customer_request": "道歉",
        "new_type": "individual",
        "new_grade": "C",
        "new_region": "urban",
    }
    data.update(extra)
    return data


def test_intake_registers_case_for_existing_customer(client, org, rulebooks, customer):
    client.force_login(org.agent)
    assert client.get(reverse("web:intake")).status_code == 200
    upload = SimpleUploadedFile("照片.jpg", b"\xff\xd8\xff\xe0jpeg-bytes", content_type="image/jpeg")
    response = client.post(
        reverse("web:intake"), intake_data(customer=customer.pk, subject_person=org.technician.pk, attachment=upload)
    )
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == case_url(case)
    assert case.customer == customer and case.owner == org.agent and case.subject_person == org.technician
    assert case.attachments.count() == 1
    page = client.get(response["Location"]).content.decode()
    assert case.number in page
    assert "已登记" in page or case.number in page


def test_intake_creates_new_customer_in_the_same_submit(client, org, rulebooks):
    client.force_login(org.agent)
    response = client.post(
        reverse("web:intake"), intake_data(new_name="李梅", new_phone="139-0000-1111", new_overseas="on")
    )
    assert response.status_code == 302
    customer = Customer.objects.get(name="李梅")
    assert customer.is_overseas
    assert customer.contacts.get().phone == "13900001111"
    assert Case.objects.get().customer == customer


def test_intake_bad_phone_creates_nothing(client, org, rulebooks):
    client.force_login(org.agent)
    response = client.post(reverse("web:intake"), intake_data(new_name="李梅", new_phone="12"))
    assert response.status_code == 200
    assert response.context["form"].errors["new_phone"]
    assert not Customer.objects.exists() and not Case.objects.exists()


def test_intake_missing_fields_show_errors(client, org, rulebooks):
    client.force_login(org.agent)
    response = client.post(reverse("web:intake"), intake_data(title="", new_name=""))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "title" in errors and "new_name" in errors and "new_phone" in errors
    assert not Case.objects.exists()


def test_intake_rejects_category_of_another_case_type(client, org, rulebooks, customer):
    client.force_login(org.agent)
    response = client.post(reverse("web:intake"), intake_data(customer=customer.pk, category="fault"))
    assert response.status_code == 200
    assert "category" in response.context["form"].errors
    assert not Case.objects.exists()


def test_intake_customer_search_by_part_of_phone(client, org, customer):
    client.force_login(org.agent)
    response = client.get(reverse("web:intake_customers"), {"q": "1234 56"})
    body = response.content.decode()
    assert customer.name in body
    assert f'value="{customer.pk}" checked' in body  # a single match is picked already
    assert "王建国" not in client.get(reverse("web:intake_customers"), {"q": "999888"}).content.decode()


def test_intake_category_options_follow_case_type(client, org, rulebooks):
    client.force_login(org.agent)
    body = client.get(
        reverse("web:intake_options"), {"part": "category", "rulebook": "service-complaint", "case_type": "repair"}
    ).content.decode()
    assert 'value="fault"' in body and 'value="attitude"' not in body
    body = client.get(
        reverse("web:intake_options"),
        {"part": "category", "rulebook": "service-complaint", "case_type": "complaint", "category": "attitude"},
    ).content.decode()
    assert 'value="attitude" selected' in body
    body = client.get(reverse("web:intake_options"), {"rulebook": "service-complaint"}).content.decode()
    assert 'name="case_type"' in body and 'name="severity"' in body


# --------------------------------------------------------------------------------------------------
# Case page and its forms


def test_case_page_shows_timeline_and_only_allowed_actions(client, org, make_case):
    case = make_case()
    client.force_login(org.agent)
    response = client.get(case_url(case))
    names = [a["key"] for a in response.context["actions"]]
    # 投诉成立并转被投诉部门 first (kefu/web/combined.py), then each step alone.
    assert names == ["establish-route", "establish", "not_established"]
    body = response.content.decode()
    assert 'action="' + case_url(case, "web:case_transition", name="establish") in body
    assert "审批通过" not in body
    assert "已受理" in body

    case = to_approving(org, case)
    response = client.get(case_url(case))
    assert [a["td"].name for a in response.context["actions"]] == []
    assert "/transition/approve/" not in response.content.decode()
    client.force_login(org.manager)
    response = client.get(case_url(case))
    assert [a["td"].name for a in response.context["actions"]] == ["approve", "decline"]
    client.force_login(org.deputy_gm)  # the small amount needs only the manager
    assert [a["td"].name for a in client.get(case_url(case)).context["actions"]] == []


def test_transition_form_moves_the_case(client, org, make_case):
    case = make_case()
    client.force_login(org.agent)
    response = client.post(
        case_url(case, "web:case_transition", name="route"), {"route-version": case.version, "route-unit": ""}
    )
    assert response.status_code == 400  # route is not possible yet and the unit is missing
    response = client.post(case_url(case, "web:case_transition", name="establish"), {"establish-version": case.version})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.stage == "forwarded"
    response = client.post(
        case_url(case, "web:case_transition", name="route"),
        {"route-version": case.version, "route-unit": org.aftersales.pk, "route-assignee": org.handler.pk},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.stage, case.assignee, case.responsible_unit) == ("investigating", org.handler, org.aftersales)


def test_stale_version_shows_conflict_and_changes_nothing(client, org, make_case):
    case = make_case()
    client.force_login(org.agent)
    stale = case.version
    case_add = CaseNote.objects.count()
    from kefu.cases.services import case_add_note

    case_add_note(case=case, actor=org.cs_supervisor, body="同事先改了")
    response = client.post(
        case_url(case, "web:case_transition", name="establish"), {"establish-version": stale}, follow=True
    )
    case.refresh_from_db()
    assert case.stage == "registered"
    assert CaseNote.objects.count() == case_add + 1
    body = response.content.decode()
    assert "已重新加载" in body or "reloaded" in body


def test_missing_data_shows_field_error_and_changes_nothing(client, org, make_case):
    case = make_case()
    client.force_login(org.agent)
    version = case.version
    response = client.post(
        case_url(case, "web:case_transition", name="not_established"),
        {"not_established-version": version, "not_established-reason": ""},
    )
    assert response.status_code == 400
    form = next(a["form"] for a in response.context["actions"] if a["td"].name == "not_established")
    assert "reason" in form.errors
    case.refresh_from_db()
    assert (case.stage, case.version) == ("registered", version)


def test_remedy_form_with_several_rows(client, org, make_case):
    case = advance(
        make_case(),
        [
            ("establish", org.agent, {}),
            ("route", org.agent, {"unit": org.aftersales.pk, "assignee": org.handler.pk}),
            ("finding", org.handler, {"cause": "迟到", "responsibility": "company"}),
        ],
    )
    client.force_login(org.handler)
    url = case_url(case, "web:case_transition", name="propose_remedy")
    response = client.post(url, {"propose_remedy-version": case.version, "propose_remedy-amount_0": "10"})
    assert response.status_code == 400
    response = client.post(
        url,
        {
            "propose_remedy-version": case.version,
            "propose_remedy-kind_0": "apology",
            "propose_remedy-kind_1": "allowance",
            "propose_remedy-amount_1": "200.50",
            "propose_remedy-description_1": "补贴",
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.stage == "approving"
    assert str(case.remedy_total) == "200.50"
    assert case.remedies.count() == 2


def test_forbidden_transition_is_a_form_error_not_a_500(client, org, make_case):
    case = to_approving(org, make_case())
    client.force_login(org.agent)
    response = client.post(case_url(case, "web:case_transition", name="approve"), {"approve-version": case.version})
    assert response.status_code == 400
    case.refresh_from_db()
    assert case.stage == "approving"


def test_more_actions_note_attachment_suspend(client, org, make_case):
    case = make_case()
    client.force_login(org.agent)
    ops = [o["op"] for o in client.get(case_url(case)).context["operations"]]
    assert "note" in ops and "transfer" in ops and "suspend" not in ops
    response = client.post(
        case_url(case, "web:case_operation", op="note"),
        {"op-note-body": "客户来电催办", "op-note-visibility": "internal"},
    )
    assert response.status_code == 302
    response = client.post(
        case_url(case, "web:case_operation", op="attachment"),
        {"op-attachment-file": SimpleUploadedFile("a.txt", b"x"), "op-attachment-visibility": "customer"},
    )
    assert response.status_code == 302
    body = client.get(case_url(case)).content.decode()
    assert "客户来电催办" in body and "a.txt" in body
    assert "内部" in body and "客户可见" in body
    # an agent may not suspend, even by posting the form directly
    case.refresh_from_db()
    response = client.post(
        case_url(case, "web:case_operation", op="suspend"),
        {"op-suspend-version": case.version, "op-suspend-reason": "x"},
    )
    assert response.status_code == 400
    client.force_login(org.cs_supervisor)
    response = client.post(
        case_url(case, "web:case_operation", op="suspend"),
        {"op-suspend-version": case.version, "op-suspend-reason": "等待客户提供材料"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == "suspended"
    ops = [o["op"] for o in client.get(case_url(case)).context["operations"]]
    assert "resume" in ops and "suspend" not in ops


def test_transfer_and_merge(client, org, make_case):
    case, survivor = make_case(), make_case(title="重复")
    client.force_login(org.agent)
    response = client.post(
        case_url(case, "web:case_operation", op="merge"),
        {"op-merge-version": case.version, "op-merge-into": "NOPE123456"},
    )
    assert response.status_code == 400
    response = client.post(
        case_url(case, "web:case_operation", op="merge"),
        {"op-merge-version": case.version, "op-merge-into": survivor.number, "op-merge-reason": "重复来电"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == "merged" and case.merged_into == survivor
    survivor.refresh_from_db()
    response = client.post(
        case_url(survivor, "web:case_operation", op="transfer"),
        {"op-transfer-version": survivor.version, "op-transfer-new_owner": org.agent2.pk, "op-transfer-reason": "轮休"},
    )
    assert response.status_code == 302
    survivor.refresh_from_db()
    assert survivor.owner == org.agent2


# --------------------------------------------------------------------------------------------------
# Language


def test_queue_in_chinese_by_default_and_english_by_cookie(client, org, make_case):
    make_case()
    client.force_login(org.agent)
    body = client.get(reverse("web:queue")).content.decode()
    assert "工单" in body and "已受理" in body
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = client.get(reverse("web:queue")).content.decode()
    assert "Case queue" in body and "Registered" in body
    assert "工单列表" not in body


def test_language_switch_sets_cookie(client, org):
    client.force_login(org.agent)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert "Case queue" in client.get(reverse("web:queue")).content.decode()


def test_default_language_middleware_ignores_the_browser_language(client, org, settings):
    settings.MIDDLEWARE = [
        "kefu.web.middleware.DefaultLanguageLocaleMiddleware" if m.endswith("LocaleMiddleware") else m
        for m in settings.MIDDLEWARE
    ]
    client.force_login(org.agent)
    body = client.get(reverse("web:queue"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "工单列表" in body
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = client.get(reverse("web:queue"), HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert "Case queue" in body
