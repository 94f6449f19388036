"""Input checks shared by the case services of this package (not for other apps: they have
`kefu.cases.changes` and their own input checks)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from kefu.cases.changes import actor_has_role, ensure_may_act
from kefu.cases.models import Case
from kefu.core.exceptions import FieldErrors, ForbiddenError
from kefu.core.inputs import TEXT_LIMITS, check_text, is_id
from kefu.org.models import OrgUnit, User
from kefu.rulebooks.choices import Operation

__all__ = ("check_operation", "input_text", "input_unit", "input_user", "is_id")


def check_operation(case: Case, actor: User, op: Operation) -> None:
    ensure_may_act(case, actor)
    roles = case.rulebook.operation_roles(op)
    if not actor_has_role(actor, roles):
        raise ForbiddenError(
            _("Your role (%(role)s) may not do “%(operation)s” under the rulebook “%(rulebook)s”.")
            % {"role": actor.get_role_display(), "operation": op.label, "rulebook": case.rulebook.name}
        )


def input_user(errors: FieldErrors, name: str, value: Any, *, required: bool = False) -> User | None:
    if value in (None, ""):
        if required:
            errors.add(name, _("This field is required."))
        return None
    user = User.objects.filter(pk=value, is_active=True).select_related("unit").first() if is_id(value) else None
    if user is None:
        errors.add(name, _("No active staff member with id %(id)s.") % {"id": str(value)[:30]})
    return user


def input_unit(errors: FieldErrors, name: str, value: Any, *, required: bool = False) -> OrgUnit | None:
    if value in (None, ""):
        if required:
            errors.add(name, _("This field is required."))
        return None
    unit = OrgUnit.objects.filter(pk=value, is_active=True).first() if is_id(value) else None
    if unit is None:
        errors.add(name, _("No active organisation unit with id %(id)s.") % {"id": str(value)[:30]})
    return unit


def input_text(errors: FieldErrors, data: dict[str, Any], name: str, *, required: bool = True) -> str:
    """A text of a transition's data, within its limit (kefu.core.inputs.TEXT_LIMITS) and storable."""
    return check_text(errors, name, data.get(name) or "", limit=TEXT_LIMITS[name], required=required)
