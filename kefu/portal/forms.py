"""The portal's forms. Every text has its limit (kefu.core.inputs.TEXT_LIMITS, the customer file's
column sizes); the case engine and customer_create check again and decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kefu.core.inputs import TEXT_LIMITS
from kefu.rulebooks.fields import FieldDef
from kefu.rulebooks.schema import RulebookDoc
from kefu.web.fieldforms import add_case_fields, field_input_values

__all__ = ("AnswerForm", "CaseForm", "CodeForm", "CodeRequestForm", "SurveyLinkForm", "customer_fields")

# Kinds a customer can fill in; staff, units, contacts and attachment fields are for staff to fill.
CUSTOMER_FIELD_TYPES = {"text", "long_text", "integer", "money", "date", "datetime", "choice", "multi_choice", "yes_no"}


def customer_fields(doc: RulebookDoc, case_type: str) -> list[FieldDef]:
    return [f for f in doc.case_types[case_type].fields if f.type in CUSTOMER_FIELD_TYPES]


class CaseForm(forms.Form):
    category = forms.ChoiceField(label=_("What is it about"))
    title = forms.CharField(label=_("In one line"), max_length=TEXT_LIMITS["title"])
    description = forms.CharField(
        label=_("What happened"),
        max_length=TEXT_LIMITS["description"],
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("When and where, who was involved, and what you would like us to do."),
    )
    attachment = forms.FileField(
        label=_("Photo or document (optional)"),
        required=False,
        help_text=_("A photo, PDF, Word or Excel file, or a recording."),
    )
    name = forms.CharField(label=_("Your name"), max_length=80)
    phone = forms.CharField(
        label=_("Your mobile phone"),
        max_length=30,
        help_text=_("We send the case number and a link to follow it to this number."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    email = forms.EmailField(
        label=_("E-mail (optional)"),
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    is_anonymous = forms.BooleanField(
        label=_("Keep my name confidential"),
        required=False,
        help_text=_("Only the few people the complaint rules name see who you are. We can still answer you."),
    )

    def __init__(self, *args: Any, doc: RulebookDoc, case_type: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.doc, self.case_type = doc, case_type
        type_def = doc.case_types[case_type]
        categories = doc.categories_for(case_type)
        if categories:
            self.fields["category"].choices = [("", "—"), *[(c.code, c.label) for c in categories]]
        else:
            del self.fields["category"]
        if type_def.kind != "complaint":  # anonymity is for complainants (001 篇10 第十九条)
            del self.fields["is_anonymous"]
        self.definitions = customer_fields(doc, case_type)
        self.case_field_names = add_case_fields(
            self, self.definitions, required={f.key for f in self.definitions if f.required}
        )
        # The rulebook's fields after what happened, before who the customer is.
        order = ["category", "title", "description", *self.case_field_names, "attachment", "name", "phone", "email"]
        self.order_fields([*order, "is_anonymous"])

    def field_values(self) -> dict[str, Any]:
        return field_input_values(self, self.definitions)


class CodeRequestForm(forms.Form):
    number = forms.CharField(label=_("Case number"), max_length=40)
    phone = forms.CharField(
        label=_("Mobile phone you gave us"),
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )


class CodeForm(forms.Form):
    number = forms.CharField(label=_("Case number"), max_length=40)
    code = forms.CharField(
        label=_("Code from the text message"),
        max_length=6,
        min_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


class AnswerForm(forms.Form):
    reason = forms.CharField(
        label=_("Why you do not accept it"),
        required=False,
        max_length=TEXT_LIMITS["reason"],
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class SurveyLinkForm(forms.Form):
    token = forms.CharField(label=_("Survey code from your invitation"), max_length=64)
