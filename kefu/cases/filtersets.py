"""Filters for case lists. A plain FilterSet, so the web queue and the API filter the same way."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q, QuerySet

from kefu.cases.choices import CaseStatus, Channel
from kefu.cases.models import Case
from kefu.cases.selectors import field_filter, parse_field_filter
from kefu.core.inputs import MAX_ID, TEXT_LIMITS

__all__ = ("CaseFilterSet",)

# Ids beyond a 64-bit integer would crash the database driver instead of matching nothing.
_MAX_ID = MAX_ID


class IdFilter(django_filters.NumberFilter):
    """An id: a whole number, so '1.5' or 'abc' is refused as bad input instead of silently ignored."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", _MAX_ID)
        super().__init__(*args, **kwargs)


def known_channels() -> list[tuple[str, str]]:
    """Every channel code a case can have on this site: the global list and the active rulebooks' own."""
    from kefu.rulebooks.selectors import active_rulebooks

    codes: dict[str, str] = {c.value: str(c.label) for c in Channel}
    for rulebook in active_rulebooks():
        doc = rulebook.active_version.doc
        for code in doc.channel_codes():
            codes.setdefault(code, doc.channel_label(code))
    return list(codes.items())


class _FieldValues(forms.Field):
    """Repeated `?field=key:value` parameters; each must have that shape (400 otherwise)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        values = [value] if isinstance(value, str) else list(value or [])
        for text in values:
            if parse_field_filter(str(text)) is None:
                raise forms.ValidationError("Write a form field filter as key:value, e.g. penalty:fine.")
        return [str(v) for v in values]


class FieldFilter(django_filters.Filter):
    field_class = _FieldValues


class CaseFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=CaseStatus.choices)
    stage = django_filters.CharFilter(max_length=40)
    case_type = django_filters.CharFilter(max_length=40)
    category = django_filters.CharFilter(max_length=40)
    severity = django_filters.CharFilter(max_length=40)
    # Kefu's channels and those the loaded rulebooks add (docs/rulebooks.md, "Channels").
    channel = django_filters.ChoiceFilter(choices=lambda: known_channels())
    responsible_unit_id = IdFilter(field_name="responsible_unit_id")
    owner_id = IdFilter(field_name="owner_id")
    assignee_id = IdFilter(field_name="assignee_id")
    customer_id = IdFilter(field_name="customer_id")
    received_after = django_filters.IsoDateTimeFilter(field_name="received_at", lookup_expr="gte")
    received_before = django_filters.IsoDateTimeFilter(field_name="received_at", lookup_expr="lt")
    number = django_filters.CharFilter(field_name="number", max_length=40, label="Case number (exact)")
    q = django_filters.CharFilter(method="filter_q", label="Number or title", max_length=TEXT_LIMITS["search"])
    field = FieldFilter(
        method="filter_field",
        label="Form field: key:value",
        help_text=(
            "A choice or multi-choice form field's value, as `key:value` (e.g. `penalty:fine`); repeat the "
            "parameter to combine (all must match)."
        ),
    )

    class Meta:
        model = Case
        fields: list[str] = []

    def filter_field(self, queryset: QuerySet[Case], name: str, value: list[str]) -> QuerySet[Case]:
        for text in value:
            key, option = parse_field_filter(text) or ("", "")
            queryset = field_filter(queryset, key, option)
        return queryset

    def filter_q(self, queryset: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
        value = value.strip()
        if not value:
            return queryset
        # A pasted case number should find exactly that case; anything else is a title search.
        return queryset.filter(Q(number=value) | Q(title__icontains=value))
