"""Customer numbers carry the site's date (Asia/Shanghai), not the UTC date (issue 7)."""

import datetime as dt

import pytest
import time_machine

from kefu.customers.services import customer_create

pytestmark = pytest.mark.django_db


def test_a_customer_created_just_after_midnight_in_beijing_has_that_days_number():
    """2026-11-30 16:30 UTC is 2026-12-01 00:30 in Beijing: the number starts C261201, not C261130."""
    with time_machine.travel(dt.datetime(2026, 11, 30, 16, 30, tzinfo=dt.UTC), tick=False):
        customer = customer_create(name="李女士", phone="139 5711 2345", contact_name="李女士", address="杭州市")
    assert customer.code.startswith("C261201")
