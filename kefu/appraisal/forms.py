from __future__ import annotations

import uuid

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kefu.appraisal.choices import PeriodKind
from kefu.core.inputs import TEXT_SHORT


class ComputeForm(forms.Form):
    period = forms.ChoiceField(label=_("Period"), choices=PeriodKind.choices, initial=PeriodKind.MONTH)
    day = forms.DateField(
        label=_("Any day in the period"),
        widget=forms.DateInput(attrs={"type": "date"}),
        initial=lambda: timezone.localdate().replace(day=1) - timezone.timedelta(days=1),
    )
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=None, empty_label=None)

    def __init__(self, *args, units=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units


class ProposeForm(forms.Form):
    person = forms.ModelChoiceField(label=_("Person"), queryset=None)
    reason = forms.ChoiceField(label=_("Reason"))
    amount = forms.DecimalField(
        label=_("Amount (yuan)"),
        required=False,
        min_value=0,
        max_value=1_000_000,
        decimal_places=2,
        help_text=_("Leave empty for the rulebook's amount."),
    )
    points = forms.DecimalField(label=_("Points"), required=False, min_value=0, max_value=1000, decimal_places=2)
    note = forms.CharField(label=_("What happened"), max_length=TEXT_SHORT, widget=forms.Textarea(attrs={"rows": 3}))
    token = forms.CharField(widget=forms.HiddenInput, max_length=100)

    def __init__(self, *args, people=None, reasons=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people
        self.fields["reason"].choices = reasons
        if not self.is_bound:
            self.initial["token"] = uuid.uuid4().hex


class DecideForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Reject"))])
    note = forms.CharField(label=_("Note"), required=False, max_length=TEXT_SHORT)


class CorrectForm(forms.Form):
    note = forms.CharField(label=_("Why the correction"), max_length=TEXT_SHORT)


class AssessForm(forms.Form):
    group = forms.CharField(max_length=40)
    points = forms.DecimalField(label=_("Score (0–100)"), min_value=0, max_value=100, decimal_places=2)


class DailyForm(forms.Form):
    day = forms.DateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}))
    text = forms.CharField(
        label=_("What I did, what is left, what needs help"),
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )


class ServicePointsForm(forms.Form):
    """篇8 4.1: a technician's service points of a month; those above the baseline earn the rulebook's
    yuan per point (17 points, 270 yuan)."""

    sp_person = forms.ModelChoiceField(label=_("Person"), queryset=None)
    sp_month = forms.CharField(
        label=_("Month"),
        max_length=7,
        widget=forms.DateInput(attrs={"type": "month"}),
        help_text=_("For example 2026-11."),
    )
    sp_points = forms.DecimalField(
        label=_("Service points of the month"), min_value=0, max_value=1000, decimal_places=2
    )
    sp_token = forms.CharField(widget=forms.HiddenInput, max_length=100)

    def __init__(self, *args, people=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sp_person"].queryset = people
        if not self.is_bound:
            self.initial["sp_token"] = uuid.uuid4().hex
            self.initial["sp_month"] = f"{timezone.localdate().replace(day=1) - timezone.timedelta(days=1):%Y-%m}"

    def clean_sp_month(self) -> str:
        import re

        value = self.cleaned_data["sp_month"].strip()
        if not re.fullmatch(r"20\d\d-(0[1-9]|1[0-2])", value):
            raise forms.ValidationError(_("Enter the month as YYYY-MM, e.g. 2026-11."))
        return value
