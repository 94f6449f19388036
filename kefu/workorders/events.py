"""The work-order event seam: other apps learn that an order was finished without importing its services.

Work orders had no seam like `kefu.cases.events`; this one is small and synchronous after commit:

    # in another app's AppConfig.ready()
    from kefu.workorders import events
    events.subscribe("visits.call_back", plan_order_call_back)

`workorder_complete` calls `order_finished(order)` as its last step. The subscribers run once the
transaction has committed (`transaction.on_commit`, never for a rolled-back completion), each with a
frozen `OrderFinished` of plain values, each isolated: one that raises is logged with its name and the
order number, and the others still run. A subscriber that must not miss an order makes its own work
idempotent (the return-visit app relies on a unique constraint per order), since there is no outbox
or retry here: a crash between commit and delivery loses the delivery, which a rerun of the
subscriber's own sweep can repair.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction

__all__ = ("OrderFinished", "order_finished", "subscribe", "subscriptions", "unsubscribe")

logger = logging.getLogger(__name__)

Subscriber = Callable[["OrderFinished"], Any]


@dataclass(frozen=True)
class OrderFinished:
    """A work order finished on site (status completed), as plain values."""

    order_id: int
    number: str
    customer_id: int
    case_id: int | None
    unit_id: int
    technician_id: int | None
    created_by_id: int
    kind: str
    service_type: str
    completed_at: datetime
    rulebook_version_id: int


_registry: dict[str, Subscriber] = {}


def subscribe(name: str, fn: Subscriber) -> None:
    """Register (or replace) the subscriber `name`; call from AppConfig.ready()."""
    _registry[name] = fn


def unsubscribe(name: str) -> None:
    _registry.pop(name, None)


def subscriptions() -> dict[str, Subscriber]:
    """The registered subscribers by name (a copy)."""
    return dict(_registry)


def _deliver(info: OrderFinished) -> None:
    for name, fn in list(_registry.items()):
        try:
            fn(info)
        except Exception:  # one subscriber's failure must not stop the others
            logger.exception("work-order subscriber %s failed for %s", name, info.number)


def order_finished(order: Any) -> None:
    """Tell the subscribers, after commit, that `order` was completed."""
    info = OrderFinished(
        order_id=order.pk,
        number=order.number,
        customer_id=order.customer_id,
        case_id=order.case_id,
        unit_id=order.unit_id,
        technician_id=order.technician_id,
        created_by_id=order.created_by_id,
        kind=order.kind,
        service_type=order.service_type,
        completed_at=order.completed_at,
        rulebook_version_id=order.rulebook_version_id,
    )
    transaction.on_commit(lambda: _deliver(info))
