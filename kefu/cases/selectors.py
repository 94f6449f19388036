"""Reads of cases that encode a rule.

* **What an anonymous complaint shows in place of its complainant.** Every surface (API, pages,
  admin, notifications) shows an anonymous case's customer as "匿名投诉人" and runs the case's free
  text through `IdentityRedactor`, which blanks the complainant's name, customer number, phone
  numbers, e-mails, ID number and addresses wherever staff typed them (a title such as
  "王建国来电：…"). The identity itself is shown only by the logged "show"
  (`kefu.cases.services.case_reveal_customer`) to the people the rulebook names.
* **How a case's form fields read to a person** (`field_rows`, `field_display`) and how a choice
  field is filtered (`field_filter`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
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

__all__ = (
    "FieldRow",
    "IdentityRedactor",
    "anonymous_label",
    "customer_label",
    "field_display",
    "field_filter",
    "field_rows",
    "parse_field_filter",
    "reference_names",
)

# Separators staff type inside a phone number: 138 1234 5678, 138-1234-5678.
_SEP = r"[\s\-－]?"


def anonymous_label() -> str:
    """What an anonymous complainant is called wherever their identity is hidden."""
    return _("Anonymous complainant")


def customer_label(case: Case) -> str:
    """The customer's name, or "匿名投诉人" for an anonymous case (lists and pages)."""
    return anonymous_label() if case.is_anonymous else case.customer.name


class IdentityRedactor:
    """Blanks an anonymous complainant's identity in free text and in nested API data.

    `IdentityRedactor.for_case(case)` reads the customer's contacts and addresses (two queries);
    `for_case(case, brief=True)` uses only the customer's name and number, for lists that already
    joined the customer. For a case that is not anonymous it changes nothing.
    """

    def __init__(self, names: Iterable[str] = (), numbers: Iterable[str] = (), phones: Iterable[str] = ()) -> None:
        self._replacements: list[tuple[re.Pattern[str], str]] = []
        label = anonymous_label()
        names = sorted({n.strip() for n in names if n and len(n.strip()) >= 2}, key=len, reverse=True)
        if names:
            self._replacements.append((re.compile("|".join(re.escape(n) for n in names)), label))
        digits = {re.sub(r"\D", "", p) for p in phones}
        patterns = [_SEP.join(re.escape(ch) for ch in d) for d in sorted(digits, key=len, reverse=True) if len(d) >= 5]
        patterns += [re.escape(n.strip()) for n in sorted(numbers, key=len, reverse=True) if n and len(n.strip()) >= 4]
        if patterns:
            self._replacements.append((re.compile("|".join(patterns), re.IGNORECASE), "***"))

    @classmethod
    def for_case(cls, case: Case, *, brief: bool = False) -> IdentityRedactor:
        if not case.is_anonymous:
            return cls()
        customer = case.customer
        names, numbers, phones = [customer.name], [customer.code, customer.id_number], []
        if not brief:
            for contact in customer.contacts.all():
                names.append(contact.name)
                numbers.append(contact.email)
                phones.append(contact.phone)
            numbers += [address.line for address in customer.addresses.all()]
        return cls(names=names, numbers=numbers, phones=phones)

    def __bool__(self) -> bool:
        return bool(self._replacements)

    def text(self, value: str) -> str:
        for pattern, replacement in self._replacements:
            value = pattern.sub(replacement, value)
        return value

    def data(self, value: Any) -> Any:
        """The same structure with every string redacted (API payloads, event data)."""
        if not self._replacements:
            return value
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {key: self.data(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [self.data(item) for item in value]
        return value


# --------------------------------------------------------------------------------------------------
# Form fields


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
