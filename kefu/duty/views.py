"""Duty screens: my shifts and check-in, rosters, swaps, the handover log."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kefu.core.exceptions import ApplicationError
from kefu.duty.choices import ShiftStatus, SwapStatus
from kefu.duty.forms import AddShiftForm, HandoverForm, RosterForm, RotationForm, SwapForm
from kefu.duty.models import Roster, Shift, SwapRequest
from kefu.duty.selectors import handovers_visible_to, rosters_visible_to, staff_on_duty, swaps_to_decide
from kefu.duty.services import (
    CHECK_IN_OPENS,
    handover_receive,
    handover_write,
    roster_add_shift,
    roster_create,
    roster_fill_rotation,
    roster_publish,
    shift_check_in,
    supervises,
    swap_decide,
    swap_request,
    swap_withdraw,
)
from kefu.org.models import OrgUnit, User
from kefu.org.selectors import unit_subtree

__all__ = (
    "check_in",
    "handover",
    "handover_receive_view",
    "home",
    "roster_detail",
    "roster_list",
    "roster_publish_view",
    "roster_rotation",
    "roster_shift",
    "swap_decide_view",
    "swap_new",
    "swap_withdraw_view",
)


def _errors_into(form: Any, exc: ApplicationError) -> None:
    form.add_error(None, exc.message)
    for name, errors in (exc.extra or {}).items():
        for error in errors if isinstance(errors, list) else [errors]:
            form.add_error(name if name in form.fields else None, str(error))


def _done(request: HttpRequest, call: Any, success: str) -> bool:
    try:
        call()
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return False
    messages.success(request, success)
    return True


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user, now = request.user, timezone.now()
    mine = list(
        Shift.objects.filter(person=user, status=ShiftStatus.SCHEDULED, ends_at__gt=now, roster__status="published")
        .select_related("pattern", "unit", "check_in")
        .order_by("starts_at")[:14]
    )
    for shift in mine:
        shift.checked = shift.check_in if _has_check_in(shift) else None
        shift.can_check_in = shift.checked is None and shift.starts_at - CHECK_IN_OPENS <= now < shift.ends_at
    context = {
        "mine": mine,
        "on_duty": staff_on_duty(unit=user.unit, at=now) if user.unit_id else [],
        "my_swaps": SwapRequest.objects.filter(requester=user).select_related("shift__pattern", "counterpart")[:10],
        "to_decide": swaps_to_decide(user)[:50],
        "now": now,
    }
    return render(request, "duty/home.html", context)


def _has_check_in(shift: Shift) -> bool:
    try:
        shift.check_in  # noqa: B018 - the reverse one-to-one raises when there is none
    except Shift.check_in.RelatedObjectDoesNotExist:
        return False
    return True


@login_required
def roster_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    units = (
        unit_subtree(user.unit)
        if user.unit_id and not (user.is_superuser or user.sees_everything)
        else OrgUnit.objects.all()
    )
    units = units.filter(is_active=True)
    # Quality staff see every roster but draw up none (SUPERVISING_ROLES): no form for them.
    may_create = user.is_superuser or (user.unit_id is not None and supervises(user, user.unit))
    form = RosterForm(request.POST or None, units=units) if may_create else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                roster = roster_create(actor=user, **form.cleaned_data)
            except ApplicationError as exc:
                _errors_into(form, exc)
            else:
                messages.success(request, _("The roster was created as a draft: fill it in, then publish it."))
                return redirect("duty:roster", pk=roster.pk)
    rosters = rosters_visible_to(user).order_by("-month", "unit__name")[:100]
    return render(
        request, "duty/rosters.html", {"rosters": rosters, "form": form}, status=400 if form and form.errors else 200
    )


def _roster_page(
    request: HttpRequest, roster: Roster, forms: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    people = User.objects.filter(is_active=True, unit__path__startswith=roster.unit.path).order_by("username")
    may_edit = supervises(request.user, roster.unit)
    forms = forms or {}
    shifts = (
        roster.shifts.select_related("pattern", "person")
        .prefetch_related(Prefetch("swap_requests", queryset=SwapRequest.objects.filter(status=SwapStatus.REQUESTED)))
        .order_by("starts_at", "id")
    )
    days: dict[Any, list[Shift]] = {}
    for shift in shifts:
        shift.checked = shift.check_in if _has_check_in(shift) else None
        days.setdefault(shift.day, []).append(shift)
    context = {
        "roster": roster,
        "days": sorted(days.items()),
        "may_edit": may_edit,
        "rotation_form": forms.get("rotation") or (RotationForm(people=people, prefix="rot") if may_edit else None),
        "shift_form": forms.get("shift") or (AddShiftForm(people=people, prefix="add") if may_edit else None),
        "user_shift_ids": {s.pk for d in days.values() for s in d if s.person_id == request.user.pk},
        "now": timezone.now(),
    }
    return render(request, "duty/roster.html", context, status=status)


def _roster(request: HttpRequest, pk: int) -> Roster:
    return get_object_or_404(rosters_visible_to(request.user), pk=pk)


def _roster_to_edit(request: HttpRequest, pk: int) -> Roster:
    """A roster the user may see (else 404) and change (else 403, before the form is read)."""
    roster = _roster(request, pk)
    if not supervises(request.user, roster.unit):
        raise PermissionDenied
    return roster


@login_required
@require_GET
def roster_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _roster_page(request, _roster(request, pk))


@login_required
@require_POST
def roster_rotation(request: HttpRequest, pk: int) -> HttpResponse:
    roster = _roster_to_edit(request, pk)
    people = User.objects.filter(is_active=True, unit__path__startswith=roster.unit.path)
    form = RotationForm(request.POST, people=people, prefix="rot")
    if form.is_valid():
        chosen = form.cleaned_data["people"]
        order = [int(v) for v in request.POST.getlist("rot-people") if v.isdigit()]
        ordered = sorted(chosen, key=lambda u: order.index(u.pk) if u.pk in order else 0)
        try:
            made = roster_fill_rotation(
                roster=roster,
                pattern=form.cleaned_data["pattern"],
                people=ordered,
                actor=request.user,
                first_day=form.cleaned_data["first_day"],
                last_day=form.cleaned_data["last_day"],
            )
        except ApplicationError as exc:
            _errors_into(form, exc)
        else:
            messages.success(request, _("%(n)s shifts added.") % {"n": len(made)})
            return redirect("duty:roster", pk=roster.pk)
    return _roster_page(request, roster, {"rotation": form}, status=400)


@login_required
@require_POST
def roster_shift(request: HttpRequest, pk: int) -> HttpResponse:
    roster = _roster_to_edit(request, pk)
    people = User.objects.filter(is_active=True, unit__path__startswith=roster.unit.path)
    form = AddShiftForm(request.POST, people=people, prefix="add")
    if form.is_valid():
        try:
            roster_add_shift(roster=roster, actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            _errors_into(form, exc)
        else:
            messages.success(request, _("The shift was added."))
            return redirect("duty:roster", pk=roster.pk)
    return _roster_page(request, roster, {"shift": form}, status=400)


@login_required
@require_POST
def roster_publish_view(request: HttpRequest, pk: int) -> HttpResponse:
    roster = _roster_to_edit(request, pk)
    _done(request, lambda: roster_publish(roster=roster, actor=request.user), _("The roster is published."))
    return redirect("duty:roster", pk=roster.pk)


def _my_shift(request: HttpRequest, pk: int) -> Shift:
    return get_object_or_404(Shift.objects.select_related("unit", "pattern", "person"), pk=pk, person=request.user)


@login_required
@require_POST
def check_in(request: HttpRequest, pk: int) -> HttpResponse:
    shift = _my_shift(request, pk)
    try:
        result = shift_check_in(shift=shift, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        if result.minutes_late:
            messages.warning(
                request,
                _("Checked in %(n)s minutes late (due by %(due)s).")
                % {"n": result.minutes_late, "due": timezone.localtime(result.due_by).strftime("%H:%M")},
            )
        else:
            messages.success(request, _("Checked in on time."))
    return redirect("duty:home")


@login_required
def swap_new(request: HttpRequest, pk: int) -> HttpResponse:
    shift = _my_shift(request, pk)
    colleagues = User.objects.filter(is_active=True, unit=shift.unit).exclude(pk=request.user.pk).order_by("username")
    their_shifts = (
        Shift.objects.filter(
            unit=shift.unit,
            status=ShiftStatus.SCHEDULED,
            starts_at__gt=timezone.now(),
            starts_at__lt=shift.starts_at + timedelta(days=31),
        )
        .exclude(person=request.user)
        .select_related("pattern", "person")
    )
    form = SwapForm(request.POST or None, colleagues=colleagues, their_shifts=their_shifts)
    if request.method == "POST" and form.is_valid():
        try:
            swap_request(shift=shift, actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            _errors_into(form, exc)
        else:
            messages.success(
                request, _("Your request went to the supervisor. Until it is approved, the shift stays yours.")
            )
            return redirect("duty:home")
    return render(request, "duty/swap_form.html", {"shift": shift, "form": form}, status=400 if form.errors else 200)


@login_required
@require_POST
def swap_decide_view(request: HttpRequest, pk: int) -> HttpResponse:
    swap = get_object_or_404(swaps_to_decide(request.user), pk=pk)
    decision = request.POST.get("decision")
    if decision not in ("approve", "reject"):  # a form without the button pressed decides nothing
        messages.error(request, _("Press “Approve” or “Reject”."))
        return redirect("duty:home")
    approve = decision == "approve"
    _done(
        request,
        lambda: swap_decide(request=swap, actor=request.user, approve=approve, note=request.POST.get("note", "")[:300]),
        _("The swap was approved and the roster changed.") if approve else _("The swap was rejected."),
    )
    return redirect("duty:home")


@login_required
@require_POST
def swap_withdraw_view(request: HttpRequest, pk: int) -> HttpResponse:
    swap = get_object_or_404(SwapRequest, pk=pk, requester=request.user)
    _done(request, lambda: swap_withdraw(request=swap, actor=request.user), _("The request was withdrawn."))
    return redirect("duty:home")


@login_required
def handover(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = HandoverForm(request.POST or None) if user.unit_id else None
    if request.method == "POST" and form is not None and form.is_valid():
        current = (
            Shift.objects.filter(
                person=user,
                unit=user.unit,
                starts_at__lte=timezone.now(),
                ends_at__gt=timezone.now() - timedelta(hours=2),
            )
            .order_by("-starts_at")
            .first()
        )
        try:
            handover_write(unit=user.unit, actor=user, shift=current, **form.cleaned_data)
        except ApplicationError as exc:
            _errors_into(form, exc)
        else:
            messages.success(request, _("The handover was written. The next shift confirms it when they take over."))
            return redirect("duty:handover")
    entries = handovers_visible_to(user).order_by("-created_at", "-id")[:50]
    return render(
        request, "duty/handover.html", {"entries": entries, "form": form}, status=400 if form and form.errors else 200
    )


@login_required
@require_POST
def handover_receive_view(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_object_or_404(handovers_visible_to(request.user), pk=pk)
    _done(request, lambda: handover_receive(entry=entry, actor=request.user), _("You have taken over this handover."))
    return redirect("duty:handover")
