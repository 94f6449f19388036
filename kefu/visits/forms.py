"""Forms of the call-back screens: the questionnaire (built from the rulebook's questions) and the
"not reachable" / "call me later" form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kefu.core.inputs import TEXT_LONG
from kefu.visits.choices import QuestionType

__all__ = ("QuestionnaireForm", "RescheduleForm")

YES_NO = [("yes", _("Yes")), ("no", _("No"))]


class QuestionnaireForm(forms.Form):
    """One field per question (`q_<code>`), the customer's words, the signature and the version read."""

    summary = forms.CharField(
        label=_("What the customer said (their own words)"),
        required=False,
        max_length=TEXT_LONG,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    customer_signed = forms.BooleanField(label=_("The customer signed the record"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, questionnaire: dict[str, Any], signature: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: dict[str, forms.Field] = {}
        for q in questionnaire.get("questions", []):
            required = q.get("required", True)
            label = q["text"]
            kind = q["type"]
            if kind == QuestionType.YES_NO:
                field: forms.Field = forms.ChoiceField(
                    label=label, choices=YES_NO, widget=forms.RadioSelect, required=required
                )
            elif kind == QuestionType.SCORE:
                field = forms.TypedChoiceField(
                    label=label,
                    choices=[(n, n) for n in range(1, 11)],
                    coerce=int,
                    widget=forms.RadioSelect(attrs={"class": "score"}),
                    required=required,
                )
            elif kind == QuestionType.CHOICE:
                field = forms.ChoiceField(
                    label=label, choices=[(o, o) for o in q["options"]], widget=forms.RadioSelect, required=required
                )
            else:
                field = forms.CharField(
                    label=label, required=required, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
                )
            fields[f"q_{q['code']}"] = field
        # Questions first, then the customer's words, the signature (on-site visits only) and the version.
        base = dict(self.fields)
        if not signature:
            base.pop("customer_signed")
        self.fields = {**fields, **base}

    def answers(self) -> dict[str, Any]:
        return {
            name[2:]: value
            for name, value in self.cleaned_data.items()
            if name.startswith("q_") and value not in ("", None)
        }


class RescheduleForm(forms.Form):
    reason = forms.ChoiceField(
        choices=[("not_reachable", _("Not reachable")), ("call_later", _("Call me later"))], widget=forms.HiddenInput
    )
    try_again_at = forms.DateTimeField(
        label=_("Call again at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M"],
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=500)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
