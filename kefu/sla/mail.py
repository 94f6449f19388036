"""E-mail that survives a killed worker: inbox notifications and case-change messages.

A row to be e-mailed (`Notification`, `CaseEventEmail`) carries `EmailState`, written in the same
transaction as the row itself, so committed means "will be e-mailed". `email_due_at` is when a sender
should (re)try it: the row's creation, later while a sender holds it or after a failure, and null
once the mail went out (`emailed_at`) or cannot go (nobody with an address). Sending:

1. **claim** up to `CHUNK` due rows in one short transaction (`FOR UPDATE SKIP LOCKED`): each gets
   a fresh `email_claim` token and `email_due_at = now + KEFU_EMAIL_CLAIM_SECONDS`. Two senders never
   hold the same row; a row whose sender died becomes due again when its claim runs out;
2. **send** each claimed row, then **stamp** it (`emailed_at`, `email_due_at = null`) at once, in
   autocommit. A sender that has held a chunk for more than half the claim time renews the row's
   claim before sending it (if another sender has taken it meanwhile, it is skipped);
3. a **failure** answered by the mail server for one message retries that row later (30 s doubling
   to 30 min, `MAX_ATTEMPTS` in all, then it is given up and logged); a connection failure releases
   the rest of the chunk the same way and stops.

Who sends: the task queued on commit (`notifications_email`, `case_notify`) sends its own rows at
once; the periodic pick-up (`email_pickup`, beat every `KEFU_EMAIL_PICKUP_SECONDS`) sends every due
row of any kind — the ones whose task was lost with its worker or its broker message, and the ones
a dead worker had claimed. So a mail goes out at most claim time + pick-up interval late after a
kill (docs/operations.md, "E-mail"). It is sent twice only if its sender died in the instant between
the mail server accepting it and the stamp; the two copies carry the same Message-ID.
"""

from __future__ import annotations

import logging
import smtplib
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from kefu.sla.models import CaseEventEmail, EmailState, Notification

__all__ = (
    "CHUNK",
    "MAX_ATTEMPTS",
    "MailResult",
    "case_event_email_queue",
    "case_event_emails_send",
    "email_pickup",
    "notifications_send",
    "site_url",
)

log = logging.getLogger(__name__)

CHUNK = 50  # rows claimed at a time: small, so a claim is short-lived and a slow server holds few rows
MAX_ATTEMPTS = 8


@dataclass
class MailResult:
    sent: int = 0
    skipped: int = 0  # nobody to send to (no address, left the company): settled without a mail
    failed: int = 0  # to be retried later (or given up after MAX_ATTEMPTS)

    def add(self, other: MailResult) -> None:
        self.sent += other.sent
        self.skipped += other.skipped
        self.failed += other.failed


def _claim_seconds() -> int:
    return int(settings.KEFU_EMAIL_CLAIM_SECONDS)


def site_url() -> str:
    """The site's address for links in e-mail ("https://kefu.example.com"): KEFU_SITE_URL, else the first
    CSRF trusted origin, else http://localhost:8000 (a development machine)."""
    configured = getattr(settings, "KEFU_SITE_URL", "") or next(iter(getattr(settings, "CSRF_TRUSTED_ORIGINS", [])), "")
    return (configured or "http://localhost:8000").rstrip("/")


def _message_id(kind: str, pk: int) -> str:
    # Stable per row, the same from every host: a copy sent twice is recognisably the same mail.
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip(">") or "kefu"
    return f"<kefu-{kind}-{pk}@{domain}>"


def _notification_message(note: Notification) -> EmailMessage | None:
    user = note.recipient
    if not user.is_active or not user.email:
        return None
    body = note.body
    if note.url:
        # The same words as the inbox, and where to act: an absolute link (KEFU_SITE_URL, the site's address).
        link = note.url if "://" in note.url else site_url() + note.url
        body = f"{body}\n\n{link}" if body else link
    return EmailMessage(
        note.title,
        body,
        settings.DEFAULT_FROM_EMAIL,
        [user.email],
        headers={"Message-ID": _message_id("notification", note.pk), "X-Kefu-Notification": str(note.pk)},
    )


