"""Form fields of a case type (rulebook `fields:`) as Django form fields, for the intake form, the case
page and transition forms. The forms check the shape; the case engine checks the values again and
decides (kefu/cases/services/fields.py), so its errors come back on the same inputs (`fields.<key>`)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from kefu.cases.models import Case, CaseAttachment
from kefu.customers.models import Contact
from kefu.rulebooks.fields import FieldDef

__all__ = ("FIELD_PREFIX", "add_case_fields", "field_input_values", "form_name", "service_error_target")

FIELD_PREFIX = "field__"
_DATETIME_INPUT = "%Y-%m-%dT%H:%M"
_YES_NO = [("", "—"), ("true", _("Yes")), ("false", _("No"))]


def form_name(key: str) -> str:
    return f"{FIELD_PREFIX}{key}"


def service_error_target(name: str) -> str | None:
    """The form input a service error names: `fields.loss_amount` → `field__loss_amount`."""
    return form_name(name.removeprefix("fields.")) if name.startswith("fields.") else None


def _english() -> bool:
    return (get_language() or "").startswith("en")


def _label(definition: FieldDef) -> str:
    return definition.label_en if _english() and definition.label_en else definition.label


def _help(definition: FieldDef) -> str:
    return definition.help_en if _english() and definition.help_en else definition.help


def _options(definition: FieldDef) -> list[tuple[str, str]]:
    return [(o.code, o.label_en if _english() and o.label_en else o.label) for o in definition.options or []]


def _form_field(
    definition: FieldDef, *, required: bool, customer_id: int | None, case: Case | None
) -> forms.Field | None:
    """The input for one field; None where this form cannot offer it (a contact before a customer is
    chosen, an attachment before the case exists)."""
    from kefu.web.pickers import StaffChoiceField, UnitChoiceField, staff_queryset, unit_queryset

    common: dict[str, Any] = {"label": _label(definition), "required": required, "help_text": _help(definition)}
    kind = definition.type
    if kind == "text":
        return forms.CharField(max_length=definition.length_limit, **common)
    if kind == "long_text":
        return forms.CharField(max_length=definition.length_limit, widget=forms.Textarea(attrs={"rows": 3}), **common)
    if kind == "integer":
        return forms.IntegerField(min_value=definition.min, max_value=definition.max, **common)
    if kind == "money":
        return forms.DecimalField(
            max_digits=12, decimal_places=2, min_value=definition.min, max_value=definition.max, **common
        )
    if kind == "date":
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    if kind == "datetime":
        return forms.DateTimeField(
            widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=_DATETIME_INPUT),
            input_formats=[_DATETIME_INPUT, "%Y-%m-%d %H:%M"],
            **common,
        )
    if kind == "choice":
        return forms.ChoiceField(choices=[("", "—"), *_options(definition)], **common)
    if kind == "multi_choice":
        return forms.MultipleChoiceField(choices=_options(definition), widget=forms.CheckboxSelectMultiple, **common)
    if kind == "yes_no":
        return forms.ChoiceField(choices=_YES_NO, **common)
    if kind == "staff":
        return StaffChoiceField(queryset=staff_queryset(), empty_label="—", **common)
    if kind == "unit":
        return UnitChoiceField(queryset=unit_queryset(), empty_label="—", **common)
    if kind == "contact":
        if customer_id is None:
            return None
        return forms.ModelChoiceField(
            queryset=Contact.objects.filter(customer_id=customer_id).order_by("pk"), empty_label="—", **common
        )
    if case is None:  # attachment: one of the case's files
        return None
    return forms.ModelChoiceField(
        queryset=CaseAttachment.objects.filter(case=case).order_by("created_at", "pk"), empty_label="—", **common
    )


def _initial(definition: FieldDef, value: Any) -> Any:
    if value is None:
        return None
    if definition.type == "yes_no":
        return "true" if value else "false"
    if definition.type == "datetime":
        moment = dt.datetime.fromisoformat(str(value))
        return timezone.localtime(moment).strftime(_DATETIME_INPUT)
    return value


def add_case_fields(
    form: forms.Form,
    definitions: list[FieldDef],
    *,
    required: set[str] | None = None,
    customer_id: int | None = None,
    case: Case | None = None,
    values: dict[str, Any] | None = None,
) -> list[str]:
    """Add an input per definition to `form` (named `field__<key>`); `required` keys must be filled.
    Returns the names added, in the rulebook's order."""
    names = []
    for definition in definitions:
        field = _form_field(
            definition, required=definition.key in (required or set()), customer_id=customer_id, case=case
        )
        if field is None:
            continue
        name = form_name(definition.key)
        field.initial = _initial(definition, (values or {}).get(definition.key))
        form.fields[name] = field
        names.append(name)
    return names


def _service_value(definition: FieldDef, value: Any) -> Any:
    if value in (None, "", []):
        return None
    if isinstance(value, Model):
        return value.pk
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return (timezone.make_aware(value) if timezone.is_naive(value) else value).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def field_input_values(
    form: forms.Form, definitions: list[FieldDef], *, changed_only: bool = False, keep_empty: bool = False
) -> dict[str, Any]:
    """The cleaned inputs as the engine takes them (`fields` of case_register / case_update_fields /
    a transition's data). Empty inputs are left out, or sent as None (clear) with `keep_empty`;
    `changed_only` sends only what the person changed on the form."""
    out: dict[str, Any] = {}
    for definition in definitions:
        name = form_name(definition.key)
        if name not in form.cleaned_data:
            continue
        if changed_only and name not in form.changed_data:
            continue
        value = _service_value(definition, form.cleaned_data[name])
        if value is not None or keep_empty:
            out[definition.key] = value
    return out
