"""Masking of personal data (phone, ID and e-mail) for everyone who has not asked to see it.

The same functions serve the API, the web pages, the admin and exports, so a number is masked the same
way wherever it appears (13812345678 → 138****5678). The full value is shown only through the logged
"show" of `kefu.customers.services.customer_reveal_contacts` (and the case engine's identity reveal).
"""

from __future__ import annotations

__all__ = ("mask_email", "mask_id_number", "mask_phone")


def mask_phone(phone: str) -> str:
    """13812345678 → 138****5678; 057188887777#123 → 057*****7777#***; short service numbers stay."""
    phone = phone or ""
    number, sep, ext = phone.partition("#")
    if len(number) >= 11:
        masked = f"{number[:3]}{'*' * (len(number) - 7)}{number[-4:]}"
    elif len(number) >= 7:
        masked = f"{number[:2]}{'*' * (len(number) - 4)}{number[-2:]}"
    else:
        masked = number
    return masked + (sep + "*" * len(ext) if sep else "")


def mask_id_number(value: str) -> str:
    """An ID card number (身份证号) keeps its first 4 and last 4 characters: 3301**********1234."""
    value = value or ""
    if len(value) <= 8:
        return "*" * len(value)
    return f"{value[:4]}{'*' * (len(value) - 8)}{value[-4:]}"


def mask_email(value: str) -> str:
    """wang.jianguo@example.com → w***@example.com."""
    local, at, domain = (value or "").partition("@")
    if not at:
        return "*" * len(local)
    return f"{local[:1]}***@{domain}"
