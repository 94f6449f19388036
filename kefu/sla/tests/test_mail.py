"""E-mail survives a lost task, a dead worker and a mail server that is away: every notification and
case-change message goes out once, through the claim-send-stamp path and the periodic pick-up."""

import logging
import smtplib
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.utils import timezone

from kefu.cases import events
from kefu.cases.models import CaseEvent
from kefu.cases.services import case_transition
from kefu.cases.tasks import case_notify
from kefu.sla import mail as sla_mail
from kefu.sla.mail import MAX_ATTEMPTS, email_pickup, notifications_send
from kefu.sla.models import CaseEventEmail, Notification
from kefu.sla.sweep import sla_sweep
from kefu.sla.tasks import notifications_email
from kefu.sla.tests.mail_backends import FlakyBackend
from kefu.sla.tests.sweep_helpers import WARN_AT, make_clock

pytestmark = pytest.mark.django_db


@pytest.fixture
def flaky(settings):
    settings.EMAIL_BACKEND = "kefu.sla.tests.mail_backends.FlakyBackend"
    FlakyBackend.calls = 0
    FlakyBackend.opened = 0
    FlakyBackend.fail = {}
    mail.outbox.clear()
    return FlakyBackend


@pytest.fixture
def warned(make_case, org):
    """A warning committed for the owner (agent) and the handler; its e-mail task never ran (in the
    tests, as when a worker is killed between the commit and queuing the task)."""
    case = make_case()
    case.assignee = org.handler
    case.save(update_fields=["assignee"])
    make_clock(case)
    result = sla_sweep(now=WARN_AT)
    assert len(result.notification_ids) == 2
    mail.outbox.clear()
    return result.notification_ids


def later(seconds: float):
    return time_machine.travel(timezone.now() + timedelta(seconds=seconds), tick=False)


def sent_to() -> list[str]:
    return sorted(address for m in mail.outbox for address in m.to)


def test_a_lost_email_task_is_made_up_by_the_pickup_once(warned, flaky):
    assert Notification.objects.filter(pk__in=warned, email_due_at__isnull=False).count() == 2
    assert email_pickup().sent == 2
    assert sent_to() == ["agent@example.com", "handler@example.com"]
    for message in mail.outbox:
        note = Notification.objects.get(pk=int(message.extra_headers["X-Kefu-Notification"]))
        assert message.subject == note.title and message.extra_headers["Message-ID"].startswith("<kefu-notification-")
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()
    assert not Notification.objects.filter(email_due_at__isnull=False).exists()
    assert flaky.opened == 1  # one connection (one SMTP session) for the chunk
    assert email_pickup().sent == 0
    assert notifications_email(warned) == 0  # the lost task, redelivered an hour later: nothing twice
    assert len(mail.outbox) == 2


def test_rows_a_dead_worker_claimed_are_sent_after_the_claim_runs_out(warned, flaky):
    token, claimed = sla_mail._claim(sla_mail.NOTIFICATIONS, ids=None, now=timezone.now())
    assert sorted(claimed) == sorted(warned)  # …and the worker that took them is killed here
    assert email_pickup().sent == 0  # still held: nobody else sends them meanwhile
    assert notifications_send(ids=warned).sent == 0
    with later(settings.KEFU_EMAIL_CLAIM_SECONDS + 1):
        assert email_pickup().sent == 2
        assert email_pickup().sent == 0
    assert sent_to() == ["agent@example.com", "handler@example.com"]
    assert set(Notification.objects.values_list("email_attempts", flat=True)) == {2}


def test_two_senders_never_hold_the_same_rows(warned, flaky):
    first = sla_mail._claim(sla_mail.NOTIFICATIONS, ids=warned[:1], now=timezone.now())
    second = sla_mail._claim(sla_mail.NOTIFICATIONS, ids=None, now=timezone.now())
    assert first[1] == warned[:1] and second[1] == warned[1:]
    assert sla_mail._claim(sla_mail.NOTIFICATIONS, ids=None, now=timezone.now())[1] == []


