"""Forms of the call-back screens: the questionnaire (built from the rulebook's questions) and the
"not reachable" / "call me later" form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kefu.core.inputs import TEXT_LONG
from kefu.visits.choices import FlagKind, QuestionType

__all__ = (
    "ExtensionDecisionForm",
    "ExtensionForm",
    "FlagForm",
    "QuestionnaireForm",
    "RescheduleForm",
    "ReportForm",
    "ReviewForm",
)

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


class ReportForm(forms.Form):
    """The visit report (《客户回访报告》): the summary and the visitor's evaluation."""

    summary = forms.CharField(
        label=_("Summary of the visit"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )
    evaluation = forms.CharField(
        label=_("Your evaluation"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class ExtensionForm(forms.Form):
    reason = forms.CharField(label=_("Why the report needs more time"), max_length=500)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("return", _("Send back to the visitor"))],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment (required to send back)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class ExtensionDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("refuse", _("Refuse"))])
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class FlagForm(forms.Form):
    kind = forms.ChoiceField(label=_("What was wrong"), choices=FlagKind.choices)
    reason = forms.CharField(label=_("What you found"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
