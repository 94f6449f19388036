"""The one write of this app: put a hand-off notice in people's inboxes, once per event and person."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from django.db import transaction
from django.urls import reverse

from kefu.cases.models import Case
from kefu.handoffs.models import HandoffNotice
from kefu.org.models import User
from kefu.sla.inbox import inbox_notify

__all__ = ("handoff_notify",)


@transaction.atomic
def handoff_notify(
    *,
    event_id: int,
    case: Case,
    code: str,
    kind: str,
    recipients: Iterable[User],
    params: Mapping[str, Any],
    due_at: datetime | None,
    exclude: Iterable[int] = (),
) -> int:
    """Notify `recipients` about `case` with message `code`, for the case event `event_id`.

    Only people who may see the case are told (`Case.objects.visible_to`); never the ids in `exclude`
    (the actor, the person a complaint is about); nobody twice for one event and message (the unique
    `handoff_once_per_event`). Returns how many notices were written.
    """
    excluded = set(exclude)
    if case.subject_person_id:
        excluded.add(case.subject_person_id)
    people = {p.pk: p for p in recipients if p is not None and p.is_active and p.pk not in excluded}
    if not people:
        return 0
    done = set(
        HandoffNotice.objects.filter(event_id=event_id, code=code, recipient_id__in=people).values_list(
            "recipient_id", flat=True
        )
    )
    allowed = [
        p for pk, p in people.items() if pk not in done and Case.objects.visible_to(p).filter(pk=case.pk).exists()
    ]
    if not allowed:
        return 0
    created = inbox_notify(
        recipients=allowed,
        kind=kind,
        code=code,
        params=params,
        case=case,
        url=reverse("web:case", args=[case.number]),
        due_at=due_at,
    )
    HandoffNotice.objects.bulk_create(
        [HandoffNotice(event_id=event_id, recipient_id=n.recipient_id, code=code, notification=n) for n in created]
    )
    return len(created)
