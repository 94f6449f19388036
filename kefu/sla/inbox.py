"""Writes on the in-app inbox: marking notifications read. Only the recipient can touch their own."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from kefu.sla.models import Notification

__all__ = ("notification_mark_read", "notifications_mark_all_read")


def notification_mark_read(*, user: Any, notification_id: int) -> bool:
    """Mark one of the user's notifications read; False when it is not theirs (or does not exist).
    Marking an already read notification keeps its first read time."""
    if not Notification.objects.filter(pk=notification_id, recipient=user).exists():
        return False
    Notification.objects.filter(pk=notification_id, recipient=user, read_at__isnull=True).update(read_at=timezone.now())
    return True


def notifications_mark_all_read(*, user: Any) -> int:
    """Mark every unread notification of the user read; returns how many changed (index `inbox`)."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())
