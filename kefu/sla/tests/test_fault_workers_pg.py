"""Fault test with real processes: PostgreSQL, Redis, two Celery workers (`kefu worker`, every queue,
one with the beat scheduler) sweeping thousands of due clocks. The worker in the middle of a sweep is
killed with SIGKILL and started again; later the worker in the middle of sending e-mail is too. Every
escalation step fires exactly once, none is missing, and every notification is e-mailed — exactly
once, but for the one message the mail-killed worker may have had in flight (file-based e-mail
backend, counted by the X-Kefu-Notification header). docs/operations.md, "What the fault test proves".

The broker is KEFU_TEST_REDIS_URL (default redis://127.0.0.1:6379/15); every run uses its own key
prefix there, so runs sharing a Redis database do not see each other's queues. Deselected on SQLite.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from kefu.calendars.models import WorkCalendar
from kefu.org.choices import Role
from kefu.org.models import User
from kefu.sla.choices import ClockStatus
from kefu.sla.models import Clock, ClockNotice, Notification
from kefu.sla.tests.sweep_helpers import DEADLINE

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

REDIS_URL = os.environ.get("KEFU_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
CASES = 24
CLOCKS_PER_CASE = 100  # 2,400 due clocks, 4 ladder steps each
LEVELS = 4
# Clocks per sweep transaction: many commits, so the kill lands between and inside them — and a sweep
# long enough to be caught running on a quiet machine (at 100 a sweep of the 2,400 clocks once ended
# between two looks of `_kill_one_busy_with`).
BATCH = 25
DEADLINE_FOR_ALL = 150  # seconds for the whole run after the kill


def _redis():
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as exc:  # a failure, not a skip: CI must provide Redis
        pytest.fail(f"Redis is not reachable at {REDIS_URL} (set KEFU_TEST_REDIS_URL): {exc}")
    return client


def _database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Workers:
    """The worker processes of one run, each in its own process group (the beat runs as a child)."""

    def __init__(self, tmp: Path, prefix: str) -> None:
        self.tmp = tmp
        self.mail = tmp / "mail"
        self.mail.mkdir()
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": _database_url(),
            "DB_CONN_MAX_AGE": "0",
            "CELERY_BROKER_URL": REDIS_URL,
            "CELERY_BROKER_KEY_PREFIX": prefix,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(self.mail),
            "KEFU_VAR_DIR": str(tmp),
            "KEFU_SLA_SWEEP_SECONDS": "1",
            "KEFU_SLA_SWEEP_BATCH": str(BATCH),
            "KEFU_EMAIL_PICKUP_SECONDS": "2",
            "KEFU_EMAIL_CLAIM_SECONDS": "10",
            "LOG_LEVEL": "INFO",
            # The test reads the logs to see which task a worker is running: nothing may wait in a buffer.
            "PYTHONUNBUFFERED": "1",
        }
        self.procs: dict[str, subprocess.Popen] = {}
        self.starts: Counter[str] = Counter()

    def command(self, name: str) -> list[str]:
        # `kefu worker` without -Q: every queue, as the embedded default consumes them.
        command = [sys.executable, "-m", "kefu.cli", "worker", "--pool=solo", "-n", f"{name}@%h"]
        if name == "a":
            command += ["-B", "-s", str(self.tmp / "celerybeat-schedule")]
        return command

    def log(self, name: str) -> Path:
        return self.tmp / f"worker-{name}-{self.starts[name]}.log"

    def start(self, name: str) -> None:
        self.starts[name] += 1
        with open(self.log(name), "wb") as out:
            self.procs[name] = subprocess.Popen(
                self.command(name),
                env=self.env,
                cwd=settings.BASE_DIR,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_ready(self, name: str, timeout: float = 60) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if " ready." in self.log(name).read_text(errors="replace"):
                return
            assert self.procs[name].poll() is None, self.tail(name)
            time.sleep(0.1)
        pytest.fail(f"worker {name} did not start:\n{self.tail(name)}")

    def running_task(self, name: str) -> str | None:
        """The task a solo worker is executing: the last one received that has not finished."""
        text = self.log(name).read_text(errors="replace")
        received = re.findall(r"Task ([\w.]+)\[([\w-]+)\] received", text)
        if not received:
            return None
        task, task_id = received[-1]
        if re.search(rf"\[{task_id}\] (succeeded|raised|failed|retry)", text):
            return None
        return task

    def kill(self, name: str) -> None:
        os.killpg(self.procs[name].pid, signal.SIGKILL)
        self.procs[name].wait(timeout=10)

    def stop_all(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)

    def tail(self, name: str, lines: int = 40) -> str:
        return "\n".join(self.log(name).read_text(errors="replace").splitlines()[-lines:])

    def mails(self) -> Counter[int]:
        """How many times each notification was e-mailed, from the backend's files."""
        sent: Counter[int] = Counter()
        for path in self.mail.iterdir():
            for found in re.findall(rb"^X-Kefu-Notification: (\d+)\r?$", path.read_bytes(), flags=re.M):
                sent[int(found)] += 1
        return sent


