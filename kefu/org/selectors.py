from django.db.models import QuerySet

from kefu.org.models import OrgUnit, User

__all__ = ("unit_subtree", "staff_with_role_in_unit_chain")


def unit_subtree(unit: OrgUnit) -> QuerySet[OrgUnit]:
    """The unit and every unit below it."""
    return OrgUnit.objects.filter(path__startswith=unit.path)


def staff_with_role_in_unit_chain(*, unit: OrgUnit | None, roles: list[str]) -> QuerySet[User]:
    """Active people with one of `roles` in `unit` or any unit above it (nearest first is the caller's job)."""
    qs = User.objects.filter(is_active=True, role__in=roles)
    if unit is None:
        return qs
    ancestor_ids = [int(part) for part in unit.path.strip("/").split("/") if part]
    return qs.filter(unit_id__in=ancestor_ids)
