"""Intake without duplicates: one case per form, the caller's earlier cases, repeat complaints, and a
phone number that already has a customer (issue 7, "Duplicates")."""

import datetime as dt
import re

import time_machine
from django.urls import reverse
from django.utils import timezone

from kefu.cases import events
from kefu.cases.models import Case
from kefu.cases.services import case_transition
from kefu.customers.models import Customer
from kefu.web.tests.test_screens import intake_data


def token_of(page) -> str:
    return re.search(r'name="form_token" value="([^"]+)"', page.content.decode()).group(1)


def test_submit_back_and_submit_again_registers_one_case_and_one_customer(client, org, rulebooks):
    """The issue's walk: intake with a new caller, submitted, Back, submitted again → one case, one
    customer; the second submit lands on the case the first registered."""
    client.force_login(org.agent)
    token = token_of(client.get(reverse("web:intake")))
    data = intake_data(new_name="李梅", new_phone="139 5711 2345", form_token=token)
    first = client.post(reverse("web:intake"), data)
    second = client.post(reverse("web:intake"), data)
    case = Case.objects.get()
    assert first["Location"] == second["Location"] == reverse("web:case", args=[case.number])
    assert Customer.objects.filter(contacts__phone="13957112345").count() == 1


def test_a_fresh_form_registers_a_new_case(client, org, rulebooks, customer):
    """Two calls, two forms (inquiries, which no repeat rule concerns): two cases."""
    client.force_login(org.agent)
    for title in ("咨询电价", "咨询停电时间"):
        token = token_of(client.get(reverse("web:intake")))
        data = intake_data(customer=customer.pk, case_type="inquiry", category="product", title=title)
        assert client.post(reverse("web:intake"), {**data, "form_token": token}).status_code == 302
    assert Case.objects.count() == 2


def test_a_phone_that_already_has_a_customer_offers_that_customer(client, org, rulebooks, customer):
    """王建国 has 13812345678; a "new" customer typed with 138-1234-5678 is refused with him offered;
    ticking "a different person with the same number" creates the new file."""
    client.force_login(org.agent)
    data = intake_data(
        new_name="王建国", new_phone="138-1234-5678", form_token=token_of(client.get(reverse("web:intake")))
    )
    page = client.post(reverse("web:intake"), data)
    assert page.status_code == 200 and "new_phone" in page.context["form"].errors
    assert customer in page.context["customers"]
    assert f'value="{customer.pk}"' in page.content.decode()
    assert not Case.objects.exists() and Customer.objects.count() == 1
    done = client.post(reverse("web:intake"), {**data, "confirm_new_customer": "1"})
    assert done.status_code == 302 and Customer.objects.count() == 2


def test_a_repeat_complaint_is_shown_and_registered_only_when_confirmed(client, org, rulebooks, make_case, customer):
    """An attitude complaint of 王建国 closed (不成立) 20 days ago is within the 30-day window: a new
    attitude complaint shows it and waits for "a new matter"; a complaint about efficiency does not."""
    with time_machine.travel(timezone.now() - dt.timedelta(days=20)):
        earlier = make_case()
        case_transition(
            case=earlier, actor=org.agent, transition="not_established", expected_version=1, data={"reason": "已核实。"}
        )
    events.dispatch_pending()
    client.force_login(org.agent)
    data = intake_data(customer=customer.pk, form_token=token_of(client.get(reverse("web:intake"))))
    page = client.post(reverse("web:intake"), data)
    assert page.status_code == 200 and [c.number for c in page.context["repeats"]] == [earlier.number]
    assert Case.objects.count() == 1
    assert client.post(reverse("web:intake"), {**data, "confirm_repeat": "1"}).status_code == 302
    other = intake_data(
        customer=customer.pk, category="efficiency", form_token=token_of(client.get(reverse("web:intake")))
    )
    assert client.post(reverse("web:intake"), other).status_code == 302
    assert Case.objects.count() == 3


def test_a_complaint_older_than_the_window_is_not_a_repeat(client, org, rulebooks, make_case, customer):
    """Received and closed 40 days ago: outside the default 30 days."""
    with time_machine.travel(timezone.now() - dt.timedelta(days=40)):
        earlier = make_case()
        case_transition(
            case=earlier, actor=org.agent, transition="not_established", expected_version=1, data={"reason": "已核实。"}
        )
    client.force_login(org.agent)
    data = intake_data(customer=customer.pk, form_token=token_of(client.get(reverse("web:intake"))))
    assert client.post(reverse("web:intake"), data).status_code == 302


def test_the_search_carries_the_number_into_the_new_customer_form(client, org, rulebooks):
    client.force_login(org.agent)
    page = client.get(reverse("web:intake"), {"phone": "139 5711 2345"})
    assert page.context["form"]["new_phone"].value() == "13957112345"
    assert page.context["new_customer_open"]


def test_the_callers_open_cases_are_shown_when_found(client, org, make_case, customer):
    case = make_case()
    client.force_login(org.agent)
    found = client.get(reverse("web:intake_customers"), {"q": "5678"})
    assert [c.number for c in found.context["cases_by_customer"][customer.pk]] == [case.number]
    assert case.number in found.content.decode()


def _edited_rulebook(section: str):
    from kefu.rulebooks.services import PRESET_DIR, rulebook_load

    source = (PRESET_DIR / "service-complaint.yaml").read_text(encoding="utf-8")
    return rulebook_load(text=source.rstrip("\n") + "\n" + section, source="edited")


def test_the_window_comes_from_the_rulebook(client, org, rulebooks, make_case, customer):
    """`repeat_complaints: {window_days: 10}`: a complaint closed 20 days ago is no longer a repeat."""
    with time_machine.travel(timezone.now() - dt.timedelta(days=20)):
        earlier = make_case()
        case_transition(
            case=earlier, actor=org.agent, transition="not_established", expected_version=1, data={"reason": "已核实。"}
        )
    _edited_rulebook("repeat_complaints:\n  window_days: 10\n")
    client.force_login(org.agent)
    data = intake_data(customer=customer.pk, form_token=token_of(client.get(reverse("web:intake"))))
    assert client.post(reverse("web:intake"), data).status_code == 302


def test_a_section_naming_an_unknown_case_type_is_refused_with_its_line(rulebooks):
    import pytest

    from kefu.rulebooks.schema import RulebookError

    with pytest.raises(RulebookError) as err:
        _edited_rulebook("repeat_complaints:\n  case_types: [complaint, grievance]\n")
    assert "repeat_complaints" in str(err.value) and "grievance" in str(err.value)
    assert re.search(r"edited:\d+", str(err.value))  # the line of the section
