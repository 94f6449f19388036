"""The technician's phone page (today's orders, one order with the next steps) and the supervisor's
dispatch with the suggested technicians and why. Every POST carries a one-time form token."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from kefu.core.exceptions import ApplicationError
from kefu.org.models import User
from kefu.workorders import services
from kefu.workorders.choices import BEFORE_ARRIVAL, OrderStatus
from kefu.workorders.clock_text import repair_clock_text
from kefu.workorders.forms import STEP_FORMS, check_token, new_token
from kefu.workorders.models import UsedFormToken, WorkOrder
from kefu.workorders.repair_views import REPAIR_DONE, REPAIR_STEPS, repair_facts, repair_steps, run_repair_step
from kefu.workorders.selectors import dispatch_suggestions, orders_visible_to, technician_today

__all__ = ("detail", "step", "today")


@login_required
@require_GET
def today(request: HttpRequest) -> HttpResponse:
    """A technician's open orders and their team's queue; for anyone else, the open orders they see."""
    user = request.user
    if user.role == "technician":
        orders = technician_today(user)
    else:
        orders = (
            orders_visible_to(user)
            .filter(status__in=BEFORE_ARRIVAL | {OrderStatus.ON_SITE})
            # D11 13: what was not dispatched on its register day comes first the next day.
            .order_by(F("carried_over_on").asc(nulls_last=True), "-reported_at", "-id")
        )
    orders = list(orders.select_related("rulebook_version").defer("rulebook_version__document")[:100])
    engines: dict = {}
    for order in orders:
        order.repair_text = repair_clock_text(order, engines=engines)
    return render(request, "workorders/today.html", {"orders": orders})


def _steps_for(order: WorkOrder, user: Any) -> list[str]:
    """The steps this person may take now, in the order the page shows them."""
    mine = order.technician_id == user.pk
    team_queue = (
        order.technician_id is None
        and order.contractor_id is None  # sent to an outside contractor: not the team's
        and user.role == "technician"
        and user.unit_id == order.unit_id
    )
    boss = services.supervises(user, order.unit)
    s = order.status
    steps: list[str] = []
    if s == OrderStatus.DISPATCHED and (mine or team_queue):
        steps.append("accept")
    if mine and s in (OrderStatus.ACCEPTED, OrderStatus.BOOKED):
        steps += ["book", "depart", "arrive"]
    if mine and s == OrderStatus.ON_THE_WAY:
        steps.append("arrive")
    if mine and s == OrderStatus.ON_SITE:
        steps += ["record", "complete"]
    if (mine or boss) and (s in BEFORE_ARRIVAL and s != OrderStatus.NEW or s == OrderStatus.ON_SITE):
        steps.append("resume" if order.paused_at else "pause")
    if boss and s in (OrderStatus.NEW, OrderStatus.DISPATCHED, OrderStatus.ACCEPTED, OrderStatus.BOOKED):
        steps.append("dispatch")
    if boss and s == OrderStatus.ON_SITE and not order.waiver_approved_by_id:
        steps.append("approve_waiver")
    if boss and s == OrderStatus.COMPLETED:
        steps.append("close")
    if boss and order.is_open and s != OrderStatus.TAKEN_BACK:  # the customer's goods first go back
        steps.append("cancel")
    steps += repair_steps(order, user, mine=mine, boss=boss)
    return steps


def _form(step: str, order: WorkOrder, user: Any, data: Any = None):
    kwargs: dict[str, Any] = {}
    if step == "record":
        section = services.section_for(order)
        kwargs["parts"] = [(p.code, f"{p.name} · {p.price} 元") for p in section.prices.parts]
    if step == "dispatch":
        kwargs["technicians"] = [
            (s.technician.pk, f"{s.technician} · {'；'.join(s.reasons)}") for s in dispatch_suggestions(order)
        ]
    initial = {"version": order.version, "form_token": new_token(user_id=user.pk, order_id=order.pk)}
    return STEP_FORMS[step](data, initial=initial, **kwargs)


def _visible(request: HttpRequest, pk: int) -> WorkOrder:
    return get_object_or_404(
        orders_visible_to(request.user).select_related("equipment", "case", "rulebook_version"), pk=pk
    )


@login_required
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    order = _visible(request, pk)
    steps = _steps_for(order, request.user)
    forms = [(name, _form(name, order, request.user)) for name in steps]
    suggestions = dispatch_suggestions(order) if "dispatch" in steps else []
    return render(
        request,
        "workorders/detail.html",
        {
            "order": order,
            "forms": forms,
            "suggestions": suggestions,
            "parts": order.parts.all(),
            "repair": repair_facts(order),
            "events": order.events.select_related("actor").order_by("-id")[:30],
        },
    )


def _run(step: str, order: WorkOrder, user: User, data: dict[str, Any]) -> WorkOrder:
    version = data["version"]
    common = {"order": order, "actor": user, "expected_version": version}
    if step == "accept":
        return services.workorder_accept(**common)
    if step == "book":
        return services.workorder_book(**common, visit_at=data["visit_at"], reason=data["reason"])
    if step in ("depart", "arrive"):
        return services.workorder_check_in(**common, step=step)
    if step == "record":
        parts = [{"code": data["part_code"], "quantity": data["part_quantity"] or 1}] if data["part_code"] else []
        fields = ("findings", "actions", "old_terminal_no", "new_terminal_no", "old_sim_no", "new_sim_no")
        return services.workorder_record(**common, parts=parts, **{f: data[f] for f in fields if data[f]})
    if step == "complete":
        return services.workorder_complete(
            **common, signature=data["signature"], fee_collected=data["fee_collected"], invoice_no=data["invoice_no"]
        )
    if step == "pause":
        return services.workorder_pause(**common, reason=data["reason"])
    if step == "resume":
        return services.workorder_resume(**common)
    if step == "dispatch":
        technician = User.objects.filter(pk=data["technician"]).first()
        return services.workorder_dispatch(**common, technician=technician, reason=data["reason"])
    if step == "approve_waiver":
        return services.workorder_approve_waiver(**common, reason=data["reason"])
    if step == "close":
        return services.workorder_close(**common)
    if step in REPAIR_STEPS:
        return run_repair_step(step, common, data)
    return services.workorder_cancel(**common, reason=data["reason"])


DONE = {
    "accept": gettext_lazy("Accepted. Call the customer to book the visit."),
    "book": gettext_lazy("Visit booked."),
    "depart": gettext_lazy("Set off. Check in when you arrive."),
    "arrive": gettext_lazy("Arrived. Record the work and have the customer sign."),
    "record": gettext_lazy("Recorded. The fee is shown below."),
    "complete": gettext_lazy("Completed. The supervisor files the order."),
    "pause": gettext_lazy("The arrival clock is paused."),
    "resume": gettext_lazy("The arrival clock runs again; the deadline moved by the time waited."),
    "dispatch": gettext_lazy("Dispatched; the technician has been told."),
    "approve_waiver": gettext_lazy("Completing without a signature is approved."),
    "close": gettext_lazy("Closed and filed."),
    "cancel": gettext_lazy("Cancelled."),
    **REPAIR_DONE,
}


@login_required
@require_POST
def step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    order = _visible(request, pk)
    if step not in STEP_FORMS:
        raise Http404
    back = redirect("workorders:detail", pk=order.pk)
    form = _form(step, order, request.user, data=request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields and form.fields[field].label else ""
            messages.error(request, f"{label}：{'；'.join(errors)}" if label else "；".join(errors))
        return back
    nonce = check_token(form.cleaned_data["form_token"], user_id=request.user.pk, order_id=order.pk)
    if nonce is None:
        messages.error(request, _("This form has expired; it has been reloaded — please try again."))
        return back
    try:
        with transaction.atomic():
            try:
                with transaction.atomic():
                    UsedFormToken.objects.create(nonce=nonce, user=request.user)
            except IntegrityError:
                messages.info(request, _("This was already done (the form was sent twice); nothing was repeated."))
                return back
            _run(step, order, request.user, form.cleaned_data)
    except ApplicationError as exc:
        details = "；".join(
            str(m) for errors in (exc.extra or {}).values() for m in (errors if isinstance(errors, list) else [errors])
        )
        messages.error(request, f"{exc.message} {details}".strip())
        return back
    messages.success(request, str(DONE[step]))
    return back
