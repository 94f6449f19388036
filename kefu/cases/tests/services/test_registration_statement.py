"""Registration in one statement (PostgreSQL): the same rows as writing them one by one.

On PostgreSQL `case_register` writes the number increment, the case, its history, its clocks and the
Idempotency-Key record with one data-modifying statement (kefu.core.hotpath.one_statement); with
`KEFU_ONE_STATEMENT` off it writes them one by one, as on SQLite. Each test registers the same cases
both ways and compares every stored column that is not an id or a time.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from kefu.cases import events
from kefu.cases.models import Case, CaseEvent, IdempotencyRecord, NumberSequence
from kefu.cases.services import case_register, request_fingerprint
from kefu.core.hotpath import one_statement_alone
from kefu.sla.models import Clock

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

SH = ZoneInfo("Asia/Shanghai")
_SKIP = {"id", "created_at", "updated_at", "case_id", "number", "dispatched_at"}


def _columns(obj: Any) -> dict[str, Any]:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields if f.attname not in _SKIP}


def _stored(case: Case) -> dict[str, Any]:
    case = Case.objects.get(pk=case.pk)
    return {
        "case": _columns(case),
        "events": [_columns(e) for e in CaseEvent.objects.filter(case=case).order_by("id")],
        "clocks": [_columns(c) for c in Clock.objects.filter(case=case).order_by("id")],
        "keys": [
            {k: v for k, v in _columns(r).items() if k != "key"}
            for r in IdempotencyRecord.objects.filter(case=case).order_by("id")
        ],
    }


def _register_both_ways(
    settings, register, when: datetime = datetime(2026, 11, 30, 10, 0, tzinfo=SH)
) -> tuple[dict[str, Any], dict[str, Any], Case, Case]:
    """The same registration at the same (frozen) time, in one statement and then one by one."""
    settings.KEFU_ONE_STATEMENT = True
    with time_machine.travel(when, tick=False), CaptureQueriesContext(connection) as queries:
        batched = register("one")
    inserts = [q["sql"] for q in queries if "INSERT" in q["sql"]]
    assert len(inserts) == 1 and inserts[0].startswith("WITH"), inserts
    settings.KEFU_ONE_STATEMENT = False
    with time_machine.travel(when, tick=False), CaptureQueriesContext(connection) as queries:
        plain = register("two")
    assert sum("INSERT" in q["sql"] for q in queries) >= 4  # counter, case, history, clocks one by one
    return _stored(batched), _stored(plain), batched, plain


def test_a_complaint_about_a_person_is_stored_the_same_both_ways(settings, org, make_case):
    """Subject person and unit, severity, form fields, sealed roles, two clocks, the key record:
    every column equal, and the in-memory case (the 201 body's source) carries the stored number."""

    def register(key: str) -> Case:
        return make_case(
            severity="serious",
            subject_person=org.technician,
            idempotency_key=f"call-{key}",
            request_hash=request_fingerprint({"title": "维修人员态度恶劣"}),
        )

    one, two, batched, plain = _register_both_ways(settings, register)
    assert one == two
    assert len(one["clocks"]) >= 2 and one["keys"] and one["case"]["subject_unit_id"] == org.team.pk
    for case in (batched, plain):
        stored = Case.objects.get(pk=case.pk)
        assert (case.number, case.version) == (stored.number, stored.version)
        assert [e.pk for e in case.registration_events] == list(stored.events.values_list("pk", flat=True))
        assert all(e.case_id == case.pk for e in case.registration_events)
    # Consecutive numbers whichever way they were written.
    assert int(plain.number[-5:]) == int(batched.number[-5:]) + 1


def test_clocks_without_a_deadline_are_stored_the_same_both_ways(settings, make_case):
    """Power supply (power-supply.yaml) on the last afternoon of 2026, when 2027's working calendar is
    not loaded: the clocks wait without a deadline and a second history row with a version of its own
    says so, written in the same statement (case version 2)."""

    def register(key: str) -> Case:
        return make_case(title="供电质量差", rulebook_key="power-supply", category="supply_quality")

    one, two, batched, _plain = _register_both_ways(settings, register, datetime(2026, 12, 31, 16, 0, tzinfo=SH))
    assert one == two
    assert one["case"]["version"] == 2 and [e["case_version"] for e in one["events"]] == [1, 2]
    assert any(c["deadline"] is None for c in one["clocks"])
    assert batched.registration_events is None  # the 201 body reads the two rows back


def test_a_repair_opening_on_a_later_stage_is_stored_the_same_both_ways(settings, make_case):
    """Gas service (gas-service.yaml): a repair opens on `reported`, so the clocks of `registered` and
    of `reported` start together; a required form field is stored as typed."""

    def register(key: str) -> Case:
        return make_case(
            "repair",
            title="燃气表漏气",
            rulebook_key="gas-service",
            category="network_fault",
            fields={"address": "宁波市海曙区中山西路 8 号"},
        )

    one, two, _batched, _plain = _register_both_ways(settings, register)
    assert one == two
    assert one["case"]["stage"] == "reported" and one["case"]["fields"]["address"].startswith("宁波")


def test_the_number_grows_past_its_width_as_in_python(settings, org, make_case):
    """A serial past the pattern's width is written in full (…99999 → …100000), never cut, on both ways."""
    first = make_case()
    (sequence,) = [s for s in NumberSequence.objects.all() if first.number.startswith(s.prefix)]
    width = len(first.number) - len(sequence.prefix)
    settings.KEFU_ONE_STATEMENT = True
    NumberSequence.objects.filter(pk=sequence.pk).update(last=10**width - 1)
    assert make_case().number == f"{sequence.prefix}1{'0' * width}"
    settings.KEFU_ONE_STATEMENT = False
    assert make_case().number == f"{sequence.prefix}1{'0' * (width - 1)}1"


def test_a_repeated_key_leaves_no_case_and_no_gap_in_the_numbers(settings, org, make_case):
    settings.KEFU_ONE_STATEMENT = True
    first = make_case(idempotency_key="call-7", request_hash="h")
    cases, events, clocks = Case.objects.count(), CaseEvent.objects.count(), Clock.objects.count()
    again = make_case(idempotency_key="call-7", request_hash="h")
    assert again.pk == first.pk
    assert (Case.objects.count(), CaseEvent.objects.count(), Clock.objects.count()) == (cases, events, clocks)
    following = make_case()
    assert int(following.number[-5:]) == int(first.number[-5:]) + 1


@pytest.fixture
def received():
    got: list[Any] = []
    events.subscribe("test.registration-statement", got.append)
    yield got
    events.unsubscribe("test.registration-statement")


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_statement_is_the_whole_transaction(settings, org, rulebooks, customer, received):
    """The API's case: no transaction is open, so the one statement commits by itself (no BEGIN, no
    COMMIT). What it wrote is visible to another connection at once; a subscriber of the case events
    hears of the new case after the rows exist (the eager dispatch finds the event); a repeated key
    fails the whole statement, leaving no case, no history, no clock and no number taken."""
    settings.KEFU_ONE_STATEMENT = True
    assert one_statement_alone()

    def register(key: str) -> tuple[Case, bool]:
        return case_register(
            actor=org.agent,
            case_type="complaint",
            customer=customer,
            channel="phone",
            title="上门服务迟到",
            description="约定上午九点上门，十一点仍未到。",
            category="attitude",
            idempotency_key=key,
            request_hash="same request",
        )

    first, created = register("call-9")
    assert created and first.pk and first.number
    with psycopg.connect(_dsn()) as other:
        ((number,),) = other.execute("SELECT number FROM cases_case WHERE id = %s", [first.pk]).fetchall()
    assert number == first.number
    assert [(e.kind, e.case_number) for e in received] == [("registered", first.number)]

    counts = (Case.objects.count(), CaseEvent.objects.count(), Clock.objects.count())
    again, created = register("call-9")
    assert (again.pk, created) == (first.pk, False)
    assert (Case.objects.count(), CaseEvent.objects.count(), Clock.objects.count()) == counts
    following, _ = register("call-10")
    assert int(following.number[-5:]) == int(first.number[-5:]) + 1

    # The same registration outside and inside a transaction (a service calling it): the same rows.
    with time_machine.travel(datetime(2026, 11, 30, 10, 0, tzinfo=SH), tick=False):
        following, _ = register("call-11")
        with transaction.atomic():
            assert not one_statement_alone()
            inside, _ = register("call-12")
    assert _stored(inside)["case"] == _stored(following)["case"]
    assert [e["kind"] for e in _stored(inside)["events"]] == ["registered"]
    assert len(_stored(inside)["clocks"]) == len(_stored(following)["clocks"])


def _dsn() -> str:
    params = connection.get_connection_params()
    return psycopg.conninfo.make_conninfo(
        **{k: v for k, v in params.items() if k in {"dbname", "user", "host", "port", "password"} and v}
    )
