"""The case page's "next step" line: who acts next on a case, and by when.

Read from the case's pinned rulebook: the transitions out of the current stage whose condition holds;
for an approval stage, the next level of the approval chain (kefu.cases.services.approvals) and the
people holding its role for the case's unit (kefu.org.selectors.role_holders_for); the deadline is the
earliest running clock. After a first-level approval the line names the deputy GM's level, so nobody
reads "审批通过" as "finished".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from kefu.cases.choices import CaseStatus
from kefu.cases.facts import condition_holds
from kefu.cases.models import Case
from kefu.cases.services.approvals import approval_steps_required, next_approval_step
from kefu.org.choices import Role
from kefu.org.selectors import role_holders_for
from kefu.rulebooks.choices import TransitionAction
from kefu.sla.choices import ClockStatus
from kefu.web.templatetags.kefu_web import rb_label

__all__ = ("NextStep", "next_step")

MAX_NAMES = 3
APPROVAL = (TransitionAction.APPROVE, TransitionAction.DECLINE)


@dataclass(frozen=True)
class NextStep:
    text: str  # one sentence: what, who, by when
    due: datetime | None = None
    done: bool = False  # nothing more is expected on the case


def _when(value: datetime) -> str:
    return date_format(timezone.localtime(value), "Y-m-d H:i")


def _names(people: list) -> str:
    names = [str(p) for p in people[:MAX_NAMES]]
    if len(people) > MAX_NAMES:
        names.append(_("%(n)s more") % {"n": len(people) - MAX_NAMES})
    return "、".join(names)


def _role_names(roles: list[str]) -> str:
    labels = {value: str(label) for value, label in Role.choices}
    return _(" or ").join(labels.get(r, r) for r in roles)


def _due(case: Case) -> datetime | None:
    deadlines = case.clocks.filter(status=ClockStatus.RUNNING, deadline__isnull=False).values_list(
        "deadline", flat=True
    )
    return min(deadlines, default=None)


def _with_due(text: str, due: datetime | None) -> str:
    if due is None:
        return text
    return _("%(step)s Due by %(due)s.") % {"step": text, "due": _when(due)}


def _approval(case: Case, td) -> NextStep | None:
    step = next_approval_step(case, td)
    if step is None:
        return None
    index, step_def = step
    levels = len(approval_steps_required(case, td))
    unit = case.responsible_unit or case.receiving_unit
    exclude = [case.subject_person_id] if case.subject_person_id else []
    people = list(role_holders_for(role=step_def.role, unit=unit, exclude=exclude).people)
    values = {
        "level": index + 1,
        "levels": levels,
        "label": step_def.label or _role_names([step_def.role]),
        "who": _names(people) or _role_names([step_def.role]),
    }
    if index:
        text = _("Approval level %(level)s of %(levels)s is next: %(label)s (%(who)s) decides.") % values
    else:
        text = _("Waiting for approval level %(level)s of %(levels)s: %(label)s (%(who)s) decides.") % values
    if step_def.limit is not None:
        text += " " + _("This level may approve up to ¥%(limit)s.") % {"limit": f"{step_def.limit:,.0f}"}
    due = _due(case)
    return NextStep(text=_with_due(text, due), due=due)


def next_step(case: Case) -> NextStep:
    """Who acts next on `case` and by when, as one sentence in the current language."""
    if case.status == CaseStatus.SUSPENDED:
        return NextStep(text=_("The case is suspended: its deadlines are paused until someone resumes it."))
    if case.status in (CaseStatus.CLOSED, CaseStatus.ARCHIVED):
        when = case.closed_at and _when(case.closed_at)
        text = _("Closed on %(when)s. Nothing more is needed.") % {"when": when} if when else _("Closed.")
        return NextStep(text=text, done=True)
    if case.status == CaseStatus.WITHDRAWN:
        return NextStep(text=_("The case was withdrawn. Nothing more is needed."), done=True)
    if case.status == CaseStatus.MERGED:
        return NextStep(text=_("The case was merged into another case, which carries on."), done=True)
    tds = [
        td
        for td in case.type_def.transitions
        if case.stage in td.from_
        and td.action != TransitionAction.ARCHIVE
        and (td.when is None or condition_holds(case, td.when))
    ]
    if not tds:
        return NextStep(text=_("Nothing is expected at this stage."), done=True)
    approval = next((td for td in tds if td.action == TransitionAction.APPROVE), None)
    if approval is not None:
        found = _approval(case, approval)
        if found is not None:
            return found
        tds = [td for td in tds if td.action not in APPROVAL] or tds
    roles = list(dict.fromkeys(r for td in tds for r in td.roles))
    people = [p for p in (case.assignee, case.owner) if p is not None and p.role in roles]
    who = str(people[0]) if people else _role_names(roles)
    actions = _(" or ").join(f"“{rb_label(td)}”" for td in tds)
    text = _("Next: %(actions)s, by %(who)s.") % {"actions": actions, "who": who}
    due = _due(case)
    return NextStep(text=_with_due(text, due), due=due)
