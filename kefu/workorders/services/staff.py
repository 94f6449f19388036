"""What a supervisor records about their technicians for dispatch: skills and service areas."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext as _

from kefu.core.exceptions import FieldErrors, ForbiddenError
from kefu.core.inputs import check_text
from kefu.org.choices import Role
from kefu.org.models import User
from kefu.workorders.choices import OrderKind
from kefu.workorders.models import ServiceArea, TechnicianSkill

__all__ = ("technician_set_profile",)


@transaction.atomic
def technician_set_profile(
    *, actor: User, technician: User, kinds: Iterable[str], districts: Iterable[str]
) -> tuple[list[str], list[str]]:
    """Replace the technician's skills and service areas (a supervisor of their unit)."""
    from kefu.workorders.services.lifecycle import supervises

    if technician.role != Role.TECHNICIAN or technician.unit is None or not supervises(actor, technician.unit):
        raise ForbiddenError(_("Only a supervisor of the technician's unit may change their skills and areas."))
    User.objects.select_for_update().get(pk=technician.pk)
    errors = FieldErrors()
    kinds = sorted(set(kinds))
    for kind in kinds:
        if kind not in OrderKind.values:
            errors.add("kinds", _("Unknown kind of work “%(kind)s”.") % {"kind": kind})
    districts = sorted({check_text(errors, "districts", d, limit=40, required=True) for d in districts})
    errors.raise_if_any()
    TechnicianSkill.objects.filter(technician=technician).exclude(kind__in=kinds).delete()
    TechnicianSkill.objects.bulk_create(
        [TechnicianSkill(technician=technician, kind=k) for k in kinds], ignore_conflicts=True
    )
    ServiceArea.objects.filter(technician=technician).exclude(district__in=districts).delete()
    ServiceArea.objects.bulk_create(
        [ServiceArea(technician=technician, district=d) for d in districts], ignore_conflicts=True
    )
    return kinds, districts
