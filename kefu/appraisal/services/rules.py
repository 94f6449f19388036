from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from kefu.core.exceptions import ApplicationError

if TYPE_CHECKING:
    from kefu.appraisal.rules import AppraisalSection
    from kefu.rulebooks.models import RulebookVersion


def appraisal_rules() -> tuple[RulebookVersion, AppraisalSection]:
    """The `appraisal` section of the default rulebook's active version (appraisal is organisation-wide,
    like duty: one regulation decides how everyone is scored)."""
    from kefu.rulebooks.selectors import rulebook_for_new_case

    version = rulebook_for_new_case()
    section = version.doc.section("appraisal")
    if section is None:
        raise ApplicationError(
            _("The default rulebook has no appraisal section."), extra={"rulebook": [_("No appraisal rules.")]}
        )
    return version, section


def within(actor, person_unit_path: str) -> bool:
    """May `actor` (by their place in the tree) act on people of the unit with this path?"""
    if actor.sees_everything:
        return True
    return bool(actor.unit_id and person_unit_path.startswith(actor.unit.path))
