"""What a customer does on a case without a staff account (the self-service portal, kefu.portal).

* `case_register_by_customer`: the customer files a case themself. It is `case_register` under the
  portal's actor (`portal_actor`), by the channel `web`; the registration's history row says it came
  from the customer (`data["via"] = "customer"`).
* `case_customer_answer`: the customer accepts or rejects the outcome while the case waits for their
  answer. It takes the rulebook's own `customer_accept` / `customer_reject` transition from the
  case's stage with the engine's action (a rejection opens the follow-up case, as on the staff path),
  locked, versioned and recorded like every transition, with `data["via"] = "customer"`.

The actor of both is one staff record, `kefu-portal` (display name 网上自助（客户）): inactive with no
password, so it can never sign in, be assigned work or act on a case through the staff services. Its
unit is `settings.KEFU_PORTAL_UNIT` (a unit code), so the cases customers file land in that unit's
queue (receiving unit, 首问负责); without the setting they have no receiving unit and the all-seeing
roles take them.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from kefu.cases.changes import case_lock
from kefu.cases.choices import CaseStatus, EventKind, NoteVisibility
from kefu.cases.facts import condition_holds
from kefu.cases.models import Case, CaseEvent
from kefu.cases.services.actions import ACTIONS
from kefu.cases.services.operations import attachment_store
from kefu.cases.services.registration import case_register
from kefu.cases.services.transitions import transition_apply, transition_inputs
from kefu.core.exceptions import ApplicationError, FieldErrors
from kefu.core.inputs import TEXT_LIMITS, check_text
from kefu.customers.models import Contact, Customer
from kefu.org.choices import Role
from kefu.org.models import OrgUnit, User
from kefu.rulebooks.choices import Channel, TransitionAction

__all__ = (
    "PORTAL_USERNAME",
    "case_customer_answer",
    "case_register_by_customer",
    "customer_may_answer",
    "portal_actor",
)

PORTAL_USERNAME = "kefu-portal"
PORTAL_DISPLAY_NAME = "网上自助（客户）"
VIA = "customer"


def portal_actor() -> User:
    """The staff record the customer's own actions are recorded under (created on first use)."""
    code = getattr(settings, "KEFU_PORTAL_UNIT", "") or ""
    unit = OrgUnit.objects.filter(code=code).first() if code else None
    user = User.objects.filter(username=PORTAL_USERNAME).select_related("unit").first()
    if user is None:
        user = User(username=PORTAL_USERNAME, display_name=PORTAL_DISPLAY_NAME, is_active=False, role=Role.AGENT)
        user.unit = unit
        user.set_unusable_password()
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError:  # created by a parallel request in the meantime
            user = User.objects.select_related("unit").get(username=PORTAL_USERNAME)
    if user.unit_id != (unit.pk if unit else None):  # the setting changed: new cases go to the new unit
        user.unit = unit
        user.save(update_fields=["unit"])
    return user


@transaction.atomic
def case_register_by_customer(
    *,
    case_type: str,
    customer: Customer,
    title: str,
    description: str,
    category: str = "",
    contact: Contact | None = None,
    is_anonymous: bool = False,
    fields: dict[str, Any] | None = None,
    rulebook_key: str | None = None,
    idempotency_key: str = "",
    uploads: list[UploadedFile] | tuple[UploadedFile, ...] = (),
) -> tuple[Case, bool]:
    """Register the case a customer filed themself; returns (case, created) like `case_register`.

    The channel is `web` (网上自助); a case type whose rulebook does not take that channel is refused by
    the engine with its usual field error. With `idempotency_key` (the portal form's one-time token) a
    repeat submit returns the first case and creates nothing. `uploads` are checked by content like
    every case attachment (kefu.core.uploads), saved visible to the customer, and named in the
    registration's history row; a refused file refuses the whole filing (nothing is registered).
    """
    actor = portal_actor()
    case, created = case_register(
        actor=actor,
        case_type=case_type,
        customer=customer,
        contact=contact,
        channel=Channel.WEB,
        title=title,
        description=description,
        category=category,
        is_anonymous=is_anonymous,
        fields=fields,
        rulebook_key=rulebook_key,
        idempotency_key=idempotency_key,
    )
    if created:
        stored = [
            attachment_store(case=case, actor=actor, file=file, visibility=NoteVisibility.CUSTOMER) for file in uploads
        ]
        # The registration's history row says the customer filed it (same transaction, written just now).
        event = CaseEvent.objects.filter(case=case, kind=EventKind.REGISTERED).order_by("pk").first()
        if event is not None:
            event.data = {**(event.data or {}), "via": VIA}
            if stored:
                event.data["attachments"] = [{"id": a.pk, "name": a.name, "size": a.size} for a in stored]
            event.save(update_fields=["data"])
    return case, created


def _customer_transition(case: Case, action: str):
    """The rulebook's transition with `action` from the case's stage, if the case waits for it."""
    return next((td for td in case.type_def.transitions_from(case.stage) if td.action == action), None)


def customer_may_answer(case: Case) -> bool:
    """Whether the case waits for the customer's accept/reject now (the portal shows the buttons)."""
    if case.status != CaseStatus.OPEN:
        return False
    return any(
        _customer_transition(case, action) is not None
        for action in (TransitionAction.CUSTOMER_ACCEPT, TransitionAction.CUSTOMER_REJECT)
    )


@transaction.atomic
def case_customer_answer(*, case: Case | int, accept: bool, reason: str = "", expected_version: int | None) -> Case:
    """Record the customer's own answer to the outcome: accept, or reject with a reason.

    Refused (HTTP 400, nothing written) when the case does not wait for the customer's answer (any
    more): another answer came first, staff recorded it, or the case moved on. A rejection opens the
    follow-up case (`customer_reject` action), under the portal's actor.
    """
    actor = portal_actor()
    case = case_lock(case, expected_version=expected_version)
    action = TransitionAction.CUSTOMER_ACCEPT if accept else TransitionAction.CUSTOMER_REJECT
    td = _customer_transition(case, action) if case.status == CaseStatus.OPEN else None
    if td is None or (td.when is not None and not condition_holds(case, td.when)):
        raise ApplicationError(_("Case %(number)s is not waiting for your answer.") % {"number": case.number})
    _comment_required, asked, attachment_required = transition_inputs(case, td)
    if asked or attachment_required:
        # The rulebook wants form fields or a file with this answer, which only staff can give.
        raise ApplicationError(
            _("Your answer to case %(number)s needs details our staff record; please call us.")
            % {"number": case.number}
        )
    errors = FieldErrors()
    reason = check_text(errors, "reason", reason, limit=TEXT_LIMITS["reason"], required=not accept)
    errors.raise_if_any(
        _("Tell us why you do not accept the outcome.") if not accept else _("Your answer was not saved.")
    )
    data = {"reason": reason} if not accept else {"comment": reason}
    from_stage, from_status = case.stage, case.status
    outcome = ACTIONS[td.action](case, actor, data, td)
    return transition_apply(
        case,
        td=td,
        outcome=outcome,
        fields=list(outcome.fields),
        actor=actor,
        from_stage=from_stage,
        from_status=from_status,
        data={"via": VIA},
    )
