"""People targets other apps add to what a rulebook step may name (besides owner, assignee, receiver and
the roles): e.g. the duty app registers "on_duty", whoever is on shift in the case's unit at that moment.

    # kefu/duty/apps.py, in ready():
    register_target("on_duty", label=_("whoever is on duty"), resolve=on_duty_for_unit)

    def on_duty_for_unit(unit: OrgUnit | None, at: datetime) -> list[User]: ...

The rulebook validator accepts registered names in escalation ladders (`notify`), and the deadline
sweep resolves them for the case's unit (its responsible unit, else its receiving unit) at the sweep's
time. It lives in the org app because both the rulebooks (validation) and the SLA engine (resolution)
sit above it, and the apps that know who is on duty sit above those.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils.functional import Promise

__all__ = ("PeopleTarget", "register_target", "registered_targets", "unregister_target")

Resolver = Callable[[Any, datetime], list[Any]]


@dataclass(frozen=True)
class PeopleTarget:
    name: str
    label: str | Promise
    resolve: Resolver


_targets: dict[str, PeopleTarget] = {}


def register_target(name: str, *, label: str | Promise, resolve: Resolver) -> None:
    """Make `name` a target rulebook steps may name; `resolve(unit, at)` gives the people it means."""
    _targets[name] = PeopleTarget(name=name, label=label, resolve=resolve)


def unregister_target(name: str) -> None:
    _targets.pop(name, None)


def registered_targets() -> dict[str, PeopleTarget]:
    return dict(_targets)
