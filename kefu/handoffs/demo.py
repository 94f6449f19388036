"""Demo hand-off notices: the demo's history is written muted (nobody is told about months-old steps),
so the inbox would be empty; this tells the people of a few open cases about their latest step, as
the live subscriber would have."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from kefu.cases.choices import CaseStatus, EventKind
from kefu.cases.events import CaseEventInfo
from kefu.cases.models import Case, CaseEvent
from kefu.handoffs.models import HandoffNotice
from kefu.handoffs.subscribers import notify_handoff

__all__ = ("make_handoffs_demo",)

CASES = 40


def _info(event: CaseEvent) -> CaseEventInfo:
    case = event.case
    type_def = case.rulebook.case_types.get(case.case_type)
    td = type_def.transition(event.transition) if type_def is not None and event.transition else None
    return CaseEventInfo(
        event_id=event.pk,
        case_id=case.pk,
        case_number=case.number,
        case_type=case.case_type,
        case_kind=type_def.kind if type_def is not None else "",
        rulebook=case.rulebook.key,
        kind=event.kind,
        transition=event.transition,
        action=str(td.action.value) if td is not None else "",
        actor_id=event.actor_id,
        from_stage=event.from_stage,
        to_stage=event.to_stage,
        from_status=event.from_status,
        to_status=event.to_status,
        case_version=event.case_version,
        message=event.message,
        data=dict(event.data or {}),
        occurred_at=event.created_at,
        owner_id=event.owner_id,
        assignee_id=event.assignee_id,
        responsible_unit_id=event.responsible_unit_id,
    )


def make_handoffs_demo(world: Any, *, rng: random.Random, log: Callable[[str], None]) -> None:
    """For the newest open cases, the latest step that hands work to someone is told again now."""
    ids = list(
        Case.objects.filter(status=CaseStatus.OPEN)
        .exclude(stage="registered")
        .order_by("-received_at")
        .values_list("pk", flat=True)[:CASES]
    )
    told = 0
    for case_id in ids:
        steps = (
            CaseEvent.objects.filter(case_id=case_id, kind=EventKind.TRANSITION)
            .select_related("case__rulebook_version")
            .order_by("-case_version")[:4]
        )
        for event in steps:
            before = HandoffNotice.objects.filter(event__case_id=case_id).count()
            notify_handoff(_info(event))
            if HandoffNotice.objects.filter(event__case_id=case_id).count() > before:
                told += 1
                break
    log(f"hand-off notices for {told} open cases")
