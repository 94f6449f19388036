"""Reactions to case events (kefu.cases.events)."""

from __future__ import annotations

from kefu.cases.events import CaseEventInfo
from kefu.knowledge.models import TextCheckOverride

__all__ = ("record_text_check_overrides",)


def record_text_check_overrides(event: CaseEventInfo) -> None:
    """A customer text sent despite warnings (`text_check_override` in the event's data) is counted
    for its sender's appraisal. Idempotent: one row per event."""
    findings = event.data.get("text_check_override") or []
    if not findings:
        return
    TextCheckOverride.objects.get_or_create(
        event_id=event.event_id,
        defaults={
            "case_id": event.case_id,
            "actor_id": event.actor_id,
            "phrases": sorted({str(f.get("text", ""))[:50] for f in findings}),
            "hits": min(len(findings), 32767),
            "occurred_at": event.occurred_at,
        },
    )
