"""Two to four sweeps at the same moment on PostgreSQL: every step fires exactly once.

Each thread has its own connection, so the row locks (`FOR UPDATE SKIP LOCKED`) and the unique
constraint on (clock, kind, level) are really exercised. Deselected on SQLite (root conftest).
"""

import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection

from kefu.sla.models import Clock, ClockNotice, Notification
from kefu.sla.sweep import sla_sweep
from kefu.sla.tests.sweep_helpers import DEADLINE, make_clock

CLOCKS = 200


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("workers", [2, 4])
def test_concurrent_sweeps_fire_each_step_once(make_case, org, workers):
    case = make_case()
    case.assignee = org.handler
    case.save(update_fields=["assignee"])
    for i in range(CLOCKS):
        make_clock(case, key=f"c{i}")
    now = DEADLINE + timedelta(days=10)  # every clock owes 4 ladder steps (its warning is stale)

    barrier = threading.Barrier(workers)
    results, errors = [], []

    def run() -> None:
        try:
            barrier.wait(timeout=30)
            # Small batches, so the sweeps really interleave over many transactions.
            results.append(sla_sweep(now=now, batch=25))
        except Exception as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert len(results) == workers

    keys = Counter(ClockNotice.objects.values_list("clock_id", "kind", "level"))
    assert len(keys) == CLOCKS * 4
    assert set(keys.values()) == {1}
    assert sum(r.clocks for r in results) == CLOCKS  # no clock was handled by two sweeps
    assert sum(r.notices for r in results) == CLOCKS * 4

    per_person = Counter(Notification.objects.values_list("notice_id", "recipient_id"))
    assert set(per_person.values()) == {1}
    expected = sum(len(n.recipients) for n in ClockNotice.objects.all())
    assert len(per_person) == expected == sum(r.notifications for r in results)
    assert not Clock.objects.filter(key__startswith="c", next_check_at__lte=now).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_sweep_with_two_connections_fires_each_step_once_and_counts_it_once(make_case, org):
    """`sla_sweep(workers=2)` (what the periodic task runs): the two threads split the batches.

    200 clocks, each owing 4 ladder steps, in batches of 25: 8 batches in all, shared between the two
    connections. 800 notices, each exactly once; the result adds both threads up (200 clocks, 800
    notices, as many notifications as the notices have recipients) and a second sweep finds nothing.
    """
    case = make_case()
    case.assignee = org.handler
    case.save(update_fields=["assignee"])
    for i in range(CLOCKS):
        make_clock(case, key=f"c{i}")
    now = DEADLINE + timedelta(days=10)

    result = sla_sweep(now=now, batch=25, workers=2)

    keys = Counter(ClockNotice.objects.values_list("clock_id", "kind", "level"))
    assert len(keys) == CLOCKS * 4 and set(keys.values()) == {1}
    assert (result.clocks, result.notices) == (CLOCKS, CLOCKS * 4)
    assert result.batches >= 8
    expected = sum(len(n.recipients) for n in ClockNotice.objects.all())
    assert result.notifications == expected == Notification.objects.count() == len(set(result.notification_ids))
    assert sla_sweep(now=now, batch=25, workers=2).clocks == 0
