"""Reactions of the appraisal app: to case events (a complaint that stands against a person proposes
a penalty) and the inbox messages of the ledger and the scorecards."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from kefu.appraisal.choices import EntrySource
from kefu.cases import events

logger = logging.getLogger(__name__)

__all__ = ("notify_approvers", "notify_rectification", "propose_finding_penalty", "register_messages")


def register_messages() -> None:
    from kefu.sla.inbox import register_message

    register_message(
        "appraisal.entry_proposed",
        title=_("%(kind)s for %(person)s awaits your approval"),
        body=_("%(reason)s, %(amount)s yuan, %(points)s points."),
    )
    register_message(
        "appraisal.rectification_due",
        title=_("Rectification plan due by %(due)s"),
        body=_("You were among the last two in the %(period)s appraisal; hand in a rectification plan within a week."),
    )


def propose_finding_penalty(event: events.CaseEventInfo) -> None:
    """篇2 七 / 篇8 9.6: a complaint that stood, with the company responsible and a person named,
    proposes the rulebook's `finding_reason` penalty for that person — once per case and person
    (the ledger's unique constraint; a second delivery or a later step finds it there)."""
    from kefu.appraisal.models import LedgerEntry
    from kefu.appraisal.services import appraisal_rules, ledger_entry_propose
    from kefu.cases.choices import Responsibility, Validity
    from kefu.cases.models import Case
    from kefu.core.exceptions import ApplicationError

    case = Case.objects.select_related("responsible_person__unit", "rulebook_version").get(pk=event.case_id)
    if not (
        case.validity == Validity.ESTABLISHED
        and case.responsibility == Responsibility.COMPANY
        and case.responsible_person_id is not None
    ):
        return
    pinned = case.rulebook_version.doc.section("appraisal")
    if pinned is None or not pinned.ledger.finding_reason:
        return
    reason = pinned.ledger.finding_reason
    if LedgerEntry.objects.filter(
        source=EntrySource.CASE, case=case, person_id=case.responsible_person_id, reason=reason
    ).exists():
        return
    try:
        _version, section = appraisal_rules()
    except ApplicationError:
        return
    if section.ledger.reason(reason) is None:
        logger.warning("appraisal: reason %s of case %s is not in the default rulebook", reason, case.number)
        return
    from kefu.org.models import User

    actor = User.objects.get(pk=event.actor_id)
    ledger_entry_propose(
        person=case.responsible_person,
        reason=reason,
        actor=actor,
        note=str(case.number),
        source=EntrySource.CASE,
        case=case,
        check_actor=False,
    )


def notify_approvers(entry_id: int) -> None:
    from kefu.appraisal.models import LedgerEntry
    from kefu.appraisal.services import appraisal_rules
    from kefu.org.selectors import role_holders_for
    from kefu.sla.choices import NoticeKind
    from kefu.sla.inbox import inbox_notify

    entry = LedgerEntry.objects.select_related("person__unit").get(pk=entry_id)
    _version, section = appraisal_rules()
    person = entry.person
    roles = section.manager_subject_approvers if person.role in section.manager_roles else section.approvers
    people: list = []
    for role in roles:
        people = list(role_holders_for(role=role, unit=person.unit, exclude={person.pk}, fallback=False).people)
        if people:
            break
    with transaction.atomic():
        inbox_notify(
            recipients=people,
            kind=NoticeKind.WORK,
            code="appraisal.entry_proposed",
            params={
                "kind": entry.get_kind_display(),
                "person": person.get_full_name() or person.username,
                "reason": entry.reason_label,
                "amount": str(entry.amount),
                "points": str(entry.points),
            },
            url=f"/appraisal/ledger/{entry.pk}/",
            exclude=[person],
        )


def notify_rectification(card_id: int) -> None:
    from kefu.appraisal.measures import Period
    from kefu.appraisal.models import Scorecard
    from kefu.sla.choices import NoticeKind
    from kefu.sla.inbox import inbox_notify

    card = Scorecard.objects.select_related("run", "person").get(pk=card_id)
    with transaction.atomic():
        inbox_notify(
            recipients=[card.person],
            kind=NoticeKind.WORK,
            code="appraisal.rectification_due",
            params={
                "due": card.rectification_due.isoformat(),
                "period": str(Period(card.run.period_kind, card.run.period_start)),
            },
            url="/appraisal/",
        )
