"""Reactions to case events (kefu.cases.events): the call-back after a case closes."""

from __future__ import annotations

from kefu.cases import events

__all__ = ("plan_call_back", "plan_order_call_back")


def plan_call_back(event: events.CaseEventInfo) -> None:
    """A case closed: make its call-back, once, if the case's rulebook samples it (kefu.visits.services)."""
    from kefu.visits.services import visit_call_back_for_case

    visit_call_back_for_case(case_id=event.case_id)


def plan_order_call_back(event) -> None:
    """A work order finished (kefu.workorders.events): its call-back, once, if its rulebook samples it."""
    from kefu.visits.services import visit_call_back_for_order

    visit_call_back_for_order(event=event)
