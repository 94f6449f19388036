"""Finding the caller: the header search, and the customer page with its logged "show"."""

from django.urls import reverse

from kefu.cases import events
from kefu.cases.services import case_transition
from kefu.customers.models import PersonalDataAccess
from kefu.customers.services import customer_create


def walk(case, steps):
    for name, actor, data in steps:
        case = case_transition(case=case, actor=actor, transition=name, expected_version=case.version, data=data)
    events.dispatch_pending()
    return case


def test_a_phone_fragment_finds_the_caller_and_their_cases(client, org, make_case, customer):
    """The conftest caller 王建国 has 138 1234 5678; the agent types "1234 5678" as the caller reads it."""
    case = make_case()
    other = customer_create(name="李梅", phone="13957112345", actor=org.agent)
    client.force_login(org.agent)
    page = client.get(reverse("web:search"), {"q": "1234 5678"})
    assert [c.code for c in page.context["customers"]] == [customer.code]
    assert [c.number for c in page.context["cases"]] == [case.number]
    html = page.content.decode()
    assert "138****5678" in html and "13812345678" not in html
    assert reverse("web:customer", args=[customer.code]) in html
    assert other.code not in html


def test_a_digits_only_query_is_both_a_case_number_and_a_phone(client, org, make_case, customer):
    """KF2612… numbers: the digits of the number find the case; the digits of the phone the customer."""
    case = make_case()
    client.force_login(org.agent)
    by_number = client.get(reverse("web:search"), {"q": case.number[2:]})
    assert [c.number for c in by_number.context["cases"]] == [case.number]
    by_phone = client.get(reverse("web:search"), {"q": "13812345678"})
    assert [c.number for c in by_phone.context["cases"]] == [case.number]
    assert [c.code for c in by_phone.context["customers"]] == [customer.code]


def test_open_cases_come_first_and_titles_and_contact_names_are_searched(client, org, make_case, customer):
    closed = walk(make_case(title="燃气表漏气"), [("not_established", org.agent, {"reason": "经核实无漏气。"})])
    opened = make_case(title="燃气表读数异常")
    client.force_login(org.agent)
    found = client.get(reverse("web:search"), {"q": "燃气表"})
    assert [c.number for c in found.context["cases"]] == [opened.number, closed.number]


def test_an_anonymous_complainant_is_not_found_by_name_or_phone_by_those_who_may_not_see_them(
    client, org, make_case, customer
):
    """An anonymous complaint received by agent2: the supervisor of 客服部 sees the case but not who
    complained (identity: quality, GM, the receiver) — searching the complainant's name or phone must
    not list it; the quality officer finds it."""
    case = make_case(actor=org.agent2, is_anonymous=True, title="服务人员索要好处费")
    client.force_login(org.cs_supervisor)
    for q in ("王建国", "13812345678"):
        assert case.number not in [c.number for c in client.get(reverse("web:search"), {"q": q}).context["cases"]]
    assert case.number in [c.number for c in client.get(reverse("web:search"), {"q": "好处费"}).context["cases"]]
    client.force_login(org.quality)
    assert case.number in [c.number for c in client.get(reverse("web:search"), {"q": "王建国"}).context["cases"]]


def test_the_customer_page_lists_cases_open_first_and_masks_until_a_logged_show(client, org, make_case, customer):
    closed = walk(make_case(title="上次的投诉"), [("not_established", org.agent, {"reason": "经核实按时到达。"})])
    opened = make_case(title="这次的投诉")
    url = reverse("web:customer", args=[customer.code])
    client.force_login(org.agent)
    page = client.get(url)
    assert [c.number for c in page.context["cases"]] == [opened.number, closed.number]
    html = page.content.decode()
    assert "138****5678" in html and "13812345678" not in html and "杭州市西湖区文三路 1 号" in html
    assert PersonalDataAccess.objects.count() == 0
    shown = client.post(url)
    assert "13812345678" in shown.content.decode()
    (log,) = PersonalDataAccess.objects.all()
    assert (log.viewer, log.customer, log.surface) == (org.agent, customer, "web")


def test_a_manager_sees_masked_numbers_only(client, org, make_case, customer):
    """Managers approve and read reports (CONTACT_ROLES leaves them out): no "show", and a forged
    POST is refused and not logged."""
    walk(make_case(), [("establish", org.agent, {}), ("route", org.agent, {"unit": org.aftersales.pk})])
    client.force_login(org.manager)
    url = reverse("web:customer", args=[customer.code])
    page = client.get(url)
    assert page.status_code == 200 and page.context["may_reveal"] is False
    assert "138****5678" in page.content.decode() and "reveal-form" not in page.content.decode()
    assert client.post(url).status_code == 403
    assert PersonalDataAccess.objects.count() == 0


def test_a_customer_reached_only_through_an_anonymous_case_is_not_shown(client, org, make_case, customer):
    make_case(is_anonymous=True)
    client.force_login(org.handler)  # not a directory role; sees no case of this customer
    assert client.get(reverse("web:customer", args=[customer.code])).status_code == 404
