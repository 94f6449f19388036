"""Looking customers up and opening customer files through /api/v1/customers/."""

import pytest

from kefu.customers.models import Customer
from kefu.customers.services import customer_create

URL = "/api/v1/customers/"


def _names(response):
    assert response.status_code == 200, response.json()
    return sorted(row["name"] for row in response.json()["results"])


@pytest.fixture
def customers(customer):
    return {
        "wang": customer,  # 138 1234 5678
        "li": customer_create(name="李娜", phone="0571-8888 7777转 123"),
        "shop": customer_create(name="西湖便利店", phone="13900002222", customer_type="retailer"),
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("1234", ["王建国"]),  # middle of a mobile
        ("5678", ["王建国"]),  # end of a mobile
        ("138-1234", ["王建国"]),  # typed with a dash
        ("88887777", ["李娜"]),  # a landline without its area code
        ("0571", ["李娜"]),
        ("便利", ["西湖便利店"]),  # part of a name
        ("李", ["李娜"]),
        ("139", ["西湖便利店"]),
        ("nobody", []),
    ],
)
def test_search_by_any_part_of_phone_or_name(api, org, customers, query, expected):
    assert _names(api(org.agent).get(URL, {"q": query})) == expected


def test_search_by_customer_number(api, org, customers):
    code = customers["shop"].code
    assert _names(api(org.agent).get(URL, {"q": code.lower()})) == ["西湖便利店"]


def test_list_without_a_query_pages_through_everyone(api, org, customers):
    client = api(org.agent)
    first = client.get(URL, {"page_size": 2}).json()
    assert len(first["results"]) == 2 and first["next"]
    second = client.get(first["next"]).json()
    names = [r["name"] for r in first["results"] + second["results"]]
    assert sorted(names) == ["李娜", "王建国", "西湖便利店"]


def test_retrieve_shows_contacts_and_addresses(api, org, customer):
    body = api(org.outsider).get(f"{URL}{customer.pk}/").json()
    assert body["name"] == "王建国" and body["code"] == customer.code
    assert body["contacts"][0]["phone"] == "138****5678"  # the full number only through the logged reveal
    assert body["addresses"][0]["line"] == "杭州市西湖区文三路 1 号"


def test_retrieve_unknown_customer_is_404(api, org, db):
    assert api(org.agent).get(f"{URL}999999/").status_code == 404


def test_create_opens_a_customer_file_with_its_first_contact(api, org, db):
    response = api(org.agent).post(
        URL,
        {
            "name": "张三",
            "phone": "(010) 1234-5678",
            "customer_type": "enterprise",
            "grade": "A",
            "address": "北京市朝阳区建国路 1 号",
        },
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["code"].startswith("C") and body["customer_type"] == "enterprise" and body["grade"] == "A"
    assert body["contacts"] == [
        {
            "id": body["contacts"][0]["id"],
            "name": "张三",
            "role": "primary",
            "phone": "010****5678",
            "email": "",
            "birthday": None,
            "birthday_month_day": None,
        }
    ]
    assert Customer.objects.get(pk=body["id"]).addresses.get().line == "北京市朝阳区建国路 1 号"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"phone": "1234"}, "phone"),
        ({"phone": "call me maybe"}, "phone"),
        ({"phone": ""}, "phone"),
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"customer_type": "alien"}, "customer_type"),
        ({"grade": "Z"}, "grade"),
        ({"region": "moon"}, "region"),
        ({"is_overseas": "sometimes"}, "is_overseas"),
    ],
)
def test_bad_customer_input_is_400_naming_the_field(api, org, db, change, field):
    response = api(org.agent).post(URL, {"name": "张三", "phone": "13800001111", **change}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert field in body["errors"], body
    assert body["errors"][field][0]
    assert not Customer.objects.exists()


def test_bad_phone_message_says_what_a_valid_number_looks_like(api, org, db):
    response = api(org.agent).post(URL, {"name": "张三", "phone": "1234"}, format="json")
    assert "13812345678" in response.json()["errors"]["phone"][0]


def test_customers_cannot_be_changed_or_deleted_through_the_api(api, org, customer):
    client = api(org.gm)
    assert client.patch(f"{URL}{customer.pk}/", {"name": "x"}, format="json").status_code == 405
    assert client.delete(f"{URL}{customer.pk}/").status_code == 405
    assert Customer.objects.get(pk=customer.pk).name == "王建国"
