"""Shared by the field-service preset tests: check the file, register a case under the preset at a
local time, make its work order and dispatch it at a given time (the real 2026 calendar)."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import time_machine
from django.core.management import call_command

from kefu.rulebooks.services import PRESET_DIR
from kefu.rulebooks.tests.presets.kit import register, sh
from kefu.workorders.services import workorder_create, workorder_dispatch

__all__ = ("check_preset", "order_for", "sh")


def check_preset(name: str) -> None:
    out = StringIO()
    call_command("rulebook", "check", str(PRESET_DIR / name), stdout=out)
    assert ": ok (" in out.getvalue()


def order_for(
    *,
    org,
    customer,
    rulebook: str,
    reported: dt.datetime,
    dispatched: dt.datetime | None,
    kind: str = "repair",
    category: str = "",
    case_type: str = "repair",
    fields: dict | None = None,
    urgent: bool = False,
):
    """A case registered at `reported` under `rulebook` (when a category is given), its work order, and
    — at `dispatched` — the dispatch to the technician of 维修一班."""
    case = None
    if category:
        case = register(
            reported,
            org=org,
            customer=customer,
            rulebook=rulebook,
            case_type=case_type,
            category=category,
            fields=fields or {},
            title="报修",
            description="业主来电报修。",
        )
    with time_machine.travel(reported + dt.timedelta(minutes=5), tick=False):
        order, _ = workorder_create(
            actor=org.agent,
            kind=kind,
            customer=customer,
            description="报修：" + (category or kind),
            unit=org.aftersales,
            case=case,
            rulebook_key=None if case else rulebook,
            urgent=urgent,
            reported_at=reported,
        )
    if dispatched is None:
        return order
    with time_machine.travel(dispatched, tick=False):
        return workorder_dispatch(
            order=order, actor=org.supervisor, expected_version=order.version, technician=org.technician
        )
