"""Forms of the repair-clock steps of the order page: ask for an extension, decide on it."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kefu.workorders.forms import _Step

__all__ = ("DecideExtensionForm", "ExtendForm")


class ExtendForm(_Step):
    until = forms.DateTimeField(
        label=_("New repair deadline"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    reason = forms.CharField(label=_("Why it cannot be repaired in time"), max_length=300)
    customer_consent = forms.BooleanField(label=_("The customer agreed to the later date"), required=False)


class DecideExtensionForm(_Step):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=[("approve", _("Approve the extension")), ("refuse", _("Refuse it"))]
    )
    note = forms.CharField(label=_("Note (required when refusing)"), max_length=300, required=False)
