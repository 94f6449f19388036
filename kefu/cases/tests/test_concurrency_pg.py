"""Parallel requests against PostgreSQL: numbering, idempotent creation and optimistic locking.

Each thread has its own database connection, as each gunicorn worker would. These tests are
deselected on SQLite (see the root conftest.py); run them with
DATABASE_URL=postgres://postgres@127.0.0.1:5432/kefu_dev .venv/bin/pytest kefu/cases/tests/test_concurrency_pg.py
"""

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connections
from rest_framework.test import APIClient

from kefu.cases.models import Case, CaseEvent, IdempotencyRecord

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _in_parallel(n: int, work: Callable[[int], Any]) -> list[Any]:
    """Run work(i) in n threads released together by a barrier; return results in order."""
    barrier = threading.Barrier(n, timeout=60)
    results: list[Any] = [None] * n

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as exc:  # reported by the assertions below, with the thread's exception
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a request hung"
    return results


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user=user)
    return client


def _payload(customer, title: str = "并发受理") -> dict[str, Any]:
    return {
        "case_type": "complaint",
        "category": "efficiency",
        "customer": customer.pk,
        "channel": "hotline",
        "title": title,
        "description": "高峰期同时来电。",
    }


def test_fifty_parallel_registrations_get_fifty_consecutive_numbers(org, rulebooks, customer):
    agents = [org.agent, org.agent2, org.cs_supervisor, org.supervisor, org.outsider]

    def register(i: int) -> tuple[int, str]:
        response = _client(agents[i % len(agents)]).post(
            "/api/v1/cases/", _payload(customer, f"第{i}通"), format="json"
        )
        return response.status_code, response.json().get("number", response.json())

    results = _in_parallel(50, register)
    assert [status for status, _ in results] == [201] * 50, results
    numbers = sorted(number for _, number in results)
    assert len(set(numbers)) == 50
    prefix = numbers[0][:-5]
    assert all(n.startswith(prefix) for n in numbers)
    serials = [int(n[-5:]) for n in numbers]
    assert serials == list(range(serials[0], serials[0] + 50))
    assert Case.objects.count() == 50


def test_twenty_parallel_posts_with_one_idempotency_key_create_one_case(org, rulebooks, customer):
    def register(i: int) -> tuple[int, str]:
        response = _client(org.agent).post(
            "/api/v1/cases/", _payload(customer), format="json", HTTP_IDEMPOTENCY_KEY="retry-storm-1"
        )
        return response.status_code, response.json().get("number", response.json())

    results = _in_parallel(20, register)
    assert Counter(status for status, _ in results) == {201: 1, 200: 19}, results
    assert len({number for _, number in results}) == 1
    assert Case.objects.count() == 1
    assert IdempotencyRecord.objects.get(key="retry-storm-1").case.number == results[0][1]


def test_two_parallel_transitions_on_the_same_version_give_one_success_and_one_409(org, make_case):
    case = make_case()
    requests = [
        (org.agent, {"transition": "establish", "version": 1}),
        (org.cs_supervisor, {"transition": "not_established", "version": 1, "data": {"reason": "不属实"}}),
    ]

    def transition(i: int) -> int:
        user, body = requests[i]
        return _client(user).post(f"/api/v1/cases/{case.pk}/transition/", body, format="json").status_code

    results = _in_parallel(2, transition)
    assert sorted(results) == [200, 409], results
    case.refresh_from_db()
    assert case.version == 2
    assert CaseEvent.objects.filter(case=case).count() == 2
    winner = "establish" if results[0] == 200 else "not_established"
    assert case.stage == {"establish": "forwarded", "not_established": "not_established"}[winner]


def test_parallel_transfer_and_transition_on_the_same_version_do_not_both_win(org, make_case):
    case = make_case()

    def act(i: int) -> int:
        client = _client(org.agent)
        if i == 0:
            body = {"new_owner": org.agent2.pk, "version": 1, "reason": "交班"}
            return client.post(f"/api/v1/cases/{case.pk}/transfer/", body, format="json").status_code
        body = {"transition": "establish", "version": 1}
        return client.post(f"/api/v1/cases/{case.pk}/transition/", body, format="json").status_code

    results = _in_parallel(2, act)
    assert sorted(results) == [200, 409], results
    case.refresh_from_db()
    assert case.version == 2


def test_a_write_on_one_case_does_not_wait_for_a_write_on_another(org, make_case):
    # Every case of a rulebook version shares that version's row. If locking a case also locked the
    # version row, all writes under one rulebook would queue behind each other (and could deadlock).
    from django.db import transaction

    from kefu.cases.services import case_add_note

    busy, other = make_case(), make_case()
    locked, done = threading.Event(), threading.Event()

    def work(i: int) -> Any:
        if i == 0:
            # A long write on `busy`: hold its row lock until the other write is done (or 10 s pass).
            with transaction.atomic():
                case_add_note(case=busy, actor=org.agent, body="长时间操作")
                locked.set()
                return done.wait(timeout=10)
        locked.wait(timeout=10)
        status = (
            _client(org.agent)
            .post(f"/api/v1/cases/{other.pk}/transition/", {"transition": "establish", "version": 1}, format="json")
            .status_code
        )
        done.set()
        return status

    finished_while_locked, status = _in_parallel(2, work)
    assert status == 200
    assert finished_while_locked is True
