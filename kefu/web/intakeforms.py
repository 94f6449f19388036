"""The intake form: registration of a case, optionally with a new customer, in one submit."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kefu.cases.choices import Channel
from kefu.core.inputs import TEXT_LIMITS as LIMITS
from kefu.customers.choices import CustomerGrade, CustomerType, Region
from kefu.customers.models import Customer
from kefu.org.models import User
from kefu.rulebooks.schema import RulebookDoc
from kefu.web.fieldforms import add_case_fields, field_input_values
from kefu.web.pickers import StaffChoiceField, staff_queryset
from kefu.web.templatetags.kefu_web import rb_label

__all__ = ("IntakeForm", "category_choices", "channel_choices")


class IntakeForm(forms.Form):
    """Registration of a case, optionally with a new customer, in one submit."""

    customer = forms.ModelChoiceField(
        label=_("Customer"), queryset=Customer.objects.filter(is_active=True), required=False, widget=forms.HiddenInput
    )
    new_name = forms.CharField(label=_("Name"), required=False, max_length=200)
    new_phone = forms.CharField(label=_("Phone"), required=False, max_length=30)
    new_type = forms.ChoiceField(
        label=_("Customer type"), choices=CustomerType.choices, initial=CustomerType.INDIVIDUAL
    )
    new_grade = forms.ChoiceField(label=_("Grade"), choices=CustomerGrade.choices, initial=CustomerGrade.C)
    new_region = forms.ChoiceField(label=_("Region"), choices=Region.choices, initial=Region.URBAN)
    new_overseas = forms.BooleanField(label=_("Overseas"), required=False)

    rulebook = forms.ChoiceField(label=_("Rulebook"))
    case_type = forms.ChoiceField(label=_("Case type"))
    category = forms.ChoiceField(label=_("Category"), required=False)
    severity = forms.ChoiceField(label=_("Severity"))
    channel = forms.ChoiceField(label=_("Channel"), choices=(), initial=Channel.PHONE)
    title = forms.CharField(label=_("Title"), max_length=LIMITS["title"])
    description = forms.CharField(
        label=_("Description"), max_length=LIMITS["description"], widget=forms.Textarea(attrs={"rows": 4})
    )
    customer_request = forms.CharField(
        label=_("Customer's request"),
        required=False,
        max_length=LIMITS["customer_request"],
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    subject_person = StaffChoiceField(
        label=_("Person complained about"), queryset=User.objects.none(), required=False, empty_label=_("— none —")
    )
    attachment = forms.FileField(label=_("Attachment"), required=False)
    is_anonymous = forms.BooleanField(
        label=_("Anonymous complainant"),
        required=False,
        help_text=_(
            "The complainant asked not to be named: their name, phone and address are hidden from everyone "
            "but the people the rulebook names. Do not write them in the title or description."
        ),
    )

    def __init__(
        self,
        *args: Any,
        rulebooks: dict[str, RulebookDoc],
        default_key: str,
        user: Any = None,
        rulebook_key: str | None = None,
        case_type: str | None = None,
        category: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.rulebooks = rulebooks
        key = self.data.get("rulebook") if self.is_bound else rulebook_key
        key = key if key in rulebooks else default_key
        doc = rulebooks[key]
        self.fields["rulebook"].choices = [
            (k, d.name_en if _english() and d.name_en else d.name) for k, d in rulebooks.items()
        ]
        self.fields["rulebook"].initial = key
        self.doc = doc
        self.fields["case_type"].choices = [(code, rb_label(ct)) for code, ct in doc.case_types.items()]
        case_type = self.data.get("case_type") if self.is_bound else case_type
        if case_type not in doc.case_types:
            case_type = next(iter(doc.case_types))
        self.fields["case_type"].initial = case_type
        self.fields["category"].choices = category_choices(doc, case_type)
        if category and any(code == category for code, _label in self.fields["category"].choices):
            self.fields["category"].initial = category
        self.fields["severity"].choices = [(s.code, rb_label(s)) for s in doc.severities]
        self.fields["channel"].choices = channel_choices(doc, case_type)
        self.fields["subject_person"].queryset = staff_queryset()
        if user is not None:
            # Only a customer this person may see can be picked (the intake roles see the directory).
            self.fields["customer"].queryset = Customer.objects.visible_to(user).filter(is_active=True)
        self.fields["new_phone"].widget.attrs.update(placeholder="13812345678")
        # The case type's form fields; a contact field once a customer is chosen.
        self.case_type_def = doc.case_types[case_type]
        picked = self.data.get("customer") if self.is_bound else None
        customer_id = int(picked) if picked and str(picked).isascii() and str(picked).isdigit() else None
        self.field_names = add_case_fields(
            self,
            self.case_type_def.fields,
            required={f.key for f in self.case_type_def.fields if f.required},
            customer_id=customer_id,
        )

    @property
    def case_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.field_names]

    def field_values(self) -> dict[str, Any]:
        return field_input_values(self, self.case_type_def.fields)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("customer"):
            if not data.get("new_name"):
                self.add_error("new_name", _("Pick a customer from the search, or enter a new customer's name."))
            if not data.get("new_phone"):
                self.add_error("new_phone", _("Enter the new customer's phone number."))
        return data


def _english() -> bool:
    from django.utils.translation import get_language

    return (get_language() or "").startswith("en")


def channel_choices(doc: RulebookDoc, case_type: str) -> list[tuple[str, str]]:
    """The channels of the rulebook (its own list, or Kefu's) that the case type accepts."""
    return [(code, doc.channel_label(code, english=_english())) for code in doc.channel_codes(case_type)]


def category_choices(doc: RulebookDoc, case_type: str) -> list[tuple[str, str]]:
    cats = doc.categories_for(case_type) if case_type in doc.case_types else []
    return [("", _("— none —"))] + [(c.code, rb_label(c)) for c in cats]


# --------------------------------------------------------------------------------------------------
