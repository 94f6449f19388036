"""Writes to the organisation: units keep their materialised path right."""

from django.db import transaction

from kefu.core.exceptions import ApplicationError
from kefu.org.choices import UnitKind
from kefu.org.models import OrgUnit

__all__ = ("unit_create", "unit_move")


@transaction.atomic
def unit_create(*, name: str, code: str, kind: str = UnitKind.DEPARTMENT, parent: OrgUnit | None = None) -> OrgUnit:
    """Create a unit under `parent` (or a root) with its path filled in."""
    unit = OrgUnit(name=name, code=code, kind=kind, parent=parent)
    unit.full_clean(exclude=["path"])
    unit.save()
    unit.path = f"{parent.path if parent else '/'}{unit.pk}/"
    unit.save(update_fields=["path"])
    return unit


@transaction.atomic
def unit_move(*, unit: OrgUnit, new_parent: OrgUnit | None) -> OrgUnit:
    """Move a unit and its whole subtree under another parent."""
    unit = OrgUnit.objects.select_for_update().get(pk=unit.pk)
    if new_parent is not None and new_parent.path.startswith(unit.path):
        raise ApplicationError("A unit cannot be moved under itself or one of its own sub-units.")
    old_path = unit.path
    new_path = f"{new_parent.path if new_parent else '/'}{unit.pk}/"
    for node in OrgUnit.objects.select_for_update().filter(path__startswith=old_path):
        node.path = new_path + node.path[len(old_path) :]
        if node.pk == unit.pk:
            node.parent = new_parent
        node.save(update_fields=["path", "parent"])
    unit.refresh_from_db()
    return unit