def _case_event_message(row: CaseEventEmail) -> EmailMessage | None:
    from kefu.org.models import User

    addresses = sorted(
        set(
            User.objects.filter(pk__in=row.recipients, is_active=True).exclude(email="").values_list("email", flat=True)
        )
    )
    if not addresses:
        return None
    return EmailMessage(
        row.subject,
        row.body,
        settings.DEFAULT_FROM_EMAIL,
        addresses,
        headers={"Message-ID": _message_id("event", row.event_id), "X-Kefu-Event": str(row.event_id)},
    )


@dataclass(frozen=True)
class _Kind:
    model: type[EmailState]
    key: str  # the field the callers' ids name: the notification's id, the case event's id
    related: tuple[str, ...]
    message: Callable[[EmailState], EmailMessage | None]


NOTIFICATIONS = _Kind(Notification, "pk", ("recipient",), _notification_message)
CASE_EVENTS = _Kind(CaseEventEmail, "event_id", (), _case_event_message)


def _claim(kind: _Kind, *, ids: list[int] | None, now: datetime) -> tuple[str, list[int]]:
    """Take up to CHUNK due rows (of `ids`, if given, see `_Kind.key`) for this sender; committed at
    once. Returns the claim token and the rows' primary keys."""
    token = uuid.uuid4().hex
    with transaction.atomic():
        due = kind.model.objects.filter(email_due_at__lte=now)
        if ids is not None:
            due = due.filter(**{f"{kind.key}__in": ids})
        picked = list(
            due.select_for_update(skip_locked=True).order_by("email_due_at", "pk").values_list("pk", flat=True)[:CHUNK]
        )
        if picked:
            kind.model.objects.filter(pk__in=picked).update(
                email_claim=token,
                email_due_at=now + timedelta(seconds=_claim_seconds()),
                email_attempts=F("email_attempts") + 1,
            )
    return token, picked


def _retry_later(kind: _Kind, rows: Iterable[EmailState], token: str, error: Exception) -> int:
    """Release rows after a failure: due again after a back-off, or given up after MAX_ATTEMPTS."""
    now = timezone.now()
    count = 0
    for row in rows:
        count += 1
        mine = kind.model.objects.filter(pk=row.pk, email_claim=token, emailed_at__isnull=True)
        if row.email_attempts >= MAX_ATTEMPTS:
            log.error(
                "e-mail for %s %s given up after %s attempts: %s", kind.model.__name__, row.pk, MAX_ATTEMPTS, error
            )
            mine.update(email_due_at=None, email_claim="")
        else:
            backoff = min(30 * 2 ** (row.email_attempts - 1), 30 * 60)
            mine.update(email_due_at=now + timedelta(seconds=backoff), email_claim="")
    return count


def _send_claimed(kind: _Kind, token: str, ids: list[int], claimed_at: float) -> MailResult:
    result = MailResult()
    rows = list(
        kind.model.objects.filter(pk__in=ids, email_claim=token, emailed_at__isnull=True)
        .select_related(*kind.related)
        .order_by("pk")
    )
    held_until = claimed_at + _claim_seconds()
    # One connection for the chunk, opened before the first message: a backend given an unopened
    # connection opens and closes it around every message (one SMTP session per mail).
    connection = get_connection()
    opened = False
    try:
        for i, row in enumerate(rows):
            mine = kind.model.objects.filter(pk=row.pk, email_claim=token, emailed_at__isnull=True)
            message = kind.message(row)
            if message is None:
                mine.update(email_due_at=None, email_claim="")
                result.skipped += 1
                continue
            if time.monotonic() > held_until - _claim_seconds() / 2:
                # Held for a while (a slow server): renew this row's claim, or leave it to its new holder.
                if not mine.update(email_due_at=timezone.now() + timedelta(seconds=_claim_seconds())):
                    continue
                held_until = time.monotonic() + _claim_seconds()
            message.connection = connection
            try:
                if not opened:
                    connection.open()
                    opened = True
                message.send()
            except (smtplib.SMTPResponseException, smtplib.SMTPRecipientsRefused) as exc:
                # The server answered and refused this message: retry it alone, go on with the rest.
                log.warning("e-mail for %s %s refused: %s", kind.model.__name__, row.pk, exc)
                result.failed += _retry_later(kind, [row], token, exc)
                continue
            except OSError as exc:  # no connection: the rest of the chunk waits too
                log.warning("e-mail sending failed (%s); %s message(s) will be retried", exc, len(rows) - i)
                result.failed += _retry_later(kind, rows[i:], token, exc)
                break
            mine.update(emailed_at=timezone.now(), email_due_at=None, email_claim="")
            result.sent += 1
    finally:
        connection.close()
    return result


