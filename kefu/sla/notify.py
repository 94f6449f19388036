"""Who hears about a deadline: the people a ladder step names, resolved for one case.

A ladder step names `owner`, `assignee`, `receiver` or a role. A role is resolved by the org app's
one rule (`kefu.org.selectors.role_holders_for`, docs/sla.md "Who is told"): up the chain of the
case's responsible unit (else its receiving unit), nearest holder first; then the leadership offices
(总经理办公室) attached to that chain, nearest ancestor first.

The person complained about (`subject_person`) is never told, whatever the step says (recusal; 篇10:
the complaint must not reach the person it is about). They are dropped *before* the nearest unit is
chosen, so a supervisor who is the subject passes the escalation up to the next holder instead of
swallowing it.

A notice that would reach nobody at all (every role unheld, the named people gone) is never silent:
it goes to the fallback people (`escalation_fallback_people`: those marked in the admin, else the
active administrators), and `Recipients.fallback` says so; the sweep records it on the notice, logs
it and the overdue board shows it.

`RecipientResolver` holds the caches one sweep shares: users by id, unit paths, the role tiers of
each (role, unit) pair — one query per role per distinct unit, not one per case — the fallback
people (one query, only if needed) and the answer for each combination of targets and case people
(`resolve_ids`), which many cases share.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kefu.org.choices import Role
from kefu.org.models import OrgUnit, User
from kefu.org.selectors import RoleTier, escalation_fallback_people, pick_role_holders, role_tiers
from kefu.org.targets import registered_targets

if TYPE_CHECKING:
    from kefu.cases.models import Case

__all__ = ("PERSONAL_TARGETS", "RecipientResolver", "Recipients", "resolve_recipients", "target_labels")

# Targets that name a person of the case rather than a role.
PERSONAL_TARGETS = {"owner": "owner_id", "assignee": "assignee_id", "receiver": "receiver_id"}
_PERSONAL_LABELS = {
    "owner": gettext_lazy("the owner"),
    "assignee": gettext_lazy("the handler"),
    "receiver": gettext_lazy("the receiver"),
}


@dataclass(frozen=True, slots=True)
class Recipients:
    """Who is told. `fallback`: nobody the targets name could be told, so `people` are the fallback
    people (empty only if there are none besides the person complained about)."""

    people: tuple[User, ...]
    fallback: bool = False


class RecipientResolver:
    """Resolves ladder targets to users, caching across the cases of one sweep. `now` is the moment the
    targets are resolved for (the sweep's): targets other apps register (`kefu.org.targets`, e.g.
    "on_duty") depend on it."""

    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or timezone.now()
        self._registered = registered_targets()
        # (target, unit id) -> the people a registered target means at `now`.
        self._extra: dict[tuple[str, int | None], list[User]] = {}
        self._users: dict[int, User | None] = {}
        self._units: dict[int, OrgUnit | None] = {}
        # (role, unit id or None) -> holders in search order, nobody excluded yet.
        self._tiers: dict[tuple[str, int | None], list[RoleTier]] = {}
        self._fallback: list[User] | None = None
        # (targets, owner, assignee, receiver, subject, unit) -> (recipient ids, fallback).
        self._answers: dict[tuple, tuple[tuple[int, ...], bool]] = {}

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

    def _role_tiers(self, role: str, unit: OrgUnit | None) -> list[RoleTier]:
        key = (role, unit.pk if unit else None)
        if key not in self._tiers:
            self._tiers[key] = role_tiers(role=role, unit=unit)
        return self._tiers[key]

    def fallback_people(self) -> list[User]:
        if self._fallback is None:
            self._fallback = escalation_fallback_people()
        return self._fallback

    def named(self, *, case: Case, targets: Iterable[str]) -> list[User]:
        """The active people `targets` name for `case`, without the person complained about, once each."""
        excluded = {case.subject_person_id} - {None}
        unit = self._unit(case.responsible_unit_id or case.receiving_unit_id)
        out: dict[int, User] = {}
        for target in targets:
            if target in PERSONAL_TARGETS:
                user = self._user(getattr(case, PERSONAL_TARGETS[target]))
                if user is not None and user.is_active and user.pk not in excluded:
                    out.setdefault(user.pk, user)
                continue
            if target in self._registered:
                for user in self._registered_people(target, unit):
                    if user.is_active and user.pk not in excluded:
                        out.setdefault(user.pk, user)
                continue
            for user in pick_role_holders(self._role_tiers(target, unit), exclude=excluded).people:
                out.setdefault(user.pk, user)
        return list(out.values())

    def _registered_people(self, target: str, unit: OrgUnit | None) -> list[User]:
        key = (target, unit.pk if unit else None)
        if key not in self._extra:
            self._extra[key] = list(self._registered[target].resolve(unit, self.now))
        return self._extra[key]

    def resolve(self, *, case: Case, targets: Iterable[str]) -> Recipients:
        """`named`, or the fallback people (never the person complained about) when that is nobody."""
        people = self.named(case=case, targets=targets)
        if people:
            return Recipients(tuple(people))
        fallback = tuple(u for u in self.fallback_people() if u.pk != case.subject_person_id)
        return Recipients(fallback, fallback=True)

    def resolve_ids(self, *, case: Case, targets: tuple[str, ...]) -> tuple[tuple[int, ...], bool]:
        """`resolve` as (user ids, fallback), cached per (targets, owner, assignee, receiver, subject,
        unit): the answer depends on nothing else, and a sweep meets the same combination many times.
        `case` may be any object with the Case's `*_id` attributes (the sweep passes plain rows)."""
        key = (
            targets,
            case.owner_id,
            case.assignee_id,
            case.receiver_id,
            case.subject_person_id,
            case.responsible_unit_id or case.receiving_unit_id,
        )
        answer = self._answers.get(key)
        if answer is None:
            found = self.resolve(case=case, targets=targets)
            answer = self._answers[key] = (tuple(u.pk for u in found.people), found.fallback)
        return answer


def resolve_recipients(*, case: Case, targets: list[str], resolver: RecipientResolver | None = None) -> Recipients:
    """Who `targets` reach for `case` (docs/sla.md "Who is told"), with the fallback if nobody."""
    return (resolver or RecipientResolver()).resolve(case=case, targets=targets)


def target_labels(targets: Iterable[str]) -> str:
    """What a ladder step names, in words and in the active language ("总经理", "责任人、主管")."""
    words = []
    for target in targets:
        if target in _PERSONAL_LABELS:
            words.append(str(_PERSONAL_LABELS[target]))
            continue
        registered = registered_targets().get(target)
        if registered is not None:
            words.append(str(registered.label))
            continue
        try:
            words.append(str(Role(target).label))
        except ValueError:
            words.append(target)
    return _(", ").join(words)
