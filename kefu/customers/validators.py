"""Phone numbers as Chinese service desks write them: mobiles, landlines with area code and
extension, service numbers such as 95598, and +country numbers for overseas customers."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

__all__ = ("normalize_phone", "validate_phone")

_MOBILE = re.compile(r"^(?:\+?86)?1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}\d{7,8}(?:#\d{1,6})?$")
_SERVICE = re.compile(r"^(?:95\d{3,4}|96\d{3,4}|400\d{7}|800\d{7}|1[0-2]\d{3})$")
_INTERNATIONAL = re.compile(r"^\+(?!86)\d{6,15}$")


def normalize_phone(raw: str) -> str:
    """Strip spaces, dashes and brackets; turn 'ext'/'转' into '#'. Keeps a leading '+'."""
    value = raw.strip().replace("转", "#").replace("ext.", "#").replace("ext", "#").replace("x", "#")
    value = re.sub(r"[\s\-()（）]", "", value)
    if value.startswith("0086"):
        value = "+86" + value[4:]
    return value


def validate_phone(raw: str) -> str:
    """Return the normalised number, or raise ValidationError saying what a valid number looks like."""
    value = normalize_phone(raw)
    for pattern in (_MOBILE, _LANDLINE, _SERVICE, _INTERNATIONAL):
        if pattern.match(value):
            return value
    raise ValidationError(
        _(
            "“%(value)s” is not a phone number: use a mobile (13812345678), a landline with area code (010-12345678), a service number (95598) or +country code."
        ),  # noqa: E501
        code="invalid_phone",
        params={"value": raw},
    )
