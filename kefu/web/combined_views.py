"""The view of 成立 and 转部门 in one step (the rule and the service: kefu/web/combined.py)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kefu.core.exceptions import ApplicationError, ConflictError
from kefu.rulebooks.choices import TransitionAction
from kefu.web.case_views import _after_write, _conflict, _get_case, _render_case, add_service_errors
from kefu.web.combined import case_establish_and_route
from kefu.web.forms import transition_form
from kefu.web.nextstep import next_step
from kefu.web.templatetags.kefu_web import rb_label

__all__ = ("case_establish_route_view",)


@login_required
@require_POST
def case_establish_route_view(request: HttpRequest, number: str, name: str, then: str) -> HttpResponse:
    """成立 and 转部门 as one change (kefu/web/combined.py): the route form, both steps or neither."""
    case = _get_case(request, number)
    td = case.type_def.transition(name)
    route = case.type_def.transition(then)
    if (
        td is None
        or route is None
        or td.action != TransitionAction.ESTABLISH
        or route.action != TransitionAction.ROUTE
        or td.to not in route.from_
    ):
        raise Http404
    key = f"{name}-{then}"
    label = _("%(first)s and %(then)s") % {"first": rb_label(td), "then": rb_label(route)}
    form = transition_form(case, route, request.POST, prefix=key)
    if form.is_valid():
        try:
            updated = case_establish_and_route(
                case=case,
                actor=request.user,
                establish=name,
                route=then,
                expected_version=form.cleaned_data["version"],
                data=form.service_data(),
            )
        except ConflictError:
            return _conflict(
                request, case, f"t:{key}", lambda data, fresh: transition_form(fresh, route, data, prefix=key)
            )
        except ApplicationError as exc:
            add_service_errors(form, exc)
        else:
            done = _("%(action)s: recorded.") % {"action": label}
            return _after_write(request, case, f"{done} {next_step(updated).text}")
    messages.error(request, _("%(action)s was not done: see the form below.") % {"action": label})
    return _render_case(request, case, bound={f"t:{key}": form}, status=400)