def _send(kind: _Kind, *, ids: list[int] | None, budget: float | None = None) -> MailResult:
    """Claim and send chunk after chunk until nothing (of `ids`) is due, or `budget` seconds passed.
    Given ids are claimed a slice at a time, so each claim looks at CHUNK rows, not at all of them."""
    result = MailResult()
    started = time.monotonic()
    ordered = sorted(ids) if ids is not None else []
    slices = (ordered[i : i + CHUNK] for i in range(0, len(ordered), CHUNK)) if ids is not None else None
    while budget is None or time.monotonic() - started < budget:
        wanted = None
        if slices is not None:
            wanted = next(slices, None)
            if wanted is None:
                break
        claimed_at = time.monotonic()
        token, picked = _claim(kind, ids=wanted, now=timezone.now())
        if not picked:
            if slices is None:
                break
            continue  # this slice was sent or is held by another sender
        chunk = _send_claimed(kind, token, picked, claimed_at)
        result.add(chunk)
        if chunk.failed:
            break  # the server is refusing or away: the pick-up tries again after the back-off
    return result


def notifications_send(*, ids: list[int]) -> MailResult:
    """E-mail these notifications (those still due), each to its recipient."""
    return _send(NOTIFICATIONS, ids=list(ids))


def case_event_email_queue(*, event_id: int, recipient_ids: Iterable[int], subject: str, body: str) -> None:
    """Record the e-mail about a case change (idempotent: the first record of an event wins). Call it
    in the transaction that should guarantee the mail; an event nobody needs to hear about gets a
    settled row, so nothing ever looks for it again."""
    recipients = sorted(set(recipient_ids))
    CaseEventEmail.objects.bulk_create(
        [
            CaseEventEmail(
                event_id=event_id,
                recipients=recipients,
                subject=subject[:200],
                body=body,
                email_due_at=timezone.now() if recipients else None,
            )
        ],
        ignore_conflicts=True,
    )


def case_event_emails_send(*, event_ids: list[int]) -> MailResult:
    """E-mail the recorded case-change messages of these events (those still due)."""
    return _send(CASE_EVENTS, ids=list(event_ids))


def email_pickup(*, budget: float | None = None) -> MailResult:
    """The periodic pick-up: send every due row of every kind — lost tasks, dead workers' claims,
    retries after a failure. Stops claiming after `budget` seconds (default KEFU_EMAIL_PICKUP_BUDGET)
    so it never holds the sweeps' queue for long; the next run continues."""
    budget = float(settings.KEFU_EMAIL_PICKUP_BUDGET if budget is None else budget)
    started = time.monotonic()
    result = MailResult()
    for kind in (NOTIFICATIONS, CASE_EVENTS):
        result.add(_send(kind, ids=None, budget=max(budget - (time.monotonic() - started), 0)))
    if result.sent or result.failed:
        log.info("email_pickup: %s sent, %s skipped, %s to retry", result.sent, result.skipped, result.failed)
    return result
