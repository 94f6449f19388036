"""Escalation steps that change the case, with sweeps running at the same moment on PostgreSQL: each
reassignment and each added supervisor happens exactly once (seed-002 Doc 5's emergency ladder of
kefu/rulebooks/tests/format_v2.yaml). Deselected on SQLite (root conftest)."""

import datetime as dt
import threading
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection

from kefu.cases.choices import EventKind
from kefu.cases.models import CaseEvent, CaseSupervisor
from kefu.cases.services import case_register
from kefu.sla.models import ClockNotice
from kefu.sla.sweep import sla_sweep

T0 = dt.datetime(2026, 3, 9, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
CASES = 30


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_sweeps_change_each_case_once(org, v2_rulebook, customer):
    with time_machine.travel(T0, tick=False):
        for i in range(CASES):
            case_register(
                actor=org.handler,
                rulebook_key="format-v2",
                case_type="emergency",
                category="emergency",
                channel="hotline",
                customer=customer,
                title=f"配电房冒烟 {i}",
                description="报修。",
            )
    now = T0 + dt.timedelta(minutes=11)  # both steps are due: add a supervisor, then reassign
    barrier = threading.Barrier(3)
    errors = []

    def run() -> None:
        try:
            barrier.wait(timeout=30)
            sla_sweep(now=now, batch=5)
        except Exception as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    assert not errors, errors
    assert not ClockNotice.objects.filter(actions_pending=True).exists()
    per_case = Counter(CaseEvent.objects.filter(kind=EventKind.ESCALATION).values_list("case_id", flat=True))
    assert len(per_case) == CASES and set(per_case.values()) == {2}  # one row per step per case
    assert CaseSupervisor.objects.count() == CASES
    for event in CaseEvent.objects.filter(kind=EventKind.ESCALATION, data__has_key="reassigned"):
        assert event.case.assignee_id == org.supervisor.pk
