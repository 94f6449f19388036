"""Input checks every layer shares: ids, characters the database refuses, and text limits.

The limits are the ones docs/api.md lists. Serializers and forms apply them so a client hears about
a bad field before anything runs; services apply them again for callers that bypass both (other
apps, management commands, the demo).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from kefu.core.exceptions import FieldErrors

__all__ = (
    "MAX_ID",
    "TEXT_LIMITS",
    "bad_text",
    "check_text",
    "find_bad_text",
    "is_id",
)

MAX_ID = 2**63 - 1

# Characters per text field (docs/api.md, "Limits"). Long texts are what a person writes about a
# case; short ones are reasons and comments; search terms are typed into a box.
TEXT_LONG = 10_000
TEXT_SHORT = 2_000
TEXT_LIMITS: dict[str, int] = {
    "title": 200,
    "description": TEXT_LONG,
    "customer_request": TEXT_SHORT,
    "body": TEXT_LONG,  # a note
    "reply": TEXT_LONG,
    "cause": TEXT_LONG,
    "note": TEXT_LONG,  # what the customer said on the return visit
    "summary": TEXT_LONG,  # the review
    "reason": TEXT_SHORT,
    "comment": TEXT_SHORT,
    "remedy_description": 500,
    "search": 100,
    "idempotency_key": 100,
}


def is_id(value: Any) -> bool:
    """A positive database id written in ASCII digits ("²" and "٣" pass str.isdigit(), not this)."""
    if isinstance(value, bool):
        return False
    text = str(value)
    return 0 < len(text) <= 19 and text.isascii() and text.isdigit() and 0 < int(text) <= MAX_ID


def bad_text(text: str) -> str | None:
    """Why the database cannot store `text` (a NUL character, or half of a UTF-16 surrogate pair),
    or None. PostgreSQL refuses both; SQLite would store them and hand them back broken."""
    if "\x00" in text:
        return _("Null characters are not allowed.")
    if any("\ud800" <= ch <= "\udfff" for ch in text):
        return _("Surrogate characters are not allowed.")
    return None


def find_bad_text(value: Any, path: str = "", *, depth: int = 0) -> tuple[str, str] | None:
    """The first (field path, message) of a string in a parsed body that the database would refuse.

    Walks dicts and lists (keys too); paths read like the error names of transition data:
    `data.reason`, `remedies[0].description`. Nesting deeper than 32 levels is refused as well, so a
    hostile body cannot make anything that walks it recurse without bound.
    """
    if depth > 32:
        return path or "non_field_errors", _("The data is nested too deeply.")
    if isinstance(value, str):
        message = bad_text(value)
        return (path or "non_field_errors", message) if message else None
    if isinstance(value, dict):
        for key, item in value.items():
            name = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and (message := bad_text(key)):
                return name.replace("\x00", "\\x00"), message
            if found := find_bad_text(item, name, depth=depth + 1):
                return found
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            if found := find_bad_text(item, f"{path}[{i}]", depth=depth + 1):
                return found
    return None


def check_text(
    errors: FieldErrors, name: str, value: Any, *, limit: int, required: bool = False, field: str | None = None
) -> str:
    """`value` as stripped text, with an error on `field` (default `name`) when it is missing, too
    long, or holds characters the database refuses."""
    field = field or name
    text = "" if value is None else str(value).strip()
    if required and not text:
        errors.add(field, _("This field is required."))
    elif len(text) > limit:
        errors.add(
            field,
            _("At most %(limit)s characters (this has %(length)s).")
            % {"limit": f"{limit:,}", "length": f"{len(text):,}"},
        )
    elif message := bad_text(text):
        errors.add(field, message)
    return text