def test_a_server_that_goes_away_gets_the_rest_later_and_nothing_twice(warned, flaky):
    flaky.fail = {2: ConnectionRefusedError("SMTP down")}
    assert notifications_email(warned) == 1
    assert len(mail.outbox) == 1
    assert email_pickup().sent == 0  # not due before its back-off (30 s after the first attempt)
    with later(31):
        assert email_pickup().sent == 1
    assert sent_to() == ["agent@example.com", "handler@example.com"]


def test_a_refused_message_does_not_hold_back_the_others(warned, flaky):
    flaky.fail = {1: smtplib.SMTPRecipientsRefused({"agent@example.com": (550, b"no such mailbox")})}
    assert notifications_send(ids=warned).sent == 1
    assert sent_to() == ["handler@example.com"]
    with later(31):
        assert email_pickup().sent == 1
    assert sent_to() == ["agent@example.com", "handler@example.com"]


def test_nobody_to_mail_is_settled_not_retried(warned, flaky, org):
    org.handler.email = ""
    org.handler.save()
    result = email_pickup()
    assert (result.sent, result.skipped) == (1, 1)
    handler_note = Notification.objects.get(recipient=org.handler)
    assert handler_note.emailed_at is None and handler_note.email_due_at is None
    with later(3600):
        assert email_pickup().sent == 0


def test_a_message_is_given_up_after_max_attempts_and_logged(warned, flaky, caplog):
    Notification.objects.update(email_attempts=MAX_ATTEMPTS - 1)
    flaky.fail = {1: ConnectionRefusedError("SMTP down"), 2: ConnectionRefusedError("SMTP down")}
    with caplog.at_level(logging.ERROR, logger="kefu.sla.mail"):
        assert email_pickup().failed == 2
    assert not Notification.objects.filter(email_due_at__isnull=False).exists()
    assert "given up" in caplog.text


def _routed(org, make_case):
    case = make_case()
    case = case_transition(case=case, actor=org.agent, transition="establish", expected_version=case.version)
    # The customer-service supervisor routes the agent's case: the agent (owner) and handler hear.
    case = case_transition(
        case=case,
        actor=org.cs_supervisor,
        transition="route",
        expected_version=case.version,
        data={"unit": org.aftersales.pk, "assignee": org.handler.pk},
    )
    # Delivering the events records each one's e-mail (the subscriber cases.email_owner_and_handler).
    events.dispatch_pending()
    return case, CaseEvent.objects.filter(case=case).latest("id")


def test_a_case_change_is_mailed_once_however_often_the_task_runs(org, make_case, flaky):
    case, event = _routed(org, make_case)
    mail.outbox.clear()
    assert case_notify(case.pk, event.pk) == 1
    assert case_notify(case.pk, event.pk) == 0
    # The handler is mailed by the hand-off notice (kefu.handoffs covers them), so only the owner is here.
    assert [m.to for m in mail.outbox] == [["agent@example.com"]]
    assert case.number in mail.outbox[0].subject
    assert mail.outbox[0].extra_headers["X-Kefu-Event"] == str(event.pk)
    row = CaseEventEmail.objects.get(event=event)
    assert row.emailed_at is not None and row.email_due_at is None


def test_a_case_change_the_server_missed_is_sent_by_the_pickup(org, make_case, flaky):
    case, event = _routed(org, make_case)
    mail.outbox.clear()
    flaky.fail = {1: ConnectionRefusedError("SMTP down")}
    assert case_notify(case.pk, event.pk) == 0
    Notification.objects.update(email_due_at=None)  # hand-off notices (kefu.handoffs) are not this test's mail
    with later(31):
        assert email_pickup().sent == 1
        assert email_pickup().sent == 0
    assert [m.to for m in mail.outbox] == [["agent@example.com"]]


def test_a_change_nobody_needs_to_hear_about_leaves_nothing_due(org, make_case, flaky):
    case = make_case()
    case = case_transition(case=case, actor=org.agent, transition="establish", expected_version=case.version)
    event = CaseEvent.objects.filter(case=case).latest("id")
    events.dispatch_pending()
    mail.outbox.clear()
    assert case_notify(case.pk, event.pk) == 0  # the agent owns the case and made the change
    assert CaseEventEmail.objects.get(event=event).email_due_at is None
    assert mail.outbox == []
