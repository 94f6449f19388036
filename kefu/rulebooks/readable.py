"""A rulebook version said in words for the admin: per case type its stages, steps (who may take them),
deadlines (how long, from where to where, which ladder), and the approval chains and escalation
ladders — instead of a server path and a hash (issue 7)."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from kefu.org.choices import Role
from kefu.rulebooks.base import Duration
from kefu.rulebooks.schema import RulebookDoc

__all__ = ("duration_text", "rulebook_summary_html")


def _label(obj: Any) -> str:
    english = (get_language() or "").startswith("en")
    return (english and getattr(obj, "label_en", "")) or getattr(obj, "label", "") or str(obj)


def duration_text(duration: Duration | None) -> str:
    if duration is None:
        return _("promised time")
    texts = {
        "minutes": _("%(n)s minutes"),
        "hours": _("%(n)s hours"),
        "working_minutes": _("%(n)s working minutes"),
        "working_hours": _("%(n)s working hours"),
        "working_days": _("%(n)s working days"),
        "calendar_days": _("%(n)s calendar days"),
        "same_working_day": _("the same working day"),
        "nth_of_next_month": _("by day %(n)s of next month"),
    }
    text = texts.get(duration.unit, f"%(n)s {duration.unit}")
    return text % {"n": duration.amount} if "%(n)s" in text else text


def _roles(codes: list[str]) -> str:
    labels = dict(Role.choices)
    return "、".join(str(labels.get(code, code)) for code in codes)


def rulebook_summary_html(doc: RulebookDoc) -> str:
    types = []
    for code, type_def in doc.case_types.items():
        states = {key: _label(state) for key, state in type_def.states.items()}

        def stage(key: str, states: dict[str, str] = states) -> str:
            return "、".join(states.get(k, k) for k in key) if isinstance(key, list) else states.get(key, key)

        clocks = []
        for clock in type_def.sla.clocks if type_def.sla else []:
            clocks.append(
                {
                    "label": _label(clock),
                    "within": duration_text(clock.within),
                    "variants": [duration_text(v.within) for v in clock.variants],
                    "starts": stage(clock.starts_on),
                    "stops": stage(clock.stops_on),
                    "ladder": clock.ladder or "",
                }
            )
        types.append(
            {
                "code": code,
                "label": _label(type_def),
                "stages": list(states.values()),
                "steps": [
                    {"label": _label(td), "from": stage(td.from_), "to": stage(td.to), "roles": _roles(td.roles)}
                    for td in type_def.transitions
                ],
                "clocks": clocks,
            }
        )
    chains = [
        {
            "name": name,
            "steps": [
                {
                    "label": step.label or _roles([step.role]),
                    "limit": f"{step.limit:,.0f}" if step.limit is not None else "",
                }
                for step in chain.steps
            ],
        }
        for name, chain in doc.approval_chains.items()
    ]
    ladders = [
        {
            "name": name,
            "steps": [
                {"after": duration_text(step.after), "notify": _roles(step.notify), "label": step.label}
                for step in steps
            ],
        }
        for name, steps in doc.escalation_ladders.items()
    ]
    return render_to_string(
        "admin/rulebooks/summary.html", {"types": types, "chains": chains, "ladders": ladders, "doc": doc}
    )
