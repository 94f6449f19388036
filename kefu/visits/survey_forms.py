"""Forms of the survey staff screens: a survey with its typed questions (rows), a round to open with
its customer filter, and the paper answer (the questionnaire form of the call-back screens)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kefu.customers.choices import CustomerGrade
from kefu.visits.choices import QuestionType

__all__ = ("QuestionRowForm", "QuestionRows", "RoundForm", "SurveyForm")


class SurveyForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=100)
    intro = forms.CharField(
        label=_("Introduction for the customer"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class QuestionRowForm(forms.Form):
    """One question: the text, the kind of answer, the options of a choice (one per line or separated by
    commas) and the answers that count as not satisfied."""

    text = forms.CharField(label=_("Question"), required=False, max_length=200)
    type = forms.ChoiceField(label=_("Answer"), choices=QuestionType.choices, initial=QuestionType.CHOICE)
    options = forms.CharField(label=_("Options (for a choice)"), required=False, max_length=1000)
    unsatisfied = forms.CharField(label=_("Answers that count as not satisfied"), required=False, max_length=500)
    unsatisfied_below = forms.IntegerField(
        label=_("A score below this is not satisfied"), required=False, min_value=0, max_value=10
    )

    @staticmethod
    def _split(value: str) -> list[str]:
        parts = [p.strip() for chunk in value.replace("，", ",").splitlines() for p in chunk.split(",")]
        return [p for p in parts if p]

    def question(self, index: int) -> dict[str, Any] | None:
        """The question as the survey stores it (the shape of a rulebook questionnaire), or None if empty."""
        data = self.cleaned_data
        if not data.get("text"):
            return None
        q: dict[str, Any] = {"code": f"q{index}", "text": data["text"], "type": data["type"]}
        if data["type"] == QuestionType.CHOICE:
            q["options"] = self._split(data.get("options") or "")
        if data["type"] in (QuestionType.CHOICE, QuestionType.YES_NO):
            unsatisfied = self._split(data.get("unsatisfied") or "")
            if data["type"] == QuestionType.YES_NO:
                unsatisfied = [{"是": "yes", "否": "no"}.get(u, u) for u in unsatisfied]
            q["unsatisfied"] = unsatisfied
        if data["type"] == QuestionType.SCORE and data.get("unsatisfied_below"):
            q["unsatisfied_below"] = data["unsatisfied_below"]
        if data["type"] == QuestionType.TEXT:
            q["required"] = False
        return q


QuestionRows = forms.formset_factory(QuestionRowForm, extra=6, max_num=50)


class RoundForm(forms.Form):
    """Open a round: the period measured, who is asked (a random sample of a customer filter), how long
    answers are taken and from what share of answers the round counts (defaults: the rulebook's)."""

    WHO = [
        ("all", _("Every active customer (the half-yearly survey)")),
        ("new", _("Customers whose file was opened recently (a new service)")),
    ]

    name = forms.CharField(label=_("Name"), max_length=100)
    period_start = forms.DateField(label=_("Period from"), widget=forms.DateInput(attrs={"type": "date"}))
    period_end = forms.DateField(label=_("Period to"), widget=forms.DateInput(attrs={"type": "date"}))
    who = forms.ChoiceField(label=_("Who is asked"), choices=WHO, widget=forms.RadioSelect, initial="all")
    within_months = forms.IntegerField(label=_("Opened within (months)"), min_value=1, max_value=24, initial=3)
    grade = forms.ChoiceField(
        label=_("Only this customer grade (optional)"), required=False, choices=[("", "—"), *CustomerGrade.choices]
    )
    sample_size = forms.IntegerField(label=_("Sample size"), min_value=1, max_value=100_000)
    threshold_percent = forms.DecimalField(
        label=_("Valid from (% answered)"), min_value=1, max_value=100, decimal_places=2
    )
    answer_days = forms.IntegerField(label=_("Answers accepted for (days)"), min_value=1, max_value=365)
    unit = forms.ModelChoiceField(label=_("Unit measured (optional)"), queryset=None, required=False)

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
