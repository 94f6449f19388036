"""Forms of the technician's and the supervisor's work order pages; each carries a one-time token."""

from __future__ import annotations

import secrets
from typing import Any

from django import forms
from django.core import signing
from django.utils.translation import gettext_lazy as _

__all__ = ("STEP_FORMS", "check_token", "new_token")

_SALT = "kefu.workorders.form-token"
TOKEN_MAX_AGE = 2 * 24 * 3600


def new_token(*, user_id: int, order_id: int) -> str:
    """A signed, single-use token for one form of one order shown to one person."""
    return signing.dumps({"u": user_id, "o": order_id, "n": secrets.token_hex(16)}, salt=_SALT, compress=True)


def check_token(token: str, *, user_id: int, order_id: int) -> str | None:
    """The token's nonce when it is genuine, recent, and for this person and order; else None."""
    try:
        data = signing.loads(token, salt=_SALT, max_age=TOKEN_MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("u") != user_id or data.get("o") != order_id:
        return None
    nonce = data.get("n")
    return nonce if isinstance(nonce, str) and len(nonce) == 32 else None


class _Step(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1)
    form_token = forms.CharField(widget=forms.HiddenInput, max_length=300)


class BookForm(_Step):
    visit_at = forms.DateTimeField(
        label=_("Visit agreed for"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    reason = forms.CharField(label=_("Why a new time (re-booking only)"), max_length=300, required=False)


class RecordForm(_Step):
    findings = forms.CharField(
        label=_("Findings"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    actions = forms.CharField(
        label=_("Work done"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    part_code = forms.ChoiceField(label=_("Part used"), required=False)
    part_quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=1000, required=False, initial=1)
    old_terminal_no = forms.CharField(label=_("Old terminal number"), max_length=40, required=False)
    new_terminal_no = forms.CharField(label=_("New terminal number"), max_length=40, required=False)
    old_sim_no = forms.CharField(label=_("Old SIM number"), max_length=40, required=False)
    new_sim_no = forms.CharField(label=_("New SIM number"), max_length=40, required=False)

    def __init__(self, *args: Any, parts: list[tuple[str, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["part_code"].choices = [("", _("— none —")), *parts]


class CompleteForm(_Step):
    signature = forms.CharField(widget=forms.HiddenInput, required=False, max_length=300_000)
    fee_collected = forms.DecimalField(
        label=_("Collected on site (yuan)"), min_value=0, max_digits=9, decimal_places=2, initial=0
    )
    invoice_no = forms.CharField(label=_("Invoice number"), max_length=40, required=False)


class ReasonForm(_Step):
    reason = forms.CharField(label=_("Reason"), max_length=300)


class DispatchForm(_Step):
    technician = forms.TypedChoiceField(label=_("Technician"), coerce=int)
    reason = forms.CharField(label=_("Why re-dispatch (only when already dispatched)"), max_length=300, required=False)

    def __init__(self, *args: Any, technicians: list[tuple[int, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["technician"].choices = list(technicians)


# step name → form class (None: only the version and the token)
STEP_FORMS: dict[str, type[forms.Form]] = {
    "accept": _Step,
    "book": BookForm,
    "depart": _Step,
    "arrive": _Step,
    "record": RecordForm,
    "complete": CompleteForm,
    "pause": ReasonForm,
    "resume": _Step,
    "dispatch": DispatchForm,
    "approve_waiver": ReasonForm,
    "close": _Step,
    "cancel": ReasonForm,
}


def _add_repair_steps() -> None:
    # The repair clock's steps (kefu/workorders/repair_forms.py) join the page's steps.
    from kefu.workorders.repair_forms import DecideExtensionForm, ExtendForm

    STEP_FORMS.update({"extend": ExtendForm, "decide_extension": DecideExtensionForm})


_add_repair_steps()
