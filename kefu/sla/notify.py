"""Who hears about a deadline: the people a ladder step names, resolved for one case.

A ladder step names `owner`, `assignee`, `receiver` or a role. A role means the active staff with
that role in the case's responsible unit (else its receiving unit), or in the nearest unit above it
that has such a person: a department supervisor first, the city company's if the department has none.

The person complained about (`subject_person`) is never told, whatever the step says (recusal; 篇10:
the complaint must not reach the person it is about). They are dropped *before* the nearest unit is
chosen, so a supervisor who is the subject passes the escalation up to the next unit instead of
swallowing it.

`RecipientResolver` holds the caches one sweep shares: users by id, unit paths, the role
candidates of each (role, unit) pair — one query per role per distinct unit, not one per case — and
the answer for each combination of targets and case people (`resolve_ids`), which many cases share.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from kefu.org.models import OrgUnit, User
from kefu.org.selectors import staff_with_role_in_unit_chain

if TYPE_CHECKING:
    from kefu.cases.models import Case

__all__ = ("PERSONAL_TARGETS", "RecipientResolver", "resolve_recipients")

# Targets that name a person of the case rather than a role.
PERSONAL_TARGETS = {"owner": "owner_id", "assignee": "assignee_id", "receiver": "receiver_id"}


class RecipientResolver:
    """Resolves ladder targets to users, caching across the cases of one sweep."""

    def __init__(self) -> None:
        self._users: dict[int, User | None] = {}
        self._units: dict[int, OrgUnit | None] = {}
        # (role, unit id or None) -> candidates ordered nearest unit first, as (depth, user).
        self._roles: dict[tuple[str, int | None], list[tuple[int, User]]] = {}
        # (targets, owner, assignee, receiver, subject, unit) -> recipient ids.
        self._answers: dict[tuple, tuple[int, ...]] = {}

    def prefetch(self, cases: Iterable[Case]) -> None:
        """Load the people and units of many cases at once (one query each), before resolving."""
        cases = list(cases)
        user_ids = {getattr(c, field) for c in cases for field in PERSONAL_TARGETS.values()} - {None}
        user_ids -= self._users.keys()
        if user_ids:
            found = {u.pk: u for u in User.objects.filter(pk__in=user_ids)}
            self._users.update({pk: found.get(pk) for pk in user_ids})
        unit_ids = {c.responsible_unit_id or c.receiving_unit_id for c in cases} - {None}
        unit_ids -= self._units.keys()
        if unit_ids:
            found_units = {u.pk: u for u in OrgUnit.objects.filter(pk__in=unit_ids).only("id", "path")}
            self._units.update({pk: found_units.get(pk) for pk in unit_ids})

    def _user(self, pk: int | None) -> User | None:
        if pk is None:
            return None
        if pk not in self._users:
            self._users[pk] = User.objects.filter(pk=pk).first()
        return self._users[pk]

    def _unit(self, pk: int | None) -> OrgUnit | None:
        if pk is None:
            return None
        if pk not in self._units:
            self._units[pk] = OrgUnit.objects.filter(pk=pk).only("id", "path").first()
        return self._units[pk]

    def _role_candidates(self, role: str, unit: OrgUnit | None) -> list[tuple[int, User]]:
        key = (role, unit.pk if unit else None)
        if key not in self._roles:
            if unit is None:
                # A case with no unit at all: only people at the top of the organisation (or in no
                # unit) qualify, never every holder of the role across the company.
                qs = User.objects.filter(is_active=True, role=role).filter(unit__isnull=True) | User.objects.filter(
                    is_active=True, role=role, unit__parent__isnull=True
                )
            else:
                qs = staff_with_role_in_unit_chain(unit=unit, roles=[role])
            rows = [(u.unit.path.count("/") if u.unit_id else 0, u) for u in qs.select_related("unit")]
            rows.sort(key=lambda r: (-r[0], r[1].pk))
            self._roles[key] = rows
        return self._roles[key]

    def resolve(self, *, case: Case, targets: list[str]) -> list[User]:
        excluded = case.subject_person_id
        unit = self._unit(case.responsible_unit_id or case.receiving_unit_id)
        out: dict[int, User] = {}
        for target in targets:
            if target in PERSONAL_TARGETS:
                user = self._user(getattr(case, PERSONAL_TARGETS[target]))
                if user is not None and user.is_active and user.pk != excluded:
                    out.setdefault(user.pk, user)
                continue
            eligible = [(depth, u) for depth, u in self._role_candidates(target, unit) if u.pk != excluded]
            if not eligible:
                continue
            nearest = eligible[0][0]
            for depth, user in eligible:
                if depth == nearest:
                    out.setdefault(user.pk, user)
        return list(out.values())

    def resolve_ids(self, *, case: Case, targets: tuple[str, ...]) -> tuple[int, ...]:
        """`resolve` as user ids, cached per (targets, owner, assignee, receiver, subject, unit): the
        answer depends on nothing else, and a sweep meets the same combination many times. `case` may
        be any object with the Case's `*_id` attributes (the sweep passes plain rows)."""
        key = (
            targets,
            case.owner_id,
            case.assignee_id,
            case.receiver_id,
            case.subject_person_id,
            case.responsible_unit_id or case.receiving_unit_id,
        )
        ids = self._answers.get(key)
        if ids is None:
            ids = self._answers[key] = tuple(u.pk for u in self.resolve(case=case, targets=list(targets)))
        return ids


def resolve_recipients(*, case: Case, targets: list[str], resolver: RecipientResolver | None = None) -> list[User]:
    """The active people `targets` name for `case`, without the person complained about, once each."""
    return (resolver or RecipientResolver()).resolve(case=case, targets=targets)
