"""Rate limits of the portal, counted in Django's cache (fixed windows of KEFU_PORTAL_RATE_SECONDS):

* per client address (kefu.org.lockout.client_ip, proxy-aware): KEFU_PORTAL_RATE posts — filings,
  code requests, code checks, answers — and signed-link opens;
* per case number: KEFU_PORTAL_CASE_RATE code requests and checks, from any address, so a number
  cannot be guessed at from many addresses, nor a customer's phone be flooded with codes.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone

from kefu.org.lockout import client_ip

__all__ = ("too_many",)


def _count(key: str, limit: int, window: int) -> bool:
    """Count one more hit under `key` in the current window; True once over `limit`."""
    key = f"{key}:{int(timezone.now().timestamp()) // window}"
    if cache.add(key, 1, timeout=window):
        return limit < 1
    try:
        return cache.incr(key) > limit
    except ValueError:  # expired between add and incr
        return False


def too_many(request: HttpRequest, *, number: str = "") -> bool:
    window = int(getattr(settings, "KEFU_PORTAL_RATE_SECONDS", 600))
    over = _count(
        f"portal:ip:{client_ip(request) or 'unknown'}", int(getattr(settings, "KEFU_PORTAL_RATE", 30)), window
    )
    if number:
        # Counted even when the address is over its limit: the case's counter sees every attempt.
        # Hashed: whatever was typed makes a key every cache backend takes (memcached refuses spaces).
        digest = hashlib.sha256(number[:40].encode()).hexdigest()[:24]
        over = _count(f"portal:case:{digest}", int(getattr(settings, "KEFU_PORTAL_CASE_RATE", 10)), window) or over
    return over
