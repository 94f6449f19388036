"""kefu.core.hotpath: compiled-once statements give what the ORM gives, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import Count, signals
from django.test.utils import CaptureQueriesContext

from kefu.cases.choices import EventKind
from kefu.cases.models import Case, CaseEvent
from kefu.core.hotpath import CompiledQuery, insert_rows, one_statement
from kefu.org.models import OrgUnit, User
from kefu.sla.models import Clock

pytestmark = pytest.mark.django_db

_PEOPLE = CompiledQuery(
    lambda unit: (
        User.objects.filter(unit__code=unit)
        .select_related("unit__parent")
        .annotate(n_cases=Count("pk"))
        .order_by("username")
    ),
    "\x00unit-sample",
)


def _people(code: str) -> list[User]:
    return list(
        User.objects.filter(unit__code=code)
        .select_related("unit__parent")
        .annotate(n_cases=Count("pk"))
        .order_by("username")
    )


def test_a_compiled_query_returns_what_the_orm_returns_for_each_value(org):
    """Same rows, same field values, the related objects attached (no query to reach them) and the
    annotation set, for several values through one compiled statement; two units called 售后部 in
    different cities are told apart by their codes."""
    for code in ("hz-as", "nb-as", "gmo", "no-such-unit"):
        got, want = _PEOPLE.all(code), _people(code)
        assert [u.pk for u in got] == [u.pk for u in want]
        for a, b in zip(got, want, strict=True):
            assert {f.attname: getattr(a, f.attname) for f in User._meta.concrete_fields} == {
                f.attname: getattr(b, f.attname) for f in User._meta.concrete_fields
            }
            assert a.n_cases == b.n_cases
            with CaptureQueriesContext(connection) as queries:
                assert (a.unit.name, a.unit.parent.name) == (b.unit.name, b.unit.parent.name)
            assert len(queries) == 0
    assert [u.username for u in _PEOPLE.all("hz-as")] == ["handler", "manager", "supervisor"]
    assert _PEOPLE.first("no-such-unit") is None


def test_a_compiled_query_runs_one_statement_per_call(org):
    _PEOPLE.all("hz-cs")
    with CaptureQueriesContext(connection) as queries:
        _PEOPLE.all("nb-cs")
    assert len(queries) == 1


def test_a_sample_value_that_is_not_a_parameter_is_refused(org):
    wrong = CompiledQuery(lambda code: OrgUnit.objects.filter(code="hz"), "\x00absent")
    with pytest.raises(ValueError, match="exactly once"):
        wrong.all("hz")


def _note(case: Case, actor: User, message: str, data: dict | None = None) -> CaseEvent:
    return CaseEvent(
        case=case,
        kind=EventKind.NOTE,
        actor=actor,
        from_stage=case.stage,
        to_stage=case.stage,
        from_status=case.status,
        to_status=case.status,
        message=message,
        data=data or {},
        case_version=case.version + 1,  # one history row per version
    )


def test_inserted_rows_read_back_as_the_orm_would_have_written_them(make_case, org):
    """A history row written by insert_rows: auto dates, JSON data and foreign keys as save() writes."""
    case = make_case()
    event = _note(case, org.agent, "客户来电催促", {"电话": "138 1234 5678", "n": [1, 2]})
    insert_rows([event])
    assert event.pk and not event._state.adding
    stored = CaseEvent.objects.get(pk=event.pk)
    assert stored.created_at == event.created_at is not None
    assert (stored.case_id, stored.actor_id, stored.message, stored.data) == (
        case.pk,
        org.agent.pk,
        "客户来电催促",
        {"电话": "138 1234 5678", "n": [1, 2]},
    )


def test_several_rows_get_their_own_ids_in_order(make_case):
    case = make_case()
    template = Clock.objects.filter(case=case).first()
    clocks = []
    for key in ("k1", "k2", "k3"):
        clock = Clock.objects.get(pk=template.pk)
        clock.pk, clock.key, clock.status = None, key, "met"
        clocks.append(clock)
    insert_rows(clocks)
    assert [Clock.objects.get(pk=c.pk).key for c in clocks] == ["k1", "k2", "k3"]


def test_a_model_with_save_receivers_goes_through_the_orm(make_case, org):
    """A receiver connected to the model's post_save is never skipped."""
    case = make_case()
    seen = []

    def receiver(sender, instance, created, **kwargs):
        seen.append((instance.message, created))

    signals.post_save.connect(receiver, sender=CaseEvent)
    try:
        insert_rows([_note(case, org.agent, "有人在听")])
    finally:
        signals.post_save.disconnect(receiver, sender=CaseEvent)
    assert seen == [("有人在听", True)]
    assert Case.objects.filter(events__message="有人在听").exists()


def test_one_statement_writes_its_rows_when_the_block_ends(make_case, org):
    """On PostgreSQL the block's inserts wait for its end and go as one statement; elsewhere each
    runs at once. Either way the rows and ids are there after the block."""
    case = make_case()
    with CaptureQueriesContext(connection) as queries, one_statement() as batch:
        event = _note(case, org.agent, "批量写入")
        insert_rows([event])
        assert (event.pk is None) == (batch is not None)
    assert (batch is not None) == (connection.vendor == "postgresql")
    assert len(queries) == 1
    assert CaseEvent.objects.get(pk=event.pk).message == "批量写入"


@pytest.mark.postgres
def test_an_error_inside_one_statement_writes_nothing(make_case, org):
    case = make_case()
    before = CaseEvent.objects.count()
    with pytest.raises(RuntimeError), one_statement():
        insert_rows([_note(case, org.agent, "不该写入")])
        raise RuntimeError("the service failed half-way")
    assert CaseEvent.objects.count() == before
