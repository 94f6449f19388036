"""Unit paths for people: "杭州公司 / 售后部" instead of a bare "售后部" that two cities both have.

A unit's materialised path ("/1/4/9/") names its ancestors, so the names of every unit on a page
come from one query. The root (the group) is left out, and at most the last three levels are shown:
enough to tell the two 售后部 apart without a line that no phone can hold.
"""

from __future__ import annotations

from collections.abc import Iterable

from kefu.org.models import OrgUnit

__all__ = ("SEPARATOR", "unit_path", "unit_paths")

SEPARATOR = " / "
MAX_LEVELS = 3


def _ids(path: str) -> list[int]:
    return [int(part) for part in path.strip("/").split("/") if part.isdigit()]


def _join(ids: list[int], names: dict[int, str]) -> str:
    shown = ids[1:] if len(ids) > 1 else ids  # the group itself says nothing
    return SEPARATOR.join(names.get(i, "?") for i in shown[-MAX_LEVELS:])


def unit_paths(units: Iterable[OrgUnit]) -> dict[int, str]:
    """{unit id: "杭州公司 / 售后部"} for the given units, with one query for their ancestors."""
    units = [u for u in units if u is not None]
    wanted = {i for u in units for i in _ids(u.path)}
    names = dict(OrgUnit.objects.filter(pk__in=wanted).values_list("pk", "name")) if wanted else {}
    for unit in units:
        names.setdefault(unit.pk, unit.name)
    return {u.pk: _join(_ids(u.path) or [u.pk], names) for u in units}


def unit_path(unit: OrgUnit | None) -> str:
    if unit is None:
        return ""
    return unit_paths([unit])[unit.pk]
