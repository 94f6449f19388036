"""Monthly breakdowns by the rulebooks' choice fields (format v2 `fields:` of type choice or multi_choice).

One breakdown per rulebook, case type and choice field that the month's cases have: received, closed
and closed-in-time per option, like the other breakdowns. A choice field is one more grouping
dimension of the report's grouped query (`kefu/reports/grouping.py`): its value is read from the JSON
(`fields ->> 'penalty'` on PostgreSQL, JSON_EXTRACT on SQLite) over the month's rows, which the
`received_at` / `closed_at` conditions already narrow. A multi-choice field counts a case under each
option it has (so its rows can add up to more than the cases): one grouped count per option, kept in
the same `Counts` as dimension `multi:<field>` with keys (version, case type, option), so the rollup
stores them like every other dimension.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.db.models.fields.json import KeyTextTransform
from django.utils.translation import gettext as _

from kefu.cases.models import Case
from kefu.cases.selectors import field_filter
from kefu.reports.grouping import DEALT_WITH, DID_NOT_STAND, STOOD, Counts, empty_counts
from kefu.rulebooks.models import RulebookVersion
from kefu.rulebooks.schema import RulebookDoc
from kefu.rulebooks.selectors import rulebook_doc

__all__ = ("FieldColumns", "choice_field_columns", "field_breakdowns", "multi_counts")


@dataclass
class FieldColumns:
    """The annotations and grouping dimensions the report needs for the choice fields of every loaded
    rulebook version (one column per field key, whatever rulebook or case type uses it)."""

    annotations: dict[str, Any]
    dims: dict[str, list[str]]
    # Multi-choice field key → the option codes any loaded version offers.
    multi: dict[str, list[str]]


def _column(key: str) -> str:
    return f"f_{key}"


def choice_field_columns() -> FieldColumns:
    keys: set[str] = set()
    multi: dict[str, set[str]] = {}
    for version in RulebookVersion.objects.only("id", "sha256").order_by():
        for type_def in rulebook_doc(version).case_types.values():
            keys.update(f.key for f in type_def.fields if f.type == "choice")
            for f in type_def.fields:
                if f.type == "multi_choice":
                    multi.setdefault(f.key, set()).update(o.code for o in f.options or [])
    keys_sorted = sorted(keys)
    return FieldColumns(
        annotations={_column(k): KeyTextTransform(k, "fields") for k in keys_sorted},
        dims={f"field:{k}": ["rulebook_version", "case_type", _column(k)] for k in keys_sorted},
        multi={k: sorted(codes) for k, codes in sorted(multi.items())},
    )


def multi_counts(
    received: QuerySet[Case],
    closed: QuerySet[Case],
    multi: dict[str, list[str]],
    *,
    prefix: tuple[str, ...] = (),
    applicable: Q,
    in_time: Q,
) -> Counts:
    """Per multi-choice field, the counts per (version, case type, option): a case counts under each
    option it has. Two grouped queries per option, whatever the number of cases."""
    cols = [*prefix, "rulebook_version", "case_type"]
    extra = {
        "closed": DEALT_WITH,
        "in_time": DEALT_WITH & in_time,
        "applicable": DEALT_WITH & applicable,
        "established": STOOD,
        "not_established": DID_NOT_STAND,
    }
    out: Counts = {}
    for key, codes in multi.items():
        counts = out.setdefault(f"multi:{key}", {})
        for code in codes:
            for values in field_filter(received, key, code).order_by().values(*cols).annotate(n=Count("pk")):
                counts.setdefault((*(values[c] for c in cols), code), empty_counts())["received"] = values["n"]
            grouped = (
                field_filter(closed, key, code)
                .order_by()
                .values(*cols)
                .annotate(**{name: Count("pk", filter=q) for name, q in extra.items()})
            )
            for values in grouped:
                counts.setdefault((*(values[c] for c in cols), code), empty_counts()).update(
                    {name: values[name] for name in extra}
                )
    return out


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


def _from_counts(counts: Counts, dimension: str, version_ids: list[int], case_type: str) -> tuple[dict, dict]:
    """Per option ("" = not filled in): received and closed counts of these versions and case type."""
    got: dict[str, dict] = {}
    done: dict[str, dict] = {}
    for (version_id, code, value), row in counts.get(dimension, {}).items():
        if version_id not in version_ids or code != case_type:
            continue
        value = value or ""
        if row["received"]:
            got.setdefault(value, {"n": 0})["n"] += row["received"]
        if row["closed"] or row["not_established"]:
            closed = done.setdefault(
                value, {"n": 0, "in_time": 0, "applicable": 0, "established": 0, "not_established": 0}
            )
            closed["n"] += row["closed"]
            closed["in_time"] += row["in_time"]
            closed["applicable"] += row["applicable"]
            closed["established"] += row["established"]
            closed["not_established"] += row["not_established"]
    return got, done


def field_breakdowns(
    *,
    counts: Counts,
    docs: dict[int, RulebookDoc],
    make_row: Callable[..., Any],
    make_breakdown: Callable[..., Any],
) -> list[Any]:
    breakdowns = []
    for (rulebook_key, case_type, field_key), (version_ids, definition, type_label, rulebook_name) in sorted(
        _groups(docs).items()
    ):
        codes = [o.code for o in definition.options or []]
        dimension = f"{'field' if definition.type == 'choice' else 'multi'}:{field_key}"
        got, done = _from_counts(counts, dimension, version_ids, case_type)
        if not got and not done:
            continue
        rows = []
        for code in [*codes, *sorted((set(got) | set(done)) - set(codes))]:
            if code not in got and code not in done:
                continue
            closed_row = done.get(code, {})
            rows.append(
                make_row(
                    key=f"{rulebook_key}:{case_type}:{field_key}:{code}",
                    label=definition.option_label(code) if code else _("Not filled in"),
                    received=got.get(code, {}).get("n", 0),
                    closed=closed_row.get("n", 0),
                    in_time=closed_row.get("in_time", 0),
                    in_time_applicable=closed_row.get("applicable", 0),
                    established=closed_row.get("established", 0),
                    not_established=closed_row.get("not_established", 0),
                )
            )
        title = _("By %(field)s (%(type)s)") % {"field": definition.label, "type": type_label}
        breakdowns.append(make_breakdown(f"field:{rulebook_key}:{case_type}:{field_key}", title, rows, rulebook_name))
    return breakdowns
