"""成立 and 转部门 in one step (issue 7): where the rulebook allows it, the case page offers "投诉成立并转被投诉部门"
— the complaint is found valid and routed to the responsible unit with one form.

"Allows it" is read from the rulebook, never from names: the transition is an `establish`, the stage
it leads to has exactly one `route` transition, the person may take both (roles, conditions, not the
person complained about), and neither asks for more than the route form has (no required comment,
form field or file). The preset 客户服务投诉管理制度 (seeds-000-003 篇2 三、"成立的投诉经 OA 转被投诉部门主管")
is such a rulebook: 投诉成立 (registered → forwarded), then 转被投诉部门 (forwarded → investigating).

The two steps are the engine's own public service, `case_transition`, twice in one transaction: both
are recorded or neither (a refused route rolls the establishment back), and the history keeps two
rows — the finding that the complaint stands and the routing — because they are two decisions with
their own effects on clocks (篇2's start-investigation clock stops when the route reaches 调查中),
reports and subscribers (the hand-off notice goes out on the route).
"""

from __future__ import annotations

import copy
from typing import Any

from django.db import transaction

from kefu.cases.models import Case
from kefu.cases.services import case_transition, transition_allowed, transition_inputs
from kefu.org.models import User
from kefu.rulebooks.choices import TransitionAction
from kefu.rulebooks.schema import TransitionDef

__all__ = ("case_establish_and_route", "establish_then_route")


def _asks_nothing_more(case: Case, td: TransitionDef) -> bool:
    comment_required, keys, attachment_required = transition_inputs(case, td)
    return not (comment_required or keys or attachment_required)


def establish_then_route(case: Case, user: User, td: TransitionDef) -> TransitionDef | None:
    """The route transition to offer together with `td`, or None where the rulebook does not allow it."""
    if td.action != TransitionAction.ESTABLISH or not transition_allowed(case, user, td):
        return None
    routes = [t for t in case.type_def.transitions_from(td.to) if t.action == TransitionAction.ROUTE]
    if len(routes) != 1 or not _asks_nothing_more(case, td) or not _asks_nothing_more(case, routes[0]):
        return None
    # Whether the person may route it once it is established: the case as it would stand then.
    after = copy.copy(case)
    after.stage = td.to
    return routes[0] if transition_allowed(after, user, routes[0]) else None


@transaction.atomic
def case_establish_and_route(
    *, case: Case, actor: User, establish: str, route: str, expected_version: int, data: dict[str, Any]
) -> Case:
    """Take `establish` and then `route` (with `data`: unit, handler, comment) as one change."""
    established = case_transition(case=case, actor=actor, transition=establish, expected_version=expected_version)
    return case_transition(
        case=established, actor=actor, transition=route, expected_version=established.version, data=data
    )
