"""The login page names demo accounts only on a demo site, and only the accounts `kefu demo` made."""

import random
import re

import pytest
from django.urls import reverse

from kefu.core.demo import build_world
from kefu.org.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_world(org):
    """A site with its own staff (the org fixture, including a `gm`) that then loaded the demo data."""
    build_world(rng=random.Random(7), customers=0, log=lambda message: None)


def listed(client) -> list[str]:
    page = client.get(reverse("web:login")).content.decode()
    return re.findall(r"<dd><code>([^<]+)</code></dd>", page)


def test_no_names_and_no_password_without_the_demo_switch(client, demo_world, settings):
    settings.KEFU_DEMO_LOGINS = False
    page = client.get(reverse("web:login")).content.decode()
    assert "kefu-demo" not in page
    assert listed(client) == []


def test_with_the_demo_switch_only_the_demo_commands_accounts_are_listed(client, demo_world, settings):
    settings.KEFU_DEMO_LOGINS = True
    page = client.get(reverse("web:login")).content.decode()
    assert "kefu-demo" in page
    names = listed(client)
    assert names == ["agent1", "handler1", "supervisor1", "manager1", "quality1"]
    # The site's own accounts never show, also where the demo command found the name taken ("gm").
    for own in ("agent", "handler", "supervisor", "manager", "quality", "gm", "admin"):
        assert own not in names


def test_a_demo_account_whose_password_changed_is_no_longer_listed(client, demo_world, settings):
    settings.KEFU_DEMO_LOGINS = True
    user = User.objects.get(username="agent1")
    user.set_password("changed-by-the-site-2026")
    user.save()
    assert "agent1" not in listed(client)
    assert "agent10" in listed(client)  # the next demo agent (in name order) takes its place
