"""Login throttling with django-axes: who is locked out, until when, and what they are told.

Failures count per account (AXES_FAILURE_LIMIT) and per client address (KEFU_LOGIN_ADDRESS_FAILURE_LIMIT,
higher, because a whole office usually reaches Kefu from one address). Failures older than
AXES_COOLOFF_TIME no longer count, so a lockout ends by itself that long after the failures that
caused it. The web login, the admin login and the token endpoint all authenticate through
`django.contrib.auth.authenticate`, so axes sees every attempt; this module only adds the second
limit, the client address behind a proxy, the lockout message with its time, and the failure log.
"""

from __future__ import annotations

import ipaddress
import logging
import math
from datetime import datetime

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Sum
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils import formats, timezone
from django.utils.translation import gettext

__all__ = (
    "LockoutHandler",
    "client_ip",
    "locked_until",
    "lockout_message",
    "lockout_response",
    "retry_after_seconds",
)

log = logging.getLogger("kefu.auth")


def client_ip(request: HttpRequest) -> str | None:
    """The address a login came from.

    REMOTE_ADDR, unless KEFU_CLIENT_IP_HEADER names the header a reverse proxy sets. A proxy appends
    the address it saw to X-Forwarded-For, so only the right-most KEFU_TRUSTED_PROXY_COUNT entries
    were written by proxies we run; anything left of them came from the client and is ignored.
    """
    remote = request.META.get("REMOTE_ADDR") or None
    header = settings.KEFU_CLIENT_IP_HEADER
    if not header:
        return remote
    value = request.META.get("HTTP_" + header.upper().replace("-", "_"), "")
    hops = [hop.strip() for hop in value.split(",") if hop.strip()]
    count = max(settings.KEFU_TRUSTED_PROXY_COUNT, 1)
    if len(hops) < count:
        return remote
    candidate = hops[-count]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


class LockoutHandler(AxesDatabaseHandler):
    """Axes' database handler with a separate, higher failure limit per address.

    Axes has one limit for all its lockout parameters; with AXES_LOCKOUT_PARAMETERS set to
    ["username", "ip_address"], `get_failures` reports the account's count, raised to the account
    limit once the address has reached its own limit, so axes locks exactly when either is reached.
    """

    def __init__(self) -> None:
        if settings.AXES_LOCKOUT_PARAMETERS != ["username", "ip_address"]:
            raise ImproperlyConfigured('LockoutHandler needs AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"].')
        super().__init__()

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs) -> None:
        already_locked = bool(getattr(request, "axes_locked_out", False))
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is not None and not already_locked and getattr(request, "axes_locked_out", False):
            log.warning("login locked: user %r from %s", credentials.get("username"), request.axes_ip_address)

    def get_failures(self, request, credentials: dict | None = None) -> int:
        by_account, by_address = (
            qs.aggregate(n=Sum("failures_since_start"))["n"] or 0 for qs in self.get_user_attempts(request, credentials)
        )
        if by_address >= settings.KEFU_LOGIN_ADDRESS_FAILURE_LIMIT:
            return max(by_account, get_failure_limit(request, credentials))
        return by_account


def _lock_end(rows: list[tuple[datetime, int]], limit: int) -> datetime | None:
    """When the failures in `rows` (newest first) fall below `limit` as the oldest ones expire."""
    total = 0
    for attempt_time, failures in rows:
        total += failures
        if total >= limit:
            # The lock holds while this row and the newer ones are inside the cool-off window.
            return attempt_time + settings.AXES_COOLOFF_TIME
    return None


def locked_until(request: HttpRequest, username: str | None) -> datetime | None:
    """The moment `username` may log in again from this request's address, or None if not locked."""
    if not settings.AXES_ENABLED:
        return None
    now = timezone.now()
    recent = AccessAttempt.objects.filter(attempt_time__gte=now - settings.AXES_COOLOFF_TIME).order_by("-attempt_time")
    groups = (
        (recent.filter(username=username), settings.AXES_FAILURE_LIMIT),
        (recent.filter(ip_address=client_ip(request)), settings.KEFU_LOGIN_ADDRESS_FAILURE_LIMIT),
    )
    ends = [_lock_end(list(qs.values_list("attempt_time", "failures_since_start")), limit) for qs, limit in groups]
    ends = [end for end in ends if end is not None and end > now]
    return max(ends) if ends else None


def retry_after_seconds(until: datetime) -> int:
    return max(1, math.ceil((until - timezone.now()).total_seconds()))


def lockout_message(until: datetime) -> str:
    local = timezone.localtime(until)
    same_day = local.date() == timezone.localtime().date()
    when = formats.time_format(local, "H:i") if same_day else formats.date_format(local, "Y-m-d H:i")
    minutes = math.ceil(retry_after_seconds(until) / 60)
    return gettext(
        "Too many failed logins: logging in is locked until %(time)s (in about %(minutes)s minutes). "
        "Try again then, or ask an administrator to unlock it."
    ) % {"time": when, "minutes": minutes}


def lockout_response(request: HttpRequest, original_response: HttpResponse | None, credentials: dict | None):
    """AXES_LOCKOUT_CALLABLE for the web and admin logins.

    Their forms already show the lockout message (kefu.web.accounts), so the page is kept and only
    marked 429 with Retry-After. The token endpoint answers for itself (kefu.org.api.tokens).
    """
    username = (credentials or {}).get("username")
    until = locked_until(request, username)
    content_type = original_response.get("Content-Type", "") if original_response is not None else ""
    if original_response is not None and content_type.startswith("text/html"):
        response = original_response
    else:
        text = lockout_message(until) if until else gettext("Too many failed logins. Try again later.")
        response = HttpResponse(text, content_type="text/plain; charset=utf-8")
    response.status_code = settings.AXES_HTTP_RESPONSE_CODE
    if until:
        response["Retry-After"] = str(retry_after_seconds(until))
    return response


@receiver(user_login_failed, dispatch_uid="kefu-log-failed-login")
def log_failed_login(sender, credentials: dict, request: HttpRequest | None = None, **kwargs) -> None:
    """One log line per failed login, also while locked out (axes records those in the admin too)."""
    username = credentials.get("username")
    if request is None:
        log.warning("login failed: user %r (no request)", username)
        return
    locked = bool(getattr(request, "axes_locked_out", False))
    log.warning(
        "login failed: user %r from %s on %s%s",
        username,
        client_ip(request),
        request.path,
        " (locked out)" if locked else "",
    )
