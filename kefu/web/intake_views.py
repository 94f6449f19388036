"""Intake's checks before a case is registered (kefu/web/intake_guard.py has the rules):

* a new customer whose phone already belongs to a customer: that customer is offered instead
  (the agent picks them, or ticks "a different person with the same number");
* a likely repeat complaint: the earlier cases are shown and the agent confirms "a new matter".

And what a link may fill in: `?phone=` / `?name=` (from the search page) and `?customer=`.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, QueryDict
from django.utils.translation import gettext as _

from kefu.customers.validators import normalize_phone
from kefu.web.forms import IntakeForm
from kefu.web.intake_guard import customer_with_phone, repeat_complaints, repeat_window_days

__all__ = ("intake_checks", "intake_initial")


def intake_initial(query: QueryDict) -> dict[str, Any]:
    """The new-customer fields a search carried over (`?phone=13957112345`, `?name=李梅`)."""
    initial: dict[str, Any] = {}
    phone = normalize_phone(query.get("phone", ""))[:30]
    if phone and phone.lstrip("+").replace("#", "").isdigit():
        initial["new_phone"] = phone
    name = query.get("name", "").strip()[:200].replace("\x00", "")
    if name:
        initial["new_name"] = name
    return initial


def intake_checks(request: HttpRequest, form: IntakeForm) -> dict[str, Any]:
    """Problems the agent must look at before the case is registered, as template context; adds the
    form errors that say so. Empty when the case may be registered."""
    data = form.cleaned_data
    found: dict[str, Any] = {}
    if data.get("customer") is None and data.get("new_phone") and not request.POST.get("confirm_new_customer"):
        existing = customer_with_phone(data["new_phone"], request.user)
        if existing is not None:
            form.add_error(
                "new_phone",
                _(
                    "This number belongs to %(name)s (%(code)s). Pick that customer above, or tick "
                    "“a different person with the same number”."
                )
                % {"name": existing.name, "code": existing.code},
            )
            found["existing"] = existing
            found["confirm_new_customer"] = True
    if not request.POST.get("confirm_repeat"):
        earlier = repeat_complaints(
            customer=data.get("customer"),
            doc=form.doc,
            case_type=data.get("case_type", ""),
            category=data.get("category", ""),
            user=request.user,
        )
        if earlier:
            form.add_error(
                None,
                _(
                    "This customer has a complaint of the same category open or from the last %(days)s days. "
                    "Open it to add to it, or tick “a new matter” to register another."
                )
                % {"days": repeat_window_days(form.doc)},
            )
            found["repeats"] = earlier
    return found
