"""Forms of the duty screens."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kefu.duty.models import Shift, ShiftPattern
from kefu.org.models import OrgUnit, User

__all__ = ("AddShiftForm", "HandoverForm", "RosterForm", "RotationForm", "SwapForm")


class RosterForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=OrgUnit.objects.none())
    month = forms.DateField(label=_("Month"), widget=forms.DateInput(attrs={"type": "month"}), input_formats=["%Y-%m"])
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units


class _RosterPeople(forms.Form):
    def __init__(self, *args: Any, people: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["pattern"].queryset = ShiftPattern.objects.filter(is_active=True)
        self.fields["people" if "people" in self.fields else "person"].queryset = people


class RotationForm(_RosterPeople):
    pattern = forms.ModelChoiceField(label=_("Shift pattern"), queryset=ShiftPattern.objects.none())
    people = forms.ModelMultipleChoiceField(
        label=_("Who rotates (in this order)"), queryset=User.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    first_day = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    last_day = forms.DateField(label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


class AddShiftForm(_RosterPeople):
    pattern = forms.ModelChoiceField(label=_("Shift pattern"), queryset=ShiftPattern.objects.none())
    person = forms.ModelChoiceField(label=_("On duty"), queryset=User.objects.none())
    day = forms.DateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}))


class SwapForm(forms.Form):
    counterpart = forms.ModelChoiceField(label=_("Colleague taking the shift"), queryset=User.objects.none())
    counterpart_shift = forms.ModelChoiceField(
        label=_("Their shift you take in return"),
        queryset=Shift.objects.none(),
        required=False,
        empty_label=_("— none, they just cover mine —"),
    )
    reason = forms.CharField(label=_("Reason"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, colleagues: Any, their_shifts: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["counterpart"].queryset = colleagues
        self.fields["counterpart_shift"].queryset = their_shifts
        self.fields["counterpart_shift"].label_from_instance = lambda s: f"{s.day:%m-%d} {s.pattern} · {s.person}"


class HandoverForm(forms.Form):
    body = forms.CharField(label=_("Handover"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4}))
    open_items = forms.CharField(
        label=_("Open items for the next shift"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
