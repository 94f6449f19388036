"""The case-event seam (kefu.cases.events): what apps built on the engine can rely on."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from kefu.cases import events
from kefu.cases.choices import EventKind, NoteVisibility
from kefu.cases.models import CaseEvent, CaseNote
from kefu.cases.services import case_add_note, case_transition


@pytest.fixture
def received():
    """A subscriber that records what it was given; unsubscribed after the test."""
    got: list[events.CaseEventInfo] = []
    events.subscribe("test.received", got.append)
    yield got
    events.unsubscribe("test.received")


def _route(case, org):
    return case_transition(
        case=case,
        actor=org.agent,
        transition="route",
        expected_version=case.version,
        data={"unit": org.aftersales.pk, "assignee": org.handler.pk},
    )


def test_a_subscriber_hears_each_change_after_commit_with_its_facts(org, make_case, received):
    case = make_case()
    case = case_transition(case=case, actor=org.agent, transition="establish", expected_version=case.version)
    _route(case, org)
    events.dispatch_pending()
    kinds = [(e.kind, e.transition, e.action) for e in received]
    assert kinds == [
        ("registered", "", ""),
        ("transition", "establish", "establish"),
        ("transition", "route", "route"),
    ]
    route = received[-1]
    assert route.case_number == case.number
    assert (route.case_type, route.case_kind, route.rulebook) == ("complaint", "complaint", "service-complaint")
    assert route.actor_id == org.agent.pk
    assert route.data["unit"] == "售后部"
    with pytest.raises(TypeError):
        route.data["unit"] = "x"  # a snapshot: subscribers cannot change what others receive


def test_each_event_is_delivered_once_however_often_the_dispatcher_runs(org, make_case, received):
    make_case()
    first = events.dispatch_pending()
    second = events.dispatch_pending()
    assert (first.delivered, second.delivered) == (1, 0)
    assert len(received) == 1
    assert not CaseEvent.objects.filter(dispatched_at__isnull=True).exists()


def test_nothing_is_heard_of_a_change_that_rolled_back(org, make_case, received):
    case = make_case()
    events.dispatch_pending()
    received.clear()
    with pytest.raises(RuntimeError), transaction.atomic():
        case_add_note(case=case, actor=org.agent, body="不会保存")
        raise RuntimeError("rolled back")
    events.dispatch_pending()
    assert received == []


def test_the_commit_queues_the_delivery(org, make_case, received, django_capture_on_commit_callbacks):
    """In production the commit queues `case_events_dispatch`; with eager Celery it runs at once."""
    case = make_case()
    events.dispatch_pending()
    received.clear()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        case_add_note(case=case, actor=org.agent, body="客户来电补充说明")
    assert len(callbacks) >= 1
    assert [(e.kind, e.message) for e in received] == [("note", "客户来电补充说明")]


def test_kinds_and_actions_narrow_what_a_subscriber_gets(org, make_case):
    routed: list[events.CaseEventInfo] = []
    events.subscribe("test.routed", routed.append, kinds={EventKind.TRANSITION}, actions={"route"})
    try:
        case = make_case()
        case = case_transition(case=case, actor=org.agent, transition="establish", expected_version=case.version)
        _route(case, org)
        events.dispatch_pending()
    finally:
        events.unsubscribe("test.routed")
    assert [e.transition for e in routed] == ["route"]


def test_a_registration_queues_no_delivery_when_only_transition_subscribers_are_installed(org, make_case):
    """The installed apps want transitions, transfers, notes…, and work orders want "route" transitions
    only: nobody wants a registration, so its event is delivered as it is written and no dispatch task
    is queued for it (one Celery message less per registration, and no worker run that finds nothing)."""
    routed = next(s for s in events.subscriptions() if s.name == "workorders.routed_repair")
    assert routed.kinds is None and routed.actions == {"route"}
    assert not routed.wants_kind(EventKind.REGISTERED) and routed.wants_kind(EventKind.TRANSITION)
    case = make_case()
    registered = CaseEvent.objects.get(case=case, kind=EventKind.REGISTERED)
    assert registered.dispatched_at is not None


def test_events_nobody_wants_are_delivered_when_written(org, make_case):
    # Only this test's subscriber: none of the installed apps' subscriptions count here.
    installed = events.subscriptions()
    for subscription in installed:
        events.unsubscribe(subscription.name)
    events.subscribe("test.transfers", lambda e: None, kinds={EventKind.TRANSFER})
    try:
        case = make_case()
    finally:
        events.unsubscribe("test.transfers")
        for s in installed:
            events.subscribe(s.name, s.handler, kinds=s.kinds, actions=s.actions)
    registered = CaseEvent.objects.get(case=case, kind=EventKind.REGISTERED)
    assert registered.dispatched_at is not None


def test_a_failing_subscriber_loses_nothing_and_undoes_its_partners_writes(org, make_case):
    """All subscribers of an event commit together: when one fails, the other's note for that event is
    rolled back too, the error is kept on the event, and the delivery is retried later with back-off."""
    case = make_case()
    events.dispatch_pending()
    broken = {"yes": True}

    def writes_a_note(event: events.CaseEventInfo) -> None:
        if event.kind == EventKind.NOTE and event.message == "触发":
            CaseNote.objects.create(case_id=event.case_id, author_id=event.actor_id, body="订阅方写入")

    def fails(event: events.CaseEventInfo) -> None:
        if broken["yes"]:
            raise ValueError("对方系统不可用")

    events.subscribe("test.a_writes", writes_a_note)
    events.subscribe("test.b_fails", fails)
    try:
        case_add_note(case=case, actor=org.agent, body="触发", visibility=NoteVisibility.INTERNAL)
        first = events.dispatch_pending()
        assert (first.delivered, first.failed) == (0, 1)
        event = CaseEvent.objects.get(case=case, kind=EventKind.NOTE)
        assert event.dispatched_at is None
        assert event.dispatch_attempts == 1
        assert "test.b_fails" in event.dispatch_error and "对方系统不可用" in event.dispatch_error
        assert not CaseNote.objects.filter(body="订阅方写入").exists()

        # Not retried before its back-off has passed …
        assert events.dispatch_pending().failed == 0
        # … then retried, and delivered once the other side is back.
        broken["yes"] = False
        later = events.dispatch_pending(now=timezone.now() + timedelta(minutes=5))
        assert later.delivered == 1
        assert CaseNote.objects.filter(body="订阅方写入").count() == 1
        event.refresh_from_db()
        assert event.dispatched_at is not None and event.dispatch_error == ""
    finally:
        events.unsubscribe("test.a_writes")
        events.unsubscribe("test.b_fails")


def test_after_the_last_attempt_an_event_waits_for_an_administrator(org, make_case):
    case = make_case()
    events.dispatch_pending()

    def fails(event: events.CaseEventInfo) -> None:
        raise ValueError("永久故障")

    events.subscribe("test.always_fails", fails)
    try:
        case_add_note(case=case, actor=org.agent, body="备注")
        at = timezone.now()
        for _ in range(events.MAX_ATTEMPTS):
            at += timedelta(hours=2)
            events.dispatch_pending(now=at)
        event = CaseEvent.objects.get(case=case, kind=EventKind.NOTE)
        assert event.dispatch_attempts == events.MAX_ATTEMPTS
        assert events.dispatch_pending(now=at + timedelta(days=1)).failed == 0  # no longer tried
    finally:
        events.unsubscribe("test.always_fails")


def test_muted_history_is_delivered_to_nobody(org, make_case, received):
    with events.muted():
        make_case()
    assert events.dispatch_pending().delivered == 0
    assert received == []
