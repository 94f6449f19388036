"""Reads of cases that encode a rule: what an anonymous complaint shows in place of its complainant.

Every surface (API, pages, admin, notifications) shows an anonymous case's customer as "匿名投诉人"
and runs the case's free text through `IdentityRedactor`, which blanks the complainant's name,
customer number, phone numbers, e-mails, ID number and addresses wherever staff typed them (a title
such as "王建国来电：…"). The identity itself is shown only by the logged "show"
(`kefu.cases.services.case_reveal_customer`) to the people the rulebook names.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _

from kefu.cases.models import Case

__all__ = ("IdentityRedactor", "anonymous_label", "customer_label")

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
