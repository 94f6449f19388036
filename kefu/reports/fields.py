"""Monthly breakdowns by the rulebooks' choice fields (format v2 `fields:` of type choice or multi_choice).

One breakdown per rulebook, case type and choice field that the month's cases have: received, closed
and closed-in-time per option, like the other breakdowns. Grouping reads the JSON value in the
database (`fields ->> 'penalty'` on PostgreSQL, JSON_EXTRACT on SQLite) over the month's rows, which the
`received_at` / `closed_at` conditions already narrow; a multi-choice field counts a case under each
option it has (so its rows can add up to more than the cases).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.db.models.fields.json import KeyTextTransform
from django.utils.translation import gettext as _

from kefu.cases.models import Case
from kefu.cases.selectors import field_filter
from kefu.rulebooks.schema import RulebookDoc

__all__ = ("field_breakdowns",)


def _groups(docs: dict[int, RulebookDoc]) -> dict[tuple[str, str, str], tuple[list[int], Any, str, str]]:
    """(rulebook key, case type, field key) → (version ids, field definition of the newest version,
    case type label, rulebook name)."""
    out: dict[tuple[str, str, str], tuple[list[int], Any, str, str]] = {}
    for version_id in sorted(docs):  # newer versions have larger ids: their labels win
        doc = docs[version_id]
        for code, type_def in doc.case_types.items():
            for definition in type_def.fields:
                if definition.type not in ("choice", "multi_choice"):
                    continue
                key = (doc.key, code, definition.key)
                ids = out[key][0] if key in out else []
                out[key] = ([*ids, version_id], definition, type_def.label, doc.name)
    return out


def _counts(qs: QuerySet[Case], key: str, multi: bool, codes: list[str], extra: dict[str, Q]) -> dict[str, dict]:
    """Per option code ("" = not filled): n and the `extra` filtered counts."""
    out: dict[str, dict] = {}
    if not multi:
        rows = (
            qs.order_by()
            .values(v=KeyTextTransform(key, "fields"))
            .annotate(n=Count("pk"), **{name: Count("pk", filter=q) for name, q in extra.items()})
        )
        for row in rows:
            out[row["v"] or ""] = row
        return out
    for code in codes:
        row = (
            field_filter(qs, key, code)
            .order_by()
            .aggregate(n=Count("pk"), **{name: Count("pk", filter=q) for name, q in extra.items()})
        )
        if row["n"]:
            out[code] = row
    return out


def field_breakdowns(
    *,
    received: QuerySet[Case],
    closed: QuerySet[Case],
    docs: dict[int, RulebookDoc],
    applicable: Q,
    in_time: Q,
    make_row: Callable[..., Any],
    make_breakdown: Callable[..., Any],
) -> list[Any]:
    breakdowns = []
    for (rulebook_key, case_type, field_key), (version_ids, definition, type_label, rulebook_name) in sorted(
        _groups(docs).items()
    ):
        scope = {"rulebook_version__in": version_ids, "case_type": case_type}
        multi = definition.type == "multi_choice"
        codes = [o.code for o in definition.options or []]
        got = _counts(received.filter(**scope), field_key, multi, codes, {})
        done = _counts(closed.filter(**scope), field_key, multi, codes, {"in_time": in_time, "applicable": applicable})
        if not got and not done:
            continue
        rows = []
        for code in [*codes, *sorted((set(got) | set(done)) - set(codes))]:
            if code not in got and code not in done:
                continue
            closed_row = done.get(code, {})
            label = definition.option_label(code) if code else _("Not filled in")
            rows.append(
                make_row(
                    key=f"{rulebook_key}:{case_type}:{field_key}:{code}",
                    label=label,
                    received=got.get(code, {}).get("n", 0),
                    closed=closed_row.get("n", 0),
                    in_time=closed_row.get("in_time", 0),
                    in_time_applicable=closed_row.get("applicable", 0),
                )
            )
        title = _("By %(field)s (%(type)s)") % {"field": definition.label, "type": type_label}
        breakdowns.append(make_breakdown(f"field:{rulebook_key}:{case_type}:{field_key}", title, rows, rulebook_name))
    return breakdowns
