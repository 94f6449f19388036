import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def english():
    """Service tests read the messages in the source language; the UI tests check the Chinese."""
    with translation.override("en"):
        yield
