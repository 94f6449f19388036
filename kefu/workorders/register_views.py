"""The repair register reconciliation page (D11 13): a day's registrations against its dispatches, and
what was not dispatched — flagged, to be dispatched first the next day. For the clerks who keep the
register (业务员, agents) and the supervisors; each sees the orders they may see."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from kefu.workorders.choices import SUPERVISING_ROLES, OrderStatus
from kefu.workorders.models import RegisterDay
from kefu.workorders.selectors import orders_visible_to
from kefu.workorders.services.register import register_day_bounds, register_day_of, register_summary

__all__ = ("register",)

REGISTER_ROLES = SUPERVISING_ROLES | {"agent"}
LIST_LIMIT = 200


def _day(request: HttpRequest) -> date:
    try:
        return date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        # Not the calendar date: after the closing time the register already counts tomorrow.
        return register_day_of(timezone.now())


@login_required
@require_GET
def register(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not (user.is_superuser or user.role in REGISTER_ROLES):
        raise PermissionDenied
    day = _day(request)
    start, end = register_day_bounds(day)
    orders = orders_visible_to(user)
    summary = register_summary(orders, day)
    waiting = orders.filter(Q(created_at__lt=end), Q(dispatched_at__isnull=True) | Q(dispatched_at__gte=end)).exclude(
        status=OrderStatus.CANCELLED, cancelled_at__lt=end
    )
    context = {
        "day": day,
        "start": start,
        "end": end,
        "previous": day - timedelta(days=1),
        "next": day + timedelta(days=1),
        "summary": summary,
        "reconciled": RegisterDay.objects.filter(day=day).first(),
        "registered": orders.filter(created_at__gte=start, created_at__lt=end).order_by("created_at")[:LIST_LIMIT],
        "dispatched": orders.filter(dispatched_at__gte=start, dispatched_at__lt=end).order_by("dispatched_at")[
            :LIST_LIMIT
        ],
        "waiting": waiting.order_by("created_at")[:LIST_LIMIT],
        "limit": LIST_LIMIT,
    }
    return render(request, "workorders/register.html", context)
