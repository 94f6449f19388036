import re

import pytest
from django.core.cache import cache
from django.test import Client


@pytest.fixture(autouse=True)
def fresh_limits():
    """The rate-limit counters live in the cache: each test starts, and leaves, with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def browser():
    """A customer's browser: no login, CSRF enforced like a real one."""
    return Client(enforce_csrf_checks=True)


def csrf(client, url):
    page = client.get(url)
    assert page.status_code == 200
    return page, client.cookies["csrftoken"].value


def token_of(page):
    return re.search(r'name="form_token" value="([^"]+)"', page.content.decode()).group(1)


def code_in(body):
    return re.search(r"\b(\d{6})\b", body).group(1)
