import pytest


@pytest.fixture
def november():
    from datetime import date

    from kefu.appraisal.measures import Period

    return Period.of("month", date(2026, 11, 15))
