"""Parts of the case page that are more than plumbing: the remedy form's start after a send-back, the
timeline with routing targets as unit paths, the text kept when a step can no longer be sent, and
which outcomes are secondary buttons."""

from __future__ import annotations

from typing import Any

from django import forms

from kefu.cases.models import Case
from kefu.core.inputs import is_id
from kefu.org.models import OrgUnit
from kefu.org.paths import unit_paths
from kefu.rulebooks.choices import TransitionAction
from kefu.web.forms import REMEDY_ROWS

__all__ = ("BACKWARD_ACTIONS", "remedy_initial", "timeline", "typed_texts")


# Actions that send a case back or close it against the customer's wish: a secondary button.
BACKWARD_ACTIONS = frozenset(
    {TransitionAction.DECLINE, TransitionAction.CUSTOMER_REJECT, TransitionAction.NOT_ESTABLISHED}
)


def remedy_initial(case: Case, td: Any) -> dict[str, Any]:
    """After a send-back the remedy form starts from the remedies that were sent back (the last round
    proposed), so the handler changes what the approver asked instead of typing everything again."""
    if td.action != TransitionAction.REMEDY:
        return {}
    remedies = list(case.remedies.order_by("-approval_round", "id"))
    if not remedies:
        return {}
    last = [r for r in remedies if r.approval_round == remedies[0].approval_round][:REMEDY_ROWS]
    initial: dict[str, Any] = {}
    for i, remedy in enumerate(last):
        initial |= {f"kind_{i}": remedy.kind, f"amount_{i}": remedy.amount, f"description_{i}": remedy.description}
    return initial


def timeline(case: Case) -> list[Any]:
    """The events, with the unit a case was routed or transferred to named by its path."""
    events = list(case.events.select_related("actor").order_by("id"))
    ids = {e.data.get("unit_id") for e in events if isinstance(e.data, dict) and is_id(e.data.get("unit_id"))}
    paths = unit_paths(OrgUnit.objects.filter(pk__in={int(i) for i in ids})) if ids else {}
    for event in events:
        data = event.data if isinstance(event.data, dict) else {}
        unit_id = data.get("unit_id")
        event.target_unit = paths.get(int(unit_id)) if is_id(unit_id) else None
        if event.target_unit is None and event.transition and data.get("unit"):
            event.target_unit = str(data["unit"])
        event.target_person = data.get("assignee") if event.transition else data.get("to")
    return events


def typed_texts(form: Any) -> list[str]:
    """What someone typed into a form that can no longer be sent (the case moved on meanwhile)."""
    texts = []
    for name, field in form.fields.items():
        if isinstance(field.widget, forms.Textarea | forms.TextInput) and not field.widget.is_hidden:
            value = str(form.data.get(form.add_prefix(name)) or "").strip()
            if value:
                texts.append(f"{field.label}: {value}")
    return texts
