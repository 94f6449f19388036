"""Forms of the knowledge screens: they check the shape of the input; the services decide the rest."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kefu.knowledge.choices import ArticleStatus, TemplatePurpose, Visibility
from kefu.knowledge.models import MAX_BODY, CallScript, Category
from kefu.org.models import User

__all__ = ("ArticleForm", "ScriptCallForm", "SearchForm", "TemplateForm")


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=200, required=False)
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.none(), required=False, empty_label=_("All categories")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.filter(is_active=True)
        self.fields["q"].widget.attrs.update(placeholder=_("e.g. 暖气片不热"), type="search")


class ArticleForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    title = forms.CharField(label=_("Title"), max_length=200)
    summary = forms.CharField(label=_("Summary"), max_length=500, required=False)
    body = forms.CharField(label=_("Text"), max_length=MAX_BODY, widget=forms.Textarea(attrs={"rows": 14}))
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.none(), required=False, empty_label=_("— none —")
    )
    tags = forms.CharField(
        label=_("Tags"), max_length=500, required=False, help_text=_("Separate tags with commas or spaces.")
    )
    visibility = forms.ChoiceField(label=_("Visibility"), choices=Visibility.choices)
    status = forms.ChoiceField(label=_("Status"), choices=ArticleStatus.choices, initial=ArticleStatus.PUBLISHED)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=User.objects.none(), required=False)
    review_due = forms.DateField(label=_("Review by"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    change_note = forms.CharField(label=_("What changed"), max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.filter(is_active=True)
        self.fields["owner"].queryset = User.objects.filter(is_active=True).order_by("username")

    def service_values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        data.pop("change_note", None)
        data["tags"] = [t for t in data["tags"].replace("，", ",").replace(",", " ").split() if t]
        if data.get("owner") is None:
            data.pop("owner")
        return data


class TemplateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)
    body = forms.CharField(
        label=_("Text"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Variables: {客户姓名} {工单号} {承诺日期} {处理人} {我的姓名} {工号} {问候语} {今天}"),
    )
    purpose = forms.ChoiceField(label=_("Used for"), choices=TemplatePurpose.choices, initial=TemplatePurpose.ANY)
    rulebook = forms.SlugField(label=_("Rulebook"), max_length=60, required=False, help_text=_("Empty: any."))
    case_type = forms.SlugField(label=_("Case type"), max_length=40, required=False, help_text=_("Empty: any."))
    stage = forms.SlugField(label=_("Stage"), max_length=40, required=False, help_text=_("Empty: any."))
    sort = forms.IntegerField(label=_("Order"), min_value=0, max_value=32000, initial=0)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)


class ScriptCallForm(forms.Form):
    """One answer and, where the script asks for it, one "read back and confirmed" tick per question."""

    def __init__(self, *args: Any, script: CallScript, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.steps = list(script.steps.all())
        for i, step in enumerate(self.steps):
            self.fields[f"answer_{i}"] = forms.CharField(
                label=step.question,
                max_length=2000,
                required=False,
                widget=forms.TextInput(attrs={"autocomplete": "off"}),
            )
            if step.read_back:
                self.fields[f"confirmed_{i}"] = forms.BooleanField(
                    label=_("Read back, the caller confirmed"), required=False
                )

    @property
    def rows(self) -> list[tuple[Any, Any, Any]]:
        return [
            (step, self[f"answer_{i}"], self[f"confirmed_{i}"] if step.read_back else None)
            for i, step in enumerate(self.steps)
        ]

    def answers(self) -> list[dict[str, Any]]:
        return [
            {
                "answer": self.cleaned_data.get(f"answer_{i}", ""),
                "confirmed": self.cleaned_data.get(f"confirmed_{i}", False),
            }
            for i in range(len(self.steps))
        ]
