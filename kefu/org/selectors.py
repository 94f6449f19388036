"""Reads of the organisation: unit subtrees, and who holds a role for a unit (docs/architecture.md,
"Who holds a role for a case").

`role_holders_for` is the one answer to "who is the supervisor / manager / general manager for this
case?" that deadline escalation, and later work orders, return visits and appraisal, share:

1. **the unit's own chain**: the unit (a case's responsible unit, else its receiving unit), then its
   parent, and so on up to the root — the nearest unit with an active holder wins;
2. **leadership offices**: units marked `is_leadership_office` (总经理办公室) act for their parent
   unit and everything below it; the offices attached to the unit's ancestors are searched, the
   nearest ancestor first (a city company's office before the group's);
3. **the fallback**: the people marked `escalation_fallback`, else the active administrators.

People in `exclude` (the person a complaint is about) are dropped *before* the nearest unit is
chosen, so a supervisor who is the subject passes the matter one unit higher instead of swallowing
it. Only direct members of a unit count, and only active people (and active offices).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from kefu.org.choices import Role
from kefu.org.models import OrgUnit, User

__all__ = (
    "HolderSource",
    "RoleHolders",
    "RoleTier",
    "escalation_fallback_people",
    "pick_role_holders",
    "role_holders_for",
    "role_tiers",
    "unit_ancestor_ids",
    "unit_subtree",
)


def unit_subtree(unit: OrgUnit) -> QuerySet[OrgUnit]:
    """The unit and every unit below it."""
    return OrgUnit.objects.filter(path__startswith=unit.path)


def unit_ancestor_ids(unit: OrgUnit) -> list[int]:
    """The ids of the unit and the units above it, nearest first (read from the materialised path)."""
    return [int(part) for part in reversed(unit.path.strip("/").split("/")) if part]


class HolderSource:
    """Where `role_holders_for` found its people."""

    CHAIN = "chain"
    LEADERSHIP_OFFICE = "leadership_office"
    FALLBACK = "fallback"
    NOBODY = "nobody"


@dataclass(frozen=True, slots=True)
class RoleTier:
    """The active holders of a role at one step of the search, e.g. "the department" or "the offices
    attached to the city company"; `unit_id` is the unit searched (for offices: the ancestor)."""

    source: str
    unit_id: int | None
    people: tuple[User, ...]


@dataclass(frozen=True, slots=True)
class RoleHolders:
    """The answer: who holds the role for the unit, and where they were found."""

    people: tuple[User, ...]
    source: str
    unit_id: int | None = None

    @property
    def fallback(self) -> bool:
        """True when nobody held the role and the fallback people (or nobody at all) got it."""
        return self.source in (HolderSource.FALLBACK, HolderSource.NOBODY)


def role_tiers(*, role: str, unit: OrgUnit | None) -> list[RoleTier]:
    """Every active holder of `role` that could answer for `unit`, grouped in search order (chain
    nearest first, then leadership offices by nearest ancestor). One query. Nobody is excluded yet,
    so callers that resolve many cases (the deadline sweep) cache this per (role, unit) and apply
    each case's exclusion with `pick_role_holders`.

    A case with no unit at all is answered at the top of the organisation: people in a root unit or
    in no unit, then the leadership offices directly under a root unit.
    """
    people = User.objects.filter(is_active=True, role=role).select_related("unit")
    office = Q(unit__is_leadership_office=True, unit__is_active=True)
    # Each holder gets a search position: (0, i) for the i-th unit of the chain, (1, i) for an
    # office attached to it; the tiers come out in that order.
    if unit is None:
        ancestors: list[int | None] = [None]
        top = Q(unit__isnull=True) | Q(unit__parent__isnull=True)
        rows = people.filter(top | (office & Q(unit__parent__isnull=False, unit__parent__parent__isnull=True)))

        def position(user: User) -> tuple[int, int]:
            return (0, 0) if user.unit_id is None or user.unit.parent_id is None else (1, 0)

    else:
        ancestors = list(unit_ancestor_ids(unit))
        index = {pk: i for i, pk in enumerate(ancestors)}
        rows = people.filter(Q(unit_id__in=ancestors) | (office & Q(unit__parent_id__in=ancestors)))

        def position(user: User) -> tuple[int, int]:
            return (0, index[user.unit_id]) if user.unit_id in index else (1, index[user.unit.parent_id])

    found: dict[tuple[int, int], list[User]] = {}
    for user in rows:
        found.setdefault(position(user), []).append(user)
    return [
        RoleTier(
            HolderSource.CHAIN if kind == 0 else HolderSource.LEADERSHIP_OFFICE,
            ancestors[i],
            tuple(sorted(users, key=lambda u: u.pk)),
        )
        for (kind, i), users in sorted(found.items())
    ]


def pick_role_holders(tiers: list[RoleTier], *, exclude: Collection[int] = ()) -> RoleHolders:
    """The first tier that still has someone once `exclude` (user ids) is left out; NOBODY if none."""
    for tier in tiers:
        people = tuple(u for u in tier.people if u.pk not in exclude)
        if people:
            return RoleHolders(people, tier.source, tier.unit_id)
    return RoleHolders((), HolderSource.NOBODY)


def escalation_fallback_people() -> list[User]:
    """Who gets what nobody else could: the active people marked `escalation_fallback` (in the
    admin), else every active administrator. Ordered by id."""
    candidates = list(
        User.objects.filter(
            Q(escalation_fallback=True) | Q(role=Role.ADMINISTRATOR) | Q(is_superuser=True), is_active=True
        ).order_by("pk")
    )
    marked = [u for u in candidates if u.escalation_fallback]
    return marked or candidates


def role_holders_for(
    *, role: str, unit: OrgUnit | None, exclude: Collection[int] = (), fallback: bool = True
) -> RoleHolders:
    """Who holds `role` for a matter of `unit`: the unit's chain, then the leadership offices, then
    (unless `fallback=False`) the fallback people — never anyone in `exclude` (user ids).

    With `fallback=False` an unheld role answers NOBODY, for callers that combine several roles and
    fall back only when all of them reach nobody (a ladder step naming `[manager, deputy_gm]`).
    """
    holders = pick_role_holders(role_tiers(role=role, unit=unit), exclude=exclude)
    if holders.people or not fallback:
        return holders
    people = tuple(u for u in escalation_fallback_people() if u.pk not in exclude)
    return RoleHolders(people, HolderSource.FALLBACK if people else HolderSource.NOBODY)
