"""Form fields per case type: what a case of this type records beyond Kefu's own fields.

    fields:
      - {key: order_no, type: text, label: 订单编号, label_en: Order no., required: true}
      - {key: loss_amount, type: money, label: 损失金额（元）, required_before: [close]}
      - key: penalty
        type: choice
        label: 罚扣类别
        options:
          - {code: none, label: 不罚扣}
          - {code: fine, label: 罚款}
        editable_by: [owner, assignee, supervisor, manager]

The format (this module) is pure: a field's definition, and `clean_value()` for the types that need
no database (text, numbers, dates, choices, yes/no). The case engine checks the references (staff,
unit, contact, attachment) and stores the values (`kefu/cases/services/fields.py`).
docs/rulebooks.md, "Form fields", is the reference.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext_noop
from pydantic import Field, field_validator, model_validator

from kefu.rulebooks.base import CODE, ROLES, Strict
from kefu.rulebooks.expressions import BOOL, DATE, DATETIME, LIST, NUMBER, TEXT, Fact

__all__ = (
    "FIELD_TYPES",
    "REFERENCE_TYPES",
    "FieldDef",
    "FieldOption",
    "FieldValueError",
    "clean_value",
    "field_fact",
)

FIELD_TYPES = (
    "text",
    "long_text",
    "integer",
    "money",
    "date",
    "datetime",
    "choice",
    "multi_choice",
    "yes_no",
    "staff",
    "unit",
    "contact",
    "attachment",
)
# Values that are ids of rows (checked by the engine against the database).
REFERENCE_TYPES = ("staff", "unit", "contact", "attachment")
# Who besides the listed roles may edit a field: the case's people.
CASE_PEOPLE = ("owner", "assignee", "receiver")
_DEFAULT_MAX_LENGTH = {"text": 200, "long_text": 4000}
_MONEY_MAX = Decimal("9999999999.99")
_INTEGER_MAX = 2**53  # exact in JSON and in every client's numbers


class FieldOption(Strict):
    code: str = Field(pattern=CODE, max_length=40)
    label: str = Field(min_length=1, max_length=100)
    label_en: str = Field(default="", max_length=100)


class FieldDef(Strict):
    key: str = Field(pattern=CODE, max_length=40)
    type: str
    label: str = Field(min_length=1, max_length=100)
    label_en: str = Field(default="", max_length=100)
    help: str = Field(default="", max_length=500)
    help_en: str = Field(default="", max_length=500)
    # Must be filled in when the case is registered.
    required: bool = False
    # Must be filled in before any of these transitions is taken (their forms ask for it).
    required_before: list[str] = Field(default_factory=list)
    # Who may change it after registration: roles, and/or the case's owner, assignee, receiver.
    editable_by: list[str] = Field(default_factory=lambda: ["owner", "assignee"], min_length=1)
    options: list[FieldOption] | None = None
    max_length: int | None = Field(default=None, ge=1, le=20000)
    min: Decimal | None = None
    max: Decimal | None = None

    @field_validator("type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        if value not in FIELD_TYPES:
            raise ValueError(f"unknown field type '{value}'; types are {', '.join(FIELD_TYPES)}")
        return value

    @field_validator("editable_by")
    @classmethod
    def _known_editors(cls, value: list[str]) -> list[str]:
        bad = [v for v in value if v not in ROLES and v not in CASE_PEOPLE]
        if bad:
            raise ValueError(f"unknown editor(s) {bad}; use owner, assignee, receiver or a role")
        return value

    @model_validator(mode="after")
    def _options_and_bounds(self) -> FieldDef:
        choosing = self.type in ("choice", "multi_choice")
        if choosing and not self.options:
            raise ValueError(f"a {self.type} field needs options: [{{code, label}}, ...]")
        if not choosing and self.options is not None:
            raise ValueError(f"only choice and multi_choice fields have options, not {self.type}")
        if self.max_length is not None and self.type not in _DEFAULT_MAX_LENGTH:
            raise ValueError("max_length is for text and long_text fields")
        if (self.min is not None or self.max is not None) and self.type not in ("integer", "money"):
            raise ValueError("min and max are for integer and money fields")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("min is larger than max")
        if self.required and self.type == "attachment":
            raise ValueError(
                "an attachment cannot be required at registration (it is uploaded to the case afterwards); "
                "use required_before: [a transition]"
            )
        return self

    @property
    def length_limit(self) -> int:
        return self.max_length or _DEFAULT_MAX_LENGTH.get(self.type, 200)

    def option_label(self, code: str, english: bool = False) -> str:
        for option in self.options or []:
            if option.code == code:
                return option.label_en if english and option.label_en else option.label
        return code

    def may_edit(self, *, role: str, user_id: int, case_people: dict[str, int | None]) -> bool:
        return role in self.editable_by or any(
            case_people.get(person) == user_id for person in CASE_PEOPLE if person in self.editable_by
        )


class FieldValueError(ValueError):
    """A value does not fit its field. The message is an English source string, marked for the catalog
    (gettext_noop) and translated where it is shown (kefu/cases/services/fields.py)."""

    def __init__(self, message: str, **params: Any) -> None:
        self.params = params
        super().__init__(message)


def field_fact(definition: FieldDef) -> Fact:
    """How a condition sees the field (`fields.<key>`)."""
    kind = {
        "text": TEXT,
        "long_text": TEXT,
        "integer": NUMBER,
        "money": NUMBER,
        "date": DATE,
        "datetime": DATETIME,
        "choice": TEXT,
        "multi_choice": LIST,
        "yes_no": BOOL,
    }.get(definition.type, definition.type)  # references: only `== null` / `!= null` make sense
    options = tuple(o.code for o in definition.options) if definition.options else None
    return Fact(kind, options, "choice")


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def clean_value(definition: FieldDef, value: Any) -> Any:
    """The stored (JSON) form of `value` for a field that needs no database check, None for empty.

    Stored forms: text as str, integer as int, money as a string with 2 decimals ("1234.50", exact),
    date "YYYY-MM-DD", datetime ISO 8601 with offset, choice str, multi_choice list of codes in the
    rulebook's order, yes/no bool. References (staff, unit, contact, attachment) come back as int ids
    for the engine to check. Raises FieldValueError.
    """
    if _empty(value):
        return None
    kind = definition.type
    if kind in ("text", "long_text"):
        text = str(value).strip()
        if "\x00" in text:
            raise FieldValueError(gettext_noop("The text contains a NUL character."))
        if len(text) > definition.length_limit:
            raise FieldValueError(gettext_noop("At most %(n)s characters."), n=definition.length_limit)
        return text
    if kind in ("integer", "money"):
        return _clean_number(definition, value)
    if kind == "date":
        if isinstance(value, dt.datetime):
            value = value.date()
        if isinstance(value, dt.date):
            return value.isoformat()
        try:
            return dt.date.fromisoformat(str(value).strip()).isoformat()
        except ValueError:
            raise FieldValueError(gettext_noop("Enter a date like 2026-03-01."))
    if kind == "datetime":
        return _clean_datetime(value)
    if kind == "choice":
        code = str(value)
        if code not in {o.code for o in definition.options or []}:
            raise FieldValueError(
                gettext_noop("Choose one of: %(choices)s."), choices=", ".join(o.code for o in definition.options or [])
            )
        return code
    if kind == "multi_choice":
        codes = value if isinstance(value, list | tuple) else [value]
        known = [o.code for o in definition.options or []]
        bad = [str(c) for c in codes if str(c) not in known]
        if bad:
            raise FieldValueError(gettext_noop("Choose from: %(choices)s."), choices=", ".join(known))
        chosen = {str(c) for c in codes}
        return [c for c in known if c in chosen]
    if kind == "yes_no":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("true", "1", "yes", "on", "是"):
            return True
        if text in ("false", "0", "no", "off", "否"):
            return False
        raise FieldValueError(gettext_noop("Answer yes or no (true/false)."))
    # References: an id; the engine checks that the row exists and may be used.
    text = str(value)
    if not (text.isascii() and text.isdigit() and 0 < int(text) < 2**63):
        raise FieldValueError(gettext_noop("Give the id of an existing record."))
    return int(text)


def _clean_number(definition: FieldDef, value: Any) -> Any:
    if isinstance(value, bool):
        raise FieldValueError(gettext_noop("Enter a number."))
    text = str(value).strip().replace(",", "")
    if not text.isascii():
        raise FieldValueError(gettext_noop("Enter a number."))
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise FieldValueError(gettext_noop("Enter a number."))
    if not number.is_finite():
        raise FieldValueError(gettext_noop("Enter a number."))
    if definition.type == "integer":
        if number != number.to_integral_value() or abs(number) > _INTEGER_MAX:
            raise FieldValueError(gettext_noop("Enter a whole number."))
        result: Any = int(number)
    else:
        if number != number.quantize(Decimal("0.01")) or abs(number) > _MONEY_MAX:
            raise FieldValueError(gettext_noop("An amount in yuan with at most 2 decimals."))
        result = number
    if definition.min is not None and number < definition.min:
        raise FieldValueError(gettext_noop("At least %(n)s."), n=definition.min)
    if definition.max is not None and number > definition.max:
        raise FieldValueError(gettext_noop("At most %(n)s."), n=definition.max)
    return result if definition.type == "integer" else str(result.quantize(Decimal("0.01")))


def _clean_datetime(value: Any) -> str:
    from django.utils import timezone  # the site's zone reads a time written without one

    if isinstance(value, dt.datetime):
        moment = value
    else:
        try:
            moment = dt.datetime.fromisoformat(str(value).strip())
        except ValueError:
            raise FieldValueError(gettext_noop("Enter a date and time like 2026-03-01 14:30."))
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    if not 1970 <= moment.year <= 2999:
        raise FieldValueError(gettext_noop("Enter a date and time like 2026-03-01 14:30."))
    return timezone.localtime(moment).isoformat()
