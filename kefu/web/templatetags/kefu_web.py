"""Template helpers: rulebook labels in the current language, and small formatting aids."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import get_language

register = template.Library()


def _english() -> bool:
    return (get_language() or "").startswith("en")


@register.filter
def rb_label(obj: Any) -> str:
    """A rulebook label (state, transition, case type, category, severity) in the current language."""
    if obj is None:
        return ""
    label_en = getattr(obj, "label_en", "")
    if _english() and label_en:
        return label_en
    return getattr(obj, "label", "") or str(obj)


@register.filter
def stage_label(case: Any, code: str | None = None) -> str:
    """The label of `code` (default: the case's current stage) in the case's rulebook."""
    code = case.stage if code is None else code
    if not code:
        return ""
    try:
        state = case.type_def.states.get(code)
    except KeyError:
        return code
    return rb_label(state) if state else code


@register.filter
def type_label(case: Any) -> str:
    try:
        return rb_label(case.type_def)
    except KeyError:
        return case.case_type


@register.filter
def category_label(case: Any) -> str:
    if not case.category:
        return ""
    found = next((c for c in case.rulebook.categories if c.code == case.category), None)
    return rb_label(found) if found else case.category


@register.filter
def severity_label(case: Any) -> str:
    found = case.rulebook.severity(case.severity)
    return rb_label(found) if found else case.severity


@register.filter
def transition_label(case: Any, name: str) -> str:
    if not name:
        return ""
    try:
        td = case.type_def.transition(name)
    except KeyError:
        return name
    return rb_label(td) if td else name


@register.filter
def bound_field(form: Any, key: str) -> Any:
    """form|bound_field:"penalty" → the bound input of form field `penalty` (`field__penalty`)."""
    from kefu.web.fieldforms import form_name

    return form[form_name(key)]


@register.filter
def transition_pass_label(case: Any, approval_pass: str) -> str:
    """An approval pass as people know it: the label of its approving transition (篇9's 核决)."""
    td = next((t for t in case.type_def.transitions if t.approval_pass == approval_pass), None)
    return rb_label(td) if td else approval_pass


@register.filter
def mask_phone(phone: str) -> str:
    """13812345678 → 138****5678: the masking of the API and exports (kefu.customers.masking)."""
    from kefu.customers.masking import mask_phone as mask

    return mask(phone)


@register.filter
def customer_name(case: Any) -> str:
    """The case's customer, or "匿名投诉人" for an anonymous complaint (001 篇10 第十九条)."""
    from kefu.cases.selectors import customer_label

    return customer_label(case)


@register.filter
def case_title(case: Any) -> str:
    """The title, with an anonymous complainant's name and number blanked (lists that joined the customer)."""
    if not case.is_anonymous:
        return case.title
    from kefu.cases.selectors import IdentityRedactor

    return IdentityRedactor.for_case(case, brief=True).text(case.title)


@register.filter
def get_item(mapping: dict, key: Any) -> Any:
    return mapping.get(key) if mapping else None


@register.simple_tag
def demo_logins() -> list[tuple[str, str]]:
    """One demo account per role for the login page's demo box.

    Only on a site started with KEFU_DEMO_LOGINS=1 (scripts/start.sh), and only accounts that
    `kefu demo` created and whose password is still the demo password.
    """
    from django.conf import settings
    from django.db.models import F

    from kefu.core.models import DemoAccount
    from kefu.org.choices import Role

    if not settings.KEFU_DEMO_LOGINS:
        return []
    roles = (Role.AGENT, Role.HANDLER, Role.SUPERVISOR, Role.MANAGER, Role.GENERAL_MANAGER, Role.QUALITY)
    rows = (
        DemoAccount.objects.filter(
            user__is_active=True, user__is_superuser=False, user__role__in=roles, user__password=F("password")
        )
        .order_by("user__username")
        .values_list("user__role", "user__username")
    )
    first: dict[str, str] = {}
    for role, username in rows:
        first.setdefault(role, username)
    return [(role.label, first[role]) for role in roles if role in first]


@register.simple_tag
def inbox_unread(user: Any) -> int:
    """The header badge: one COUNT on the inbox index."""
    from kefu.sla.selectors import inbox_unread_count

    return inbox_unread_count(user)