@pytest.fixture
def workers(tmp_path):
    client = _redis()
    prefix = f"kefu-fault-{uuid.uuid4().hex[:12]}:"
    running = Workers(tmp_path, prefix)
    yield running
    running.stop_all()
    for key in client.scan_iter(match=f"{prefix}*"):
        client.delete(key)


def _due_clocks(make_case, org) -> list[int]:
    """Complaints handled across the organisation — a department, a team, the other city's 售后部
    (whose supervisor and manager nobody is: the fallback), one about the after-sales supervisor —
    each with clocks whose whole ladder is due."""
    User.objects.create_user(username="city_supervisor", role=Role.SUPERVISOR, unit=org.city, email="cs@example.com")
    units = [org.aftersales, org.team, org.other_aftersales, org.service]
    calendar = WorkCalendar.objects.get(key="office")
    clocks = []
    for i in range(CASES):
        case = make_case(title=f"超时投诉 {i}", subject_person=org.supervisor if i % 6 == 5 else None)
        case.responsible_unit = units[i % len(units)]
        case.assignee = org.handler
        case.save(update_fields=["responsible_unit", "assignee"])
        Clock.objects.filter(case=case).update(status=ClockStatus.CANCELLED, next_check_at=None)
        clocks += [
            Clock(
                case=case,
                key=f"fault{n}",
                label="满意答复",
                calendar=calendar,
                amount=2,
                unit="working_days",
                allowed_minutes=960,
                started_at=DEADLINE - timedelta(days=2),
                deadline=DEADLINE,
                warn_at=DEADLINE - timedelta(hours=3),
                warned=True,
                ladder="complaint",
                next_check_at=None,  # armed all at once below, when both workers are up
            )
            for n in range(CLOCKS_PER_CASE)
        ]
    Clock.objects.bulk_create(clocks)
    return [c.pk for c in clocks]


SWEEP_TASKS = {"kefu.sla.tasks.sla_sweep_task"}
MAIL_TASKS = {"kefu.sla.tasks.notifications_email", "kefu.sla.tasks.email_pickup"}


def _kill_one_busy_with(workers: Workers, tasks: set[str], progress, low: float, high: float) -> tuple[str, float]:
    """Once `progress()` (0..1) is between `low` and `high`, SIGKILL a worker that is running one of
    `tasks` right now, start it again, and return its name and the progress at the kill."""
    end = time.monotonic() + 90
    while time.monotonic() < end:
        done = progress()  # a busy machine may finish quickly: any point before `high` will do
        assert done < high, f"never caught a worker running {tasks}:\n{workers.tail('a')}\n{workers.tail('b')}"
        if done >= low:
            busy = [name for name in ("a", "b") if workers.running_task(name) in tasks]
            if busy:
                workers.kill(busy[0])
                at_kill = progress()
                workers.start(busy[0])
                return busy[0], at_kill
        time.sleep(0.02)
    pytest.fail(f"the run stalled before {low:.0%}:\n{workers.tail('a')}\n{workers.tail('b')}")


