"""Case events for the apps built on the case engine: one typed, documented seam.

Every change to a case writes a `CaseEvent` row in the transaction that made the change
(`kefu.cases.changes`). Apps that react to cases — work orders when a repair case is routed,
return visits when a case closes, the work inbox on every hand-off, appraisal on a responsibility
finding — subscribe here instead of being imported by the case engine:

    # kefu/visits/apps.py
    class VisitsConfig(AppConfig):
        def ready(self) -> None:
            from kefu.cases import events
            from kefu.visits.subscribers import plan_call_back

            events.subscribe("visits.call_back", plan_call_back, kinds={"transition"}, actions={"close"})

    # kefu/visits/subscribers.py
    def plan_call_back(event: events.CaseEventInfo) -> None:
        ...  # writes through the app's own services

How delivery works, and what a subscriber can rely on:

* **After commit only.** A subscriber never sees a change that rolled back. When a transaction that
  recorded events commits, one `case_events_dispatch` task is queued; a periodic task (beat, every
  `KEFU_EVENTS_SWEEP_SECONDS`) picks up anything a dead worker or a lost message left behind.
* **Exactly once per event, all subscribers together.** The dispatcher locks a batch of undelivered
  events (`FOR UPDATE SKIP LOCKED`: two dispatchers split the work), and for each event runs every
  interested subscriber inside one savepoint, then marks the event delivered, in the same
  transaction. A subscriber's database writes therefore commit exactly when the event is marked;
  a worker killed mid-batch rolls both back and the event is delivered again later.
* **Failures are retried, never dropped.** If any subscriber raises, the event's savepoint rolls
  back (so no subscriber's writes for it survive), the error is stored on the event and logged, and
  the event is retried with back-off; after `MAX_ATTEMPTS` it waits for an administrator (the case
  event admin lists them and can retry them).
* **Side effects after commit.** A subscriber that sends mail or calls another system queues that
  with `transaction.on_commit` (it then happens only if the delivery commits).
* **Order.** Events are delivered in id order within a dispatcher, but two dispatchers may deliver
  two events of the same case concurrently, and a retried event comes after later ones. A
  subscriber that changes a case does so through `kefu.cases.changes` (which locks the case) and
  decides from the case's current state, not from the order of events.
* **Handlers are plain functions** taking a `CaseEventInfo` (a frozen snapshot: ids, codes and the
  event's `data`, never model instances). They must be importable at `ready()` time and should be
  quick; long work belongs in a task of the app's own.

Events no subscriber wants are marked delivered when they are written, so a site without the
optional apps pays nothing for this seam.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from kefu.cases.choices import EventKind
from kefu.core.hotpath import current_batch

if TYPE_CHECKING:
    from kefu.cases.models import CaseEvent

__all__ = (
    "MAX_ATTEMPTS",
    "CaseEventInfo",
    "DispatchResult",
    "Subscription",
    "dispatch_pending",
    "muted",
    "request_dispatch",
    "subscribe",
    "subscriptions",
    "unsubscribe",
)

log = logging.getLogger(__name__)

# After this many failed deliveries an event waits for an administrator (admin action "retry").
MAX_ATTEMPTS = 8
_BACKOFF_FIRST = timedelta(seconds=30)
_BACKOFF_MAX = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class CaseEventInfo:
    """What a subscriber receives: a snapshot of one case event, taken when it is delivered.

    `owner_id`, `assignee_id` and `responsible_unit_id` are the case's as they were right after the
    change (a subscriber delivered late must not tell today's handler about yesterday's step).
    `kind` is a `kefu.cases.choices.EventKind` value; for `transition` events, `transition` is the
    rulebook transition's name and `action` its engine action (`kefu.rulebooks.choices.TransitionAction`,
    e.g. `route`, `close`, `customer_reject`), else both are "". `case_kind` is the kind of the case
    type in its rulebook (`complaint`, `repair`, …). `data` is the event's data (read-only).
    """

    event_id: int
    case_id: int
    case_number: str
    case_type: str
    case_kind: str
    rulebook: str
    kind: str
    transition: str
    action: str
    actor_id: int
    from_stage: str
    to_stage: str
    from_status: str
    to_status: str
    case_version: int
    message: str
    data: Mapping[str, Any]
    occurred_at: datetime
    # The case's people right after this change (not when the event is delivered).
    owner_id: int | None = None
    assignee_id: int | None = None
    responsible_unit_id: int | None = None


Handler = Callable[[CaseEventInfo], None]


@dataclass(frozen=True, slots=True)
class Subscription:
    """A named handler and the events it wants (None = every kind / every action)."""

    name: str
    handler: Handler
    kinds: frozenset[str] | None = None
    actions: frozenset[str] | None = None

    def wants_kind(self, kind: str) -> bool:
        if self.kinds is not None:
            return kind in self.kinds
        # Transition actions imply transition events: such a subscriber wants no other kind (a
        # registration no subscriber wants is marked delivered at once, and queues no task).
        return self.actions is None or kind == EventKind.TRANSITION

    def wants(self, kind: str, action: str) -> bool:
        if not self.wants_kind(kind):
            return False
        return self.actions is None or action in self.actions


_registry: dict[str, Subscription] = {}


def subscribe(
    name: str, handler: Handler, *, kinds: Iterable[str] | None = None, actions: Iterable[str] | None = None
) -> None:
    """Register `handler` under a unique `name` (e.g. "visits.call_back"); call from AppConfig.ready().

    `kinds` narrows the event kinds (EventKind values), `actions` the transition actions (it implies
    transition events). Registering a name again replaces it, so a reloaded app does not subscribe twice.
    """
    _registry[name] = Subscription(
        name=name,
        handler=handler,
        kinds=frozenset(kinds) if kinds is not None else None,
        actions=frozenset(actions) if actions is not None else None,
    )


def unsubscribe(name: str) -> None:
    _registry.pop(name, None)


def subscriptions() -> list[Subscription]:
    return list(_registry.values())


# --------------------------------------------------------------------------------------------------
# Writing side (called by kefu.cases.changes)


_local = threading.local()


@contextmanager
def muted() -> Iterator[None]:
    """Events written inside this block (in this thread) are marked delivered without telling any
    subscriber. For the demo's back-dated history and bulk imports of old records, which must not
    notify anybody about things that happened months ago. Never for live work."""
    previous = getattr(_local, "muted", False)
    _local.muted = True
    try:
        yield
    finally:
        _local.muted = previous


def prepare(event: CaseEvent) -> None:
    """Before the event row is inserted: an event no subscriber wants is delivered at once."""
    if getattr(_local, "muted", False) or not any(s.wants_kind(event.kind) for s in _registry.values()):
        event.dispatched_at = timezone.now()


def _enqueue() -> None:
    from kefu.cases.tasks import case_events_dispatch

    case_events_dispatch.delay()


def request_dispatch() -> None:
    """Queue a delivery run when the current transaction commits (e.g. after an administrator reset
    failed events)."""
    transaction.on_commit(_enqueue)


def schedule_dispatch(event: CaseEvent) -> None:
    """Queue one dispatch task for when the current transaction commits (once per transaction)."""
    if event.dispatched_at is not None:
        return
    batch = current_batch()
    if batch is not None:
        # The row is not written yet (kefu.core.hotpath.one_statement): schedule once it is.
        batch.after(_schedule)
        return
    _schedule()


def _schedule() -> None:
    connection = transaction.get_connection()
    # Several events of one service call (a transition and its deadline history) need one task.
    # Only a queued task of the same savepoint level counts: a callback of an inner block that was
    # released or rolled back is not relied on.
    current = set(connection.savepoint_ids)
    if any(func is _enqueue and sids == current for sids, func, _robust in connection.run_on_commit):
        return
    transaction.on_commit(_enqueue)


# --------------------------------------------------------------------------------------------------
# Delivery


@dataclass
class DispatchResult:
    delivered: int = 0  # events marked delivered (with or without interested subscribers)
    handled: int = 0  # subscriber calls that succeeded
    failed: int = 0  # events whose delivery failed this time (retried later)
    failures: list[tuple[int, str, str]] = field(default_factory=list, repr=False)  # (event, subscriber, error)


def _info(event: CaseEvent) -> CaseEventInfo:
    case = event.case
    doc = case.rulebook
    type_def = doc.case_types.get(case.case_type)
    action = ""
    if event.transition and type_def is not None:
        td = type_def.transition(event.transition)
        action = str(td.action.value) if td is not None else ""
    return CaseEventInfo(
        event_id=event.pk,
        case_id=case.pk,
        case_number=case.number,
        case_type=case.case_type,
        case_kind=type_def.kind if type_def is not None else "",
        rulebook=doc.key,
        kind=event.kind,
        transition=event.transition,
        action=action,
        actor_id=event.actor_id,
        from_stage=event.from_stage,
        to_stage=event.to_stage,
        from_status=event.from_status,
        to_status=event.to_status,
        case_version=event.case_version,
        message=event.message,
        data=MappingProxyType(dict(event.data or {})),
        occurred_at=event.created_at,
        owner_id=event.owner_id,
        assignee_id=event.assignee_id,
        responsible_unit_id=event.responsible_unit_id,
    )


def _backoff(attempts: int) -> timedelta:
    return min(_BACKOFF_FIRST * (2 ** max(attempts - 1, 0)), _BACKOFF_MAX)


def _deliver_batch(*, now: datetime, batch: int, result: DispatchResult) -> int:
    from kefu.cases.models import CaseEvent

    with transaction.atomic():
        pending = list(
            CaseEvent.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(dispatched_at__isnull=True, dispatch_attempts__lt=MAX_ATTEMPTS)
            .exclude(dispatch_retry_at__gt=now)
            .select_related("case__rulebook_version")
            .order_by("id")[:batch]
        )
        delivered: list[int] = []
        for event in pending:
            info = _info(event)
            wanted = [s for s in _registry.values() if s.wants(info.kind, info.action)]
            current = ""
            try:
                with transaction.atomic():
                    for subscription in wanted:
                        current = subscription.name
                        subscription.handler(info)
                        result.handled += 1
            except Exception as exc:  # noqa: BLE001 - any failure is recorded and retried, never lost
                log.exception(
                    "case event %s (%s %s): subscriber %s failed", event.pk, info.case_number, info.kind, current
                )
                event.dispatch_attempts += 1
                event.dispatch_retry_at = now + _backoff(event.dispatch_attempts)
                event.dispatch_error = f"{current}: {type(exc).__name__}: {exc}"[:2000]
                event.save(update_fields=["dispatch_attempts", "dispatch_retry_at", "dispatch_error"])
                result.failed += 1
                result.failures.append((event.pk, current, event.dispatch_error))
                continue
            delivered.append(event.pk)
        if delivered:
            CaseEvent.objects.filter(pk__in=delivered).update(dispatched_at=now, dispatch_error="")
        result.delivered += len(delivered)
    return len(pending)


def dispatch_pending(*, batch: int = 200, now: datetime | None = None) -> DispatchResult:
    """Deliver every event that is due to its subscribers; returns what happened. Safe to run in
    several processes at once (they skip each other's locked events)."""
    now = now or timezone.now()
    result = DispatchResult()
    while _deliver_batch(now=now, batch=batch, result=result) == batch:
        pass
    if result.delivered or result.failed:
        log.info("case events: %s delivered, %s failed", result.delivered, result.failed)
    return result
