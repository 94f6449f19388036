"""What the follow page shows a customer about their case — only what is meant for them.

* the stage in the rulebook's words (`Case.stage_label`), the case type and category labels;
* the promised dates: the deadlines of the case's clocks still running or paused (the rulebook's
  clock labels, e.g. 满意答复 — the regulation's promise to the customer), never internal escalations;
* the replies: notes marked "visible to customer" (the reply action and a not-established reason
  write one), never internal notes, names of staff or history;
* the files the customer sent (attachments marked visible to the customer);
* follow-up cases opened on their rejection (numbers only).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from kefu.cases.choices import NoteVisibility
from kefu.cases.models import Case, CaseAttachment, CaseNote
from kefu.cases.services import customer_may_answer
from kefu.sla.choices import ClockStatus
from kefu.sla.models import Clock

__all__ = ("CaseForCustomer", "case_for_customer", "portal_case_types")


@dataclass(frozen=True)
class CaseForCustomer:
    case: Case
    promised: list[tuple[str, datetime]]
    replies: list[CaseNote]
    files: list[str]
    follow_ups: list[str]
    may_answer: bool


def case_for_customer(case: Case) -> CaseForCustomer:
    clocks = (
        Clock.objects.filter(case=case, status__in=[ClockStatus.RUNNING, ClockStatus.PAUSED], deadline__isnull=False)
        .order_by("deadline")
        .values_list("label", "deadline")
    )
    replies = list(
        CaseNote.objects.filter(case=case, visibility=NoteVisibility.CUSTOMER)
        .order_by("created_at", "pk")
        .only("body", "created_at")
    )
    files = list(
        CaseAttachment.objects.filter(case=case, visibility=NoteVisibility.CUSTOMER)
        .order_by("created_at", "pk")
        .values_list("name", flat=True)
    )
    follow_ups = list(case.follow_ups.order_by("pk").values_list("number", flat=True))
    return CaseForCustomer(
        case=case,
        promised=list(clocks),
        replies=replies,
        files=files,
        follow_ups=follow_ups,
        may_answer=customer_may_answer(case),
    )


def portal_case_types(doc) -> list[tuple[str, str]]:
    """(code, label) of the case types a customer may file here: complaints and repair requests."""
    return [(code, t.label) for code, t in doc.case_types.items() if t.kind in ("complaint", "repair")]
