"""The portal's own rows: what was "sent" to customers (the default SMS outbox) and the follow codes.

Case rows stay in kefu.cases; the portal only keeps what lets a customer follow their case."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.cases.models import Case
from kefu.portal.choices import MessageChannel

__all__ = ("OutboxMessage", "TrackingCode")


class OutboxMessage(models.Model):
    """A text message the default SMS backend "sent": the admin reads them (and a site without an SMS
    gateway sees what customers would have received). Never changed or deleted by Kefu."""

    channel = models.CharField(_("channel"), max_length=10, choices=MessageChannel.choices, default=MessageChannel.SMS)
    to = models.CharField(_("to"), max_length=254, db_index=True)
    body = models.TextField(_("text"))
    case = models.ForeignKey(
        Case, verbose_name=_("case"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("sent"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        ordering = ("-created_at", "-pk")

    def __str__(self) -> str:
        return f"{self.to}: {self.body[:30]}"


class TrackingCode(models.Model):
    """A 6-digit code sent to the phone on file to follow one case. Only its keyed hash is kept; it
    expires after KEFU_PORTAL_CODE_MINUTES and is locked after KEFU_PORTAL_CODE_TRIES wrong tries.
    A new code for the case makes the older ones unusable (`superseded`)."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="+")
    code_hash = models.CharField(max_length=64)
    expires_at = models.DateTimeField(_("expires"))
    tries = models.PositiveSmallIntegerField(_("wrong tries"), default=0)
    locked = models.BooleanField(_("locked"), default=False)
    used_at = models.DateTimeField(_("used"), null=True, blank=True)
    superseded = models.BooleanField(default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("follow code")
        verbose_name_plural = _("follow codes")
        indexes = [models.Index(fields=["case", "-created_at"], name="portal_code_case_idx")]

    def __str__(self) -> str:
        return f"{self.case_id} · {self.created_at:%Y-%m-%d %H:%M}"
