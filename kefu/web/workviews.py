"""Saved queue views (我的待办, 待我审批, 我部门, 即将超时, 已超时) and the live inbox count.

Every view starts from `Case.objects.visible_to(user)` and keeps only open work:

* **mine** — cases the person owns or handles (the default queue of agents and handlers);
* **approve** — cases waiting at an approval stage whose next step the person may decide now
  (`transition_allowed` on the stage's approve transitions: their role at the next level of the
  chain, not the subject of the complaint). The database narrows to the approval stages of chains
  that name the person's role; the exact next-level check runs on at most `APPROVAL_SCAN` of them;
* **unit** — cases received by or routed to the person's unit or a unit below it;
* **due_soon** — a running deadline past its warning time, not yet due;
* **overdue** — a running deadline that has passed.

`view_counts` gives the counts of mine / unit / due_soon / overdue in one aggregate query (plus the
approval count, which needs the rulebook's chains).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import pgettext_lazy

from kefu.cases.choices import ApprovalDecision
from kefu.cases.models import Approval, Case
from kefu.cases.services import transition_allowed
from kefu.org.choices import Role
from kefu.org.selectors import unit_subtree
from kefu.rulebooks.choices import TransitionAction
from kefu.rulebooks.models import RulebookVersion
from kefu.rulebooks.selectors import rulebook_docs
from kefu.sla.choices import ClockStatus
from kefu.sla.models import Clock

__all__ = ("APPROVAL_SCAN", "VIEWS", "apply_view", "default_view", "view_counts")

VIEWS: dict[str, Any] = {
    "mine": pgettext_lazy("queue view", "My to-do"),
    "approve": pgettext_lazy("queue view", "Awaiting my approval"),
    "unit": pgettext_lazy("queue view", "My unit"),
    "due_soon": pgettext_lazy("queue view", "Due soon"),
    "overdue": pgettext_lazy("queue view", "Overdue"),
}
APPROVAL_SCAN = 300


def default_view(user: Any) -> str:
    """Agents and handlers open the queue on their own to-do; everyone else on the whole queue."""
    return "mine" if user.role in (Role.AGENT, Role.HANDLER, Role.TECHNICIAN) else ""


def _running(now: Any, *, overdue: bool) -> Q:
    clocks = Clock.objects.filter(case_id=OuterRef("pk"), status=ClockStatus.RUNNING)
    if overdue:
        clocks = clocks.filter(deadline__lte=now)
    else:
        clocks = clocks.filter(warn_at__lte=now, deadline__gt=now)
    return Q(Exists(clocks))


def _mine(user: Any) -> Q:
    return Q(owner=user) | Q(assignee=user)


def _unit(user: Any) -> Q:
    if user.unit_id is None:
        return Q(pk__in=[])
    units = list(unit_subtree(user.unit).values_list("pk", flat=True))
    return Q(responsible_unit_id__in=units) | Q(receiving_unit_id__in=units)


def _approval_stages(user: Any) -> Q:
    """(rulebook version, case type, stage) where an approve transition leaves and whose chain names
    the person's role (any role for a superuser) — and, for a case type with one approval pass, as
    many approvals given in the current round as the chain has steps before the person's level."""
    q = Q(pk__in=[])
    versions = list(RulebookVersion.objects.only("id", "sha256"))
    docs = rulebook_docs(versions)  # one query for the documents not parsed yet in this process
    for version in versions:
        doc = docs[version.pk]
        for type_key, type_def in doc.case_types.items():
            approve = [td for td in type_def.transitions if td.action == TransitionAction.APPROVE]
            single_pass = len({td.approval_pass for td in approve}) == 1
            for td in approve:
                chain = doc.approval_chains.get(td.approval_chain or type_def.approval_chain or "")
                steps = [s.role for s in chain.steps] if chain else []
                if not (user.is_superuser or user.role in steps):
                    continue
                here = Q(rulebook_version_id=version.pk, case_type=type_key, stage__in=list(td.from_))
                if single_pass and not user.is_superuser:
                    places = [i for i, role in enumerate(steps) if role == user.role]
                    if chain is not None and all(step.when is None for step in chain.steps):
                        # No step is ever skipped: the person decides when exactly that many have approved.
                        here &= Q(approved_now__in=places)
                    else:
                        # A step whose condition does not hold is skipped, so the person's level may
                        # come earlier than its place in the chain: any count up to that place.
                        here &= Q(approved_now__lte=max(places))
                q |= here
    return q


def awaiting_approval_ids(user: Any) -> list[int]:
    """Ids of the open cases whose next approval step `user` may decide now."""
    approved_now = (
        Approval.objects.filter(
            case_id=OuterRef("pk"), approval_round=OuterRef("approval_round"), decision=ApprovalDecision.APPROVED
        )
        .order_by()
        .values("case_id")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    candidates = (
        Case.objects.visible_to(user)
        .open()
        .annotate(approved_now=Coalesce(Subquery(approved_now), 0))
        .filter(_approval_stages(user))
        .select_related("rulebook_version")
        .order_by("received_at", "id")[:APPROVAL_SCAN]
    )
    ids = []
    for case in candidates:
        approve = [td for td in case.type_def.transitions_from(case.stage) if td.action == TransitionAction.APPROVE]
        if any(transition_allowed(case, user, td) for td in approve):
            ids.append(case.pk)
    return ids


def apply_view(qs: QuerySet[Case], view: str, user: Any) -> QuerySet[Case]:
    if view not in VIEWS:
        return qs
    now = timezone.now()
    qs = qs.open()
    if view == "mine":
        return qs.filter(_mine(user))
    if view == "unit":
        return qs.filter(_unit(user))
    if view == "due_soon":
        return qs.filter(_running(now, overdue=False))
    if view == "overdue":
        return qs.filter(_running(now, overdue=True))
    return qs.filter(pk__in=awaiting_approval_ids(user))


def view_counts(user: Any) -> dict[str, int]:
    """How many open cases each view holds for `user`: one aggregate query, plus the approvals."""
    now = timezone.now()
    counts = (
        Case.objects.visible_to(user)
        .open()
        .aggregate(
            mine=Count("pk", filter=_mine(user)),
            unit=Count("pk", filter=_unit(user)),
            due_soon=Count("pk", filter=_running(now, overdue=False)),
            overdue=Count("pk", filter=_running(now, overdue=True)),
        )
    )
    counts["approve"] = len(awaiting_approval_ids(user))
    return counts
