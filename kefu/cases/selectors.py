"""Reads of the case engine that encode a rule: how a case's form fields read to a person."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from kefu.cases.models import Case, CaseAttachment
from kefu.customers.models import Contact
from kefu.org.models import OrgUnit, User
from kefu.rulebooks.fields import FieldDef

__all__ = ("FieldRow", "field_display", "field_filter", "field_rows", "parse_field_filter", "reference_names")


@dataclass(frozen=True)
class FieldRow:
    definition: FieldDef
    value: Any
    display: str

    @property
    def key(self) -> str:
        return self.definition.key

    @property
    def label(self) -> str:
        english = (get_language() or "").startswith("en")
        return self.definition.label_en if english and self.definition.label_en else self.definition.label

    @property
    def help(self) -> str:
        english = (get_language() or "").startswith("en")
        return self.definition.help_en if english and self.definition.help_en else self.definition.help


def reference_names(definitions: list[FieldDef], rows: list[dict[str, Any]]) -> dict[tuple[str, int], str]:
    """Names of the staff, units, contacts and attachments the values of `rows` (each a case's
    `fields`) point at: one query per type, however many rows."""
    wanted: dict[str, set[int]] = {}
    for values in rows:
        for definition in definitions:
            value = (values or {}).get(definition.key)
            if definition.type in ("staff", "unit", "contact", "attachment") and isinstance(value, int):
                wanted.setdefault(definition.type, set()).add(value)
    names: dict[tuple[str, int], str] = {}
    if "staff" in wanted:
        names.update({("staff", u.pk): str(u) for u in User.objects.filter(pk__in=wanted["staff"])})
    if "unit" in wanted:
        names.update({("unit", u.pk): u.name for u in OrgUnit.objects.filter(pk__in=wanted["unit"])})
    if "contact" in wanted:
        names.update({("contact", c.pk): str(c) for c in Contact.objects.filter(pk__in=wanted["contact"])})
    if "attachment" in wanted:
        names.update({("attachment", a.pk): a.name for a in CaseAttachment.objects.filter(pk__in=wanted["attachment"])})
    return names


def field_display(definition: FieldDef, value: Any, names: dict[tuple[str, int], str] | None = None) -> str:
    """The value as a person reads it: option labels, yes/no, amounts with two decimals, local times."""
    if value is None or value == [] or value == "":
        return ""
    english = (get_language() or "").startswith("en")
    kind = definition.type
    if kind == "choice":
        return definition.option_label(value, english)
    if kind == "multi_choice":
        return "、".join(definition.option_label(v, english) for v in value)
    if kind == "yes_no":
        return _("Yes") if value else _("No")
    if kind == "money":
        return f"{Decimal(str(value)):,.2f}"
    if kind == "datetime":
        moment = parse_datetime(str(value))
        return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else str(value)
    if kind in ("staff", "unit", "contact", "attachment"):
        return (names or {}).get((kind, value), f"#{value}")
    return str(value)


def field_rows(case: Case, *, only_set: bool = False) -> list[FieldRow]:
    """The case type's form fields (of the case's own rulebook version) with values and display texts."""
    definitions = case.type_def.fields
    values = case.fields or {}
    names = reference_names(definitions, [values])
    rows = [FieldRow(d, values.get(d.key), field_display(d, values.get(d.key), names)) for d in definitions]
    return [r for r in rows if r.display] if only_set else rows


def parse_field_filter(text: str) -> tuple[str, str] | None:
    """'penalty:fine' → ('penalty', 'fine'); None when it is not of that shape."""
    key, sep, value = text.partition(":")
    key, value = key.strip(), value.strip()
    if not sep or not key or not value or len(key) > 40 or len(value) > 100 or "\x00" in text:
        return None
    if not key.replace("_", "").isalnum() or not key.isascii():
        return None
    return key, value


def field_filter(qs: QuerySet[Case], key: str, value: str) -> QuerySet[Case]:
    """Cases whose choice field `key` is `value` (or whose multi-choice field includes it).

    On PostgreSQL this is JSON containment (`fields @> {"key": "value"}`), served by the GIN index on
    `Case.fields`; other databases compare the extracted value.
    """
    from django.db import connection

    if connection.vendor == "postgresql":
        return qs.filter(Q(fields__contains={key: value}) | Q(fields__contains={key: [value]}))
    return qs.filter(Q(**{f"fields__{key}": value}) | Q(**{f"fields__{key}__icontains": f'"{value}"'}))
