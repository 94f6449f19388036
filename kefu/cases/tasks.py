"""Background work for cases. Tasks take ids, are safe to run twice, and call services/selectors."""

import logging
from collections.abc import Callable, Iterable

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from kefu.cases import events
from kefu.cases.choices import EventKind
from kefu.cases.models import Case, CaseEvent

__all__ = (
    "NOTIFY_KINDS",
    "case_events_dispatch",
    "case_notify",
    "cases_archive_retention",
    "email_covered",
    "email_owner_and_handler",
    "register_email_cover",
    "unregister_email_cover",
)

log = logging.getLogger(__name__)

# Events that someone other than the actor needs to hear about.
NOTIFY_KINDS = frozenset(
    {EventKind.TRANSITION, EventKind.TRANSFER, EventKind.HANDOVER, EventKind.REOPEN, EventKind.MERGE}
)


@shared_task(ignore_result=True)
def case_events_dispatch() -> dict:
    """Deliver pending case events to their subscribers (kefu.cases.events). Queued after each commit
    that recorded events, and run periodically to pick up what a dead worker left behind."""
    result = events.dispatch_pending()
    return {"delivered": result.delivered, "failed": result.failed}


@shared_task(ignore_result=True)
def cases_archive_retention() -> dict:
    """Archive closed cases whose rulebook retention period has passed (beat, daily). Never deletes."""
    from kefu.cases.services.retention import cases_archive_due

    archived = total = cases_archive_due()
    while archived == 500:  # a full batch: more may be due
        archived = cases_archive_due()
        total += archived
    if total:
        log.info("cases_archive_retention: %s case(s) archived", total)
    return {"archived": total}


# One e-mail per person per event (issue 7). An app that mails people about a case event itself (the
# hand-off notices of kefu.handoffs: "case 2026… was assigned to you") registers a cover here: a function
# of the event returning the ids of the people it tells. The engine's own change mail then leaves those
# people out, so nobody gets the app's words and the engine's too. The engine never imports the app.
EmailCover = Callable[[events.CaseEventInfo], Iterable[int]]
_email_covers: dict[str, EmailCover] = {}


def register_email_cover(name: str, cover: EmailCover) -> None:
    """Register (or replace) a cover: `cover(event)` → ids of the people the app mails about `event`
    itself. Call from the app's `ready()`. It runs in the event's delivery, so it must read, not write."""
    _email_covers[name] = cover


def unregister_email_cover(name: str) -> None:
    _email_covers.pop(name, None)


def email_covered(event: events.CaseEventInfo) -> set[int]:
    """The people some app already mails about this event (the union of the registered covers)."""
    covered: set[int] = set()
    for cover in list(_email_covers.values()):
        covered.update(pk for pk in cover(event) if pk)
    return covered


def _change_words(row: CaseEvent, case: Case) -> str:
    """ "王芳: 转部门" — the step's own label from the case's rulebook, else the kind of change in words."""
    what = row.get_kind_display()
    if row.transition:
        step = case.type_def.transition(row.transition)
        if step is not None:
            english = (translation.get_language() or "").startswith("en")
            what = (english and step.label_en) or step.label
    return _("%(actor)s: %(what)s") % {"actor": row.actor or _("Kefu"), "what": what}


def email_owner_and_handler(event: events.CaseEventInfo) -> None:
    """Subscriber: the e-mail to the case's owner and handler about a change they did not make, unless
    another app mails them about this event already (`register_email_cover`).

    The message is recorded in the delivery's transaction (`kefu.sla.mail.case_event_email_queue`,
    once per event), so it can never be lost; `case_notify` sends it after commit, and the periodic
    e-mail pick-up sends whatever that could not (server away, worker killed). People have no language
    of their own: the mail is in the site's language, like the stored text of inbox notices."""
    from kefu.sla.mail import case_event_email_queue, site_url

    row = CaseEvent.objects.select_related("actor").filter(pk=event.event_id).first()
    case = (
        Case.objects.select_related("rulebook_version")
        .filter(pk=event.case_id)
        .only("id", "number", "title", "is_anonymous", "case_type", "stage", "rulebook_version")
        .first()
    )
    if row is None or case is None:
        return
    # The people of that moment: an event delivered late is not news for today's handler.
    recipients = {pk for pk in (event.owner_id, event.assignee_id) if pk and pk != event.actor_id}
    if recipients:
        recipients -= email_covered(event)
    link = site_url() + reverse("web:case", args=[case.number])
    with translation.override(settings.LANGUAGE_CODE):
        lines = [_change_words(row, case), _("Stage now: %(stage)s") % {"stage": case.stage_label}]
        if case.is_anonymous:
            # The title and the comment may name an anonymous complainant; mail leaves Kefu's access control
            # (001 篇10 第十九条), so it says only what happened and where to read it.
            subject = _("Case %(number)s changed") % {"number": case.number}
        else:
            subject = _("Case %(number)s changed: %(title)s") % {"number": case.number, "title": case.title[:120]}
            if row.message:
                lines.append(row.message)
        lines += ["", _("Open the case: %(link)s") % {"link": link}]
    case_event_email_queue(event_id=row.pk, recipient_ids=recipients, subject=subject, body="\n".join(lines) + "\n")
    if recipients:
        case_id, event_id = case.pk, row.pk
        transaction.on_commit(lambda: case_notify.delay(case_id, event_id))


@shared_task(ignore_result=True, acks_late=True)
def case_notify(case_id: int, event_id: int) -> int:
    """Send the recorded e-mail about one case change (claim, send, stamp: kefu/sla/mail.py). Running
    twice sends nothing twice. Returns mails sent."""
    from kefu.sla.mail import case_event_emails_send

    return case_event_emails_send(event_ids=[event_id]).sent
