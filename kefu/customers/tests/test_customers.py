import pytest
from django.core.exceptions import ValidationError

from kefu.customers.models import Customer
from kefu.customers.selectors import customer_search as find
from kefu.customers.services import contact_add, customer_create
from kefu.customers.validators import validate_phone


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("138 1234 5678", "13812345678"),
        ("+86 138-1234-5678", "+8613812345678"),
        ("0571-88886666", "057188886666"),
        ("(010) 6666 8888 转 123", "01066668888#123"),
        ("95598", "95598"),
        ("400-820-8820", "4008208820"),
        ("+852 2345 6789", "+85223456789"),
    ],
)
def test_valid_phone_numbers_are_normalised(raw, stored):
    assert validate_phone(raw) == stored


@pytest.mark.parametrize("raw", ["", "1234", "1381234567", "23812345678", "phone", "+86 12345"])
def test_invalid_phone_numbers_are_refused_with_an_example(raw):
    with pytest.raises(ValidationError, match="13812345678"):
        validate_phone(raw)


def test_customer_is_found_by_any_part_of_a_phone_number_or_name(org):
    def customer_search(*, query):
        return find(query=query, user=org.agent)

    wang = customer_create(name="王建国", phone="138 1234 5678", address="杭州市文三路 1 号")
    contact_add(customer=wang, name="王太太", phone="0571-88886666")
    li = customer_create(name="杭州丽华酒店", phone="139 0000 1111", customer_type="enterprise", grade="key")
    assert list(customer_search(query="5678")) == [wang]
    assert list(customer_search(query="8888")) == [wang]
    assert list(customer_search(query="1381234")) == [wang]
    assert list(customer_search(query="丽华")) == [li]
    assert list(customer_search(query="")) == []
    assert wang.addresses.get().line == "杭州市文三路 1 号"


def test_bad_phone_creates_nothing(db):
    with pytest.raises(ValidationError):
        customer_create(name="张三", phone="abc")
    assert Customer.objects.count() == 0
