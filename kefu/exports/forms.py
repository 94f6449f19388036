from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kefu.core.inputs import TEXT_LIMITS
from kefu.customers.choices import CustomerGrade, CustomerType, Region
from kefu.exports.choices import ExportFormat

__all__ = ("DecisionForm", "ExportForm", "ImportForm")


def _any(choices: list) -> list:
    return [("", _("Any")), *choices]


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Customer file (.xlsx or .csv)"))


class ExportForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=TEXT_LIMITS["search"])
    grade = forms.ChoiceField(label=_("Grade"), required=False, choices=_any(CustomerGrade.choices))
    customer_type = forms.ChoiceField(label=_("Customer type"), required=False, choices=_any(CustomerType.choices))
    region = forms.ChoiceField(label=_("Region"), required=False, choices=_any(Region.choices))
    file_format = forms.ChoiceField(label=_("Format"), choices=ExportFormat.choices, initial=ExportFormat.XLSX)
    reason = forms.CharField(
        label=_("What the records are needed for (needed when approval is)"),
        required=False,
        max_length=TEXT_LIMITS["reason"],
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def filters(self) -> dict:
        return {k: self.cleaned_data[k] for k in ("q", "grade", "customer_type", "region") if self.cleaned_data.get(k)}


class DecisionForm(forms.Form):
    note = forms.CharField(
        label=_("Note (needed to refuse)"),
        required=False,
        max_length=TEXT_LIMITS["comment"],
        widget=forms.Textarea(attrs={"rows": 2}),
    )
