"""催办: a supervisor on the overdue board reminds the person who has a late or nearly late case.

The reminder goes to the case's handler (its owner when nobody handles it) as a work-inbox entry in
the reader's language (`sla.reminded`) and is recorded in the case's history. One reminder per
deadline per hour (`REMIND_INTERVAL`): a second click in that hour is refused (409), so a double
submit does not send two. Who may remind: the board's readers (supervisors, managers, the all-seeing
roles), on cases they may see, never on a case about themselves.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kefu.cases.changes import case_lock, case_record_change, ensure_not_subject
from kefu.cases.choices import EventKind
from kefu.cases.models import Case, CaseEvent
from kefu.core.exceptions import ApplicationError, ConflictError, ForbiddenError
from kefu.org.models import User
from kefu.sla.choices import ClockStatus, NoticeKind
from kefu.sla.inbox import inbox_notify, register_message
from kefu.sla.models import Clock
from kefu.sla.selectors import board_allowed

__all__ = ("REMIND_INTERVAL", "clock_remind", "register_reminder_message")

REMIND_INTERVAL = timedelta(hours=1)
SOURCE = "sla.remind"


def register_reminder_message() -> None:
    register_message(
        "sla.reminded",
        title=gettext_lazy("Reminder: %(number)s, “%(clock)s” is due %(due)s"),
        body=gettext_lazy("%(by)s asks you to deal with case %(number)s now."),
    )


@transaction.atomic
def clock_remind(*, clock: Clock, actor: User) -> CaseEvent:
    """Remind the handler (or owner) of `clock`'s case; returns the history row it wrote."""
    if not board_allowed(actor) or not Case.objects.visible_to(actor).filter(pk=clock.case_id).exists():
        raise ForbiddenError(_("Only supervisors and managers who see the case may send a reminder."))
    case = case_lock(clock.case_id, expected_version=None)
    ensure_not_subject(case, actor)
    clock = Clock.objects.select_for_update().get(pk=clock.pk)
    if clock.status != ClockStatus.RUNNING:
        raise ApplicationError(_("This deadline is no longer running: there is nothing to remind of."))
    now = timezone.now()
    if case.events.filter(
        kind=EventKind.ACTIVITY, data__source=SOURCE, data__clock=clock.pk, created_at__gte=now - REMIND_INTERVAL
    ).exists():
        raise ConflictError(_("A reminder about this deadline was sent less than an hour ago."))
    person = case.assignee or case.owner
    due = timezone.localtime(clock.deadline).strftime("%Y-%m-%d %H:%M") if clock.deadline else "—"
    inbox_notify(
        recipients=[person],
        kind=NoticeKind.WORK,
        code="sla.reminded",
        params={"number": case.number, "clock": clock.label, "due": due, "by": str(actor)},
        case=case,
        url=f"/cases/{case.number}/",
        due_at=clock.deadline,
        exclude=[actor, case.subject_person_id],
    )
    return case_record_change(
        case,
        actor=actor,
        kind=EventKind.ACTIVITY,
        message=_("Reminder sent to %(person)s about “%(clock)s”.") % {"person": person, "clock": clock.label},
        data={"source": SOURCE, "clock": clock.pk, "to": str(person)},
    )