def test_workers_killed_mid_sweep_and_mid_mail_lose_nothing(make_case, org, workers, record_property):
    started = time.monotonic()
    clock_ids = _due_clocks(make_case, org)
    expected_notices = len(clock_ids) * LEVELS
    workers.start("a")
    workers.start("b")
    workers.wait_ready("a")
    workers.wait_ready("b")

    def swept() -> float:
        return ClockNotice.objects.filter(clock_id__in=clock_ids).count() / expected_notices

    def mailed() -> float:
        total = Notification.objects.count()
        return Notification.objects.filter(emailed_at__isnull=False).count() / total if total else 0.0

    Clock.objects.filter(pk__in=clock_ids).update(next_check_at=DEADLINE)  # all due now
    armed = time.monotonic()
    # 1. Mid-sweep: the worker's open batch rolls back and is done again by the next sweep; batches
    #    it committed keep their notices; their e-mail goes out through the task or the pick-up.
    sweep_killed, swept_at_kill = _kill_one_busy_with(workers, SWEEP_TASKS, swept, 0.02, 0.95)
    sweep_kill_at = time.monotonic()
    workers.wait_ready(sweep_killed)
    # 2. Mid-mail: the rows it had claimed are sent by the pick-up once the claim runs out.
    mail_killed, mailed_at_kill = _kill_one_busy_with(workers, MAIL_TASKS, mailed, 0.2, 0.9)
    mail_kill_at = time.monotonic()
    in_flight = set(
        Notification.objects.filter(emailed_at__isnull=True).exclude(email_claim="").values_list("pk", flat=True)
    )
    workers.wait_ready(mail_killed)

    done_sweeping = done_mailing = None
    while time.monotonic() - mail_kill_at < DEADLINE_FOR_ALL:
        left = Clock.objects.filter(pk__in=clock_ids).exclude(escalation_level=LEVELS, next_check_at=None)
        if done_sweeping is None and not left.exists():
            done_sweeping = time.monotonic()
        if done_sweeping is not None and not Notification.objects.filter(emailed_at__isnull=True).exists():
            done_mailing = time.monotonic()
            break
        time.sleep(0.25)
    assert done_mailing, f"not finished in {DEADLINE_FOR_ALL} s:\n{workers.tail('a')}\n{workers.tail('b')}"
    time.sleep(3)  # one more pick-up and sweep: nothing may be sent or fired again
    workers.stop_all()

    # Every step exactly once, none missing, and nobody is ever told nothing.
    steps = Counter(ClockNotice.objects.filter(clock_id__in=clock_ids).values_list("clock_id", "kind", "level"))
    assert len(steps) == expected_notices and set(steps.values()) == {1}
    assert set(Counter(clock_id for clock_id, _kind, _level in steps).values()) == {LEVELS}
    notices = list(ClockNotice.objects.filter(clock_id__in=clock_ids).values_list("recipients", "fallback"))
    assert all(recipients for recipients, _fallback in notices)
    assert not Notification.objects.filter(case__subject_person=org.supervisor, recipient=org.supervisor).exists()

    # One notification per notice and recipient; each e-mailed, and exactly once — except that the
    # one message the mail-killed worker was sending when it died may have gone out a second time.
    notifications = Counter(Notification.objects.values_list("notice_id", "recipient_id"))
    assert set(notifications.values()) == {1}
    assert len(notifications) == sum(len(recipients) for recipients, _fallback in notices)
    mails = workers.mails()
    ids = set(Notification.objects.values_list("id", flat=True))
    missing = ids - set(mails)
    assert not missing and set(mails) == ids
    duplicates = {pk for pk, n in mails.items() if n > 1}
    assert duplicates <= in_flight and len(duplicates) <= 1 and max(mails.values()) <= 2
    assert sum(workers.starts.values()) == 4  # two workers, each kill followed by a restart

    record_property(
        "figures",
        f"[fault test] {len(clock_ids):,} due clocks, batches of {BATCH}, two workers (a with beat).\n"
        f"[fault test] SIGKILL {sweep_killed!r} mid-sweep {sweep_kill_at - armed:.1f} s after arming "
        f"({swept_at_kill:.0%} of the notices written), restarted; SIGKILL {mail_killed!r} mid-mail "
        f"({mailed_at_kill:.0%} e-mailed, {len(in_flight)} rows claimed), restarted.\n"
        f"[fault test] notices {len(steps):,}: each once, none missing "
        f"({sum(1 for _r, fallback in notices if fallback):,} to the fallback); notifications "
        f"{len(notifications):,}; e-mails {sum(mails.values()):,}: missing {len(missing)}, sent twice "
        f"{len(duplicates)} (the message in flight at the mail kill, if any).\n"
        f"[fault test] every step {done_sweeping - sweep_kill_at:.1f} s after the sweep kill; every e-mail "
        f"{done_mailing - mail_kill_at:.1f} s after the mail kill; whole test {time.monotonic() - started:.0f} s.",
    )


def test_each_task_lands_in_its_own_redis_queue(workers):
    """Published through the real router (no worker running): a sweep goes to kefu.sweeps only, an
    e-mail task to kefu.mail only — never copied into every queue."""
    script = (
        "import django; django.setup(); from config.celery import app; "
        "app.send_task('kefu.sla.tasks.sla_sweep_task'); app.send_task('kefu.sla.tasks.notifications_email', [[]])"
    )
    subprocess.run([sys.executable, "-c", script], env=workers.env, cwd=settings.BASE_DIR, check=True, timeout=60)
    client = _redis()
    prefix = workers.env["CELERY_BROKER_KEY_PREFIX"]
    lengths = {name: client.llen(prefix + name) for name in ("kefu.sweeps", "kefu.mail", "celery")}
    assert lengths == {"kefu.sweeps": 1, "kefu.mail": 1, "celery": 0}
