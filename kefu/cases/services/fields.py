"""Form fields of a case (rulebook `fields:`): checking values and changing them.

Values are checked against the case's *own* rulebook version (an open case keeps the fields of the
version it was opened under) and stored in `Case.fields` in the JSON form of
`kefu.rulebooks.fields.clean_value`. Errors name the field as `fields.<key>` (API: 400 with
`{"errors": {"fields.loss_amount": [...]}}`).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.cases.changes import case_lock, case_record_change, ensure_may_act
from kefu.cases.choices import CaseStatus, EventKind
from kefu.cases.models import Case, CaseAttachment
from kefu.core.exceptions import ApplicationError, FieldErrors, ForbiddenError
from kefu.customers.models import Contact
from kefu.org.models import OrgUnit, User
from kefu.rulebooks.fields import FieldDef, FieldValueError, clean_value
from kefu.rulebooks.schema import CaseTypeDef
from kefu.sla import services as sla

__all__ = (
    "case_update_fields",
    "check_field_values",
    "describe_changes",
    "may_edit_field",
    "merge_fields",
    "missing_required",
)

# A case's form fields may be changed while it is being worked on.
_EDITABLE = (CaseStatus.OPEN, CaseStatus.SUSPENDED)


def _reference_ok(definition: FieldDef, pk: int, *, case: Case | None, customer_id: int | None) -> bool:
    if definition.type == "staff":
        return User.objects.filter(pk=pk, is_active=True).exists()
    if definition.type == "unit":
        return OrgUnit.objects.filter(pk=pk, is_active=True).exists()
    if definition.type == "contact":
        return Contact.objects.filter(pk=pk, customer_id=customer_id).exists()
    # attachment: one of this case's own files
    return case is not None and CaseAttachment.objects.filter(pk=pk, case=case).exists()


def _reference_error(definition: FieldDef) -> str:
    return {
        "staff": _("No active staff member with this id."),
        "unit": _("No active organisation unit with this id."),
        "contact": _("No contact of this customer with this id."),
        "attachment": _("No attachment of this case with this id."),
    }[definition.type]


def check_field_values(
    type_def: CaseTypeDef,
    values: Any,
    errors: FieldErrors,
    *,
    case: Case | None = None,
    customer_id: int | None = None,
) -> dict[str, Any]:
    """Check `values` (key → input) against the case type's fields; return key → stored value (None =
    cleared). Problems are added to `errors` as `fields.<key>`; nothing is raised here."""
    if values in (None, ""):
        return {}
    if not isinstance(values, dict):
        errors.add("fields", _("Give the form fields as an object: {key: value}."))
        return {}
    cleaned: dict[str, Any] = {}
    for key, raw in values.items():
        definition = type_def.field(str(key))
        name = f"fields.{str(key)[:40]}"
        if definition is None:
            known = ", ".join(f.key for f in type_def.fields) or _("none")
            errors.add(
                name,
                _("%(type)s has no field “%(key)s”; its fields are: %(known)s.")
                % {
                    "type": type_def.label,
                    "key": str(key)[:40],
                    "known": known,
                },
            )
            continue
        try:
            value = clean_value(definition, raw)
        except FieldValueError as exc:
            errors.add(name, _(str(exc)) % exc.params if exc.params else _(str(exc)))
            continue
        if value is not None and definition.type in ("staff", "unit", "contact", "attachment"):
            if not _reference_ok(definition, value, case=case, customer_id=customer_id):
                errors.add(name, _reference_error(definition))
                continue
        cleaned[definition.key] = value
    return cleaned


def missing_required(type_def: CaseTypeDef, values: dict[str, Any], keys: list[str]) -> list[FieldDef]:
    """The fields among `keys` that have no value in `values`."""
    out = []
    for key in keys:
        definition = type_def.field(key)
        if definition is not None and values.get(key) in (None, "", []):
            out.append(definition)
    return out


def may_edit_field(case: Case, actor: User, definition: FieldDef) -> bool:
    if actor.is_superuser:
        return True
    people = {"owner": case.owner_id, "assignee": case.assignee_id, "receiver": case.receiver_id}
    return definition.may_edit(role=actor.role, user_id=actor.pk, case_people=people)


def merge_fields(current: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    merged = dict(current or {})
    for key, value in changes.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


def describe_changes(type_def: CaseTypeDef, before: dict[str, Any], after: dict[str, Any]) -> tuple[str, dict]:
    """(history message, {key: [old, new]}) for the keys whose value changed."""
    lines, data = [], {}
    for definition in type_def.fields:
        old, new = before.get(definition.key), after.get(definition.key)
        if old == new:
            continue
        data[definition.key] = [old, new]
        lines.append(f"{definition.label}: {_short(definition, old)} → {_short(definition, new)}")
    return "\n".join(lines), data


def _short(definition: FieldDef, value: Any) -> str:
    if value is None:
        return "—"
    if definition.type == "choice":
        return definition.option_label(value)
    if definition.type == "multi_choice":
        return "、".join(definition.option_label(v) for v in value)
    if definition.type == "yes_no":
        return _("yes") if value else _("no")
    if definition.type in ("staff", "unit", "contact", "attachment"):
        return f"#{value}"
    text = str(value)
    return text if len(text) <= 80 else text[:79] + "…"


@transaction.atomic
def case_update_fields(
    *, case: Case, actor: User, expected_version: int | None, values: dict[str, Any], reason: str = ""
) -> Case:
    """Change form fields of an open or suspended case: checked, locked, versioned, recorded.

    Each field's `editable_by` decides who may change it (403 naming the fields otherwise); a value of
    null clears a field. Running deadlines whose conditions read fields are recomputed.
    """
    case = case_lock(case, expected_version=expected_version)
    ensure_may_act(case, actor)  # recusal included; only who may act on the case changes its fields
    if case.status not in _EDITABLE:
        raise ApplicationError(
            _("Case %(number)s is %(status)s; its form fields can no longer change.")
            % {"number": case.number, "status": case.get_status_display()}
        )
    type_def = case.type_def
    errors = FieldErrors()
    if not values:
        errors.add("fields", _("Give at least one field to change."))
    cleaned = check_field_values(type_def, values, errors, case=case, customer_id=case.customer_id)
    if len(reason) > 500:
        errors.add("reason", _("At most %(n)s characters.") % {"n": 500})
    errors.raise_if_any(_("The form fields were not changed."))
    refused = [type_def.field(k) for k in cleaned if not may_edit_field(case, actor, type_def.field(k))]
    if refused:
        raise ForbiddenError(
            _("Your role (%(role)s) may not change: %(fields)s.")
            % {"role": actor.get_role_display(), "fields": "、".join(f.label for f in refused if f)}
        )
    before = dict(case.fields or {})
    after = merge_fields(before, cleaned)
    message, changes = describe_changes(type_def, before, after)
    if not changes:
        raise ApplicationError(
            _("Nothing changed: the form fields already have these values."),
            extra={"fields": [_("Nothing changed.")]},
        )
    case.fields = after
    case_record_change(
        case,
        actor=actor,
        kind=EventKind.FIELDS,
        fields=["fields"],
        message=message + ("\n" + reason.strip() if reason.strip() else ""),
        data={"changes": changes, "reason": reason.strip()},
    )
    sla.clocks_recompute(case=case, at=timezone.now(), reason=reason, actor=actor)
    return case
