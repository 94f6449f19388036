"""Pickers of people and units for the web forms: every unit shown by its path (杭州公司 / 售后部), so two
units of one name in different cities are told apart, and people by their unit's path."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from kefu.org.models import OrgUnit, User
from kefu.org.paths import unit_paths

__all__ = ("PathSelect", "StaffChoiceField", "UnitChoiceField", "staff_queryset", "unit_queryset")


def staff_queryset() -> QuerySet[User]:
    return User.objects.filter(is_active=True).select_related("unit").order_by("unit__path", "username")


def unit_queryset() -> QuerySet[OrgUnit]:
    return OrgUnit.objects.filter(is_active=True).order_by("path")


class PathSelect(forms.Select):
    """A select whose options carry their unit's materialised path (`data-path`), so the case page's
    script can narrow the handlers to the unit chosen in the same form (kefu/static/kefu/case-page.js)."""

    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(*args, **kwargs)
        instance = getattr(option["value"], "instance", None)
        path = getattr(instance, "path", None)
        if path is None and getattr(instance, "unit_id", None):
            path = instance.unit.path
        if path:
            option["attrs"]["data-path"] = path
        return option


class _PathLabels:
    """Labels with unit paths ("杭州公司 / 售后部"), computed once for the whole queryset."""

    _paths: dict[int, str] | None = None

    def _path(self, unit: OrgUnit | None) -> str:
        if unit is None:
            return ""
        if self._paths is None or unit.pk not in self._paths:
            units = [getattr(o, "unit", o) for o in self.queryset]  # type: ignore[attr-defined]
            self._paths = unit_paths([u for u in units if u is not None] + [unit])
        return self._paths[unit.pk]


class StaffChoiceField(_PathLabels, forms.ModelChoiceField):
    widget = PathSelect

    def label_from_instance(self, obj: User) -> str:
        return f"{obj}（{self._path(obj.unit)}）" if obj.unit_id else str(obj)


class UnitChoiceField(_PathLabels, forms.ModelChoiceField):
    widget = PathSelect

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        # The case page's script puts a search box before the select, named by this text
        # (kefu/static/kefu/case-page.js); without the script the select is unchanged.
        return {**super().widget_attrs(widget), "data-search-label": _("Search units")}

    def label_from_instance(self, obj: OrgUnit) -> str:
        return self._path(obj)


# --------------------------------------------------------------------------------------------------
# Board filters
