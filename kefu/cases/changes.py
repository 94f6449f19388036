"""The public way for any service to change a case: lock it, change it, record the change.

Every write to a case — the case engine's own transitions and operations, the deadline clocks, and
the services of the apps built on the engine (work orders, return visits, appraisal) — follows the
same three steps inside one transaction:

    @transaction.atomic
    def workorder_dispatch(*, order, actor, ...):
        case = case_lock(order.case_id, expected_version=None)     # 1. row lock (+ version check)
        ensure_not_subject(case, actor)                            #    recusal, if the actor judges it
        case.assignee = technician                                 # 2. change
        case_record_change(case, actor=actor, kind=EventKind.ACTIVITY,   # 3. version + history row
                           fields=["assignee"], message=..., data={...})

`case_record_change` bumps `Case.version`, saves the named fields and writes the `CaseEvent` with the
new version in the same transaction; the unique `(case, case_version)` constraint makes a lost update
impossible even for a code path that forgot the lock. After commit, subscribers of
`kefu.cases.events` hear about the event. Nothing here knows about HTTP; errors are
`kefu.core.exceptions` errors (400/403/409).
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from kefu.cases import events
from kefu.cases.models import Case, CaseEvent
from kefu.core.exceptions import ConflictError, ForbiddenError
from kefu.core.hotpath import current_batch, insert_rows

__all__ = (
    "actor_has_role",
    "actor_may_act",
    "ensure_may_act",
    "case_lock",
    "case_record_change",
    "case_record_event",
    "case_save",
    "ensure_not_subject",
    "system_actor",
)

# The history's actor for changes nobody made by hand (an escalation step, archiving by retention).
SYSTEM_USERNAME = "kefu-system"


def case_lock(case: Case | int, *, expected_version: int | None) -> Case:
    """Lock the case row for the rest of the transaction and return it fresh from the database.

    With `expected_version`, a case that moved on since the client read it raises ConflictError
    (HTTP 409) and nothing is written. Must be called inside `transaction.atomic`.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("case_lock() must be called inside transaction.atomic")
    pk = case.pk if isinstance(case, Case) else case
    # of=("self",): lock only the case row. A plain FOR UPDATE also locks the joined rulebook version,
    # which every case of that version shares, so all writes would queue on it (and could deadlock).
    locked = Case.objects.select_for_update(of=("self",)).select_related("rulebook_version").get(pk=pk)
    if expected_version is not None and locked.version != expected_version:
        raise ConflictError(
            _(
                "Case %(number)s was changed by someone else (you saw version %(seen)s, it is now %(current)s). "
                "Reload it and try again."
            )
            % {"number": locked.number, "seen": expected_version, "current": locked.version},
            extra={"version": [_("Current version is %(current)s.") % {"current": locked.version}]},
        )
    return locked


def actor_has_role(actor: Any, roles: list[str] | tuple[str, ...] | frozenset[str]) -> bool:
    """Whether the actor holds one of `roles` (superusers hold them all)."""
    return bool(actor.is_superuser or actor.role in roles)


def ensure_not_subject(case: Case, actor: Any) -> None:
    """Recusal: the person a complaint is about may not handle or judge it (篇10)."""
    if case.subject_person_id is not None and case.subject_person_id == actor.pk:
        raise ForbiddenError(_("You are the person this case complains about, so you may not handle or judge it."))


def actor_may_act(case: Case, actor: Any) -> bool:
    """Whether `actor` may act on `case` at all (the rulebook's roles then decide which actions).

    The same rule as `Case.objects.workable_by`: all-seeing roles act on every case, supervisors and
    managers on the cases of their unit and below, everyone else on the cases they own or handle.
    Having *received* a case is not enough: after a transfer the right to act follows the new owner.
    """
    if not actor.is_active:
        return False
    if actor.is_superuser:
        return True
    if actor.pk in (case.owner_id, case.assignee_id):
        return True
    if case.sealed_roles and f",{actor.role}," not in case.sealed_roles:
        return False  # a sealed case type: only its named roles besides the people assigned (001 篇9)
    if actor.sees_everything:
        return True
    if actor.sees_unit:
        prefix = actor.unit.path
        units = [case.responsible_unit, case.receiving_unit]
        return any(unit is not None and unit.path.startswith(prefix) for unit in units)
    return False


def ensure_may_act(case: Case, actor: Any) -> None:
    """Refuse a change by someone who may only read the case (e.g. its receiver after a transfer)."""
    ensure_not_subject(case, actor)
    if not actor_may_act(case, actor):
        raise ForbiddenError(
            _("Case %(number)s is not yours to act on: it is owned by %(owner)s and handled in another unit.")
            % {"number": case.number, "owner": case.owner}
        )


def case_save(case: Case, fields: list[str] | tuple[str, ...] = ()) -> None:
    """Bump the case's version and save `fields` (plus version and updated_at). Use with
    `case_record_event`, or use `case_record_change`, which does both."""
    case.version += 1
    if case.pk is None and current_batch() is not None:
        return  # registered in this batch and not written yet: its INSERT takes the case as it ends up
    case.save(update_fields=[*fields, "version", "updated_at"])


def case_record_event(
    case: Case,
    *,
    actor: Any,
    kind: str,
    transition: str = "",
    from_stage: str | None = None,
    from_status: str | None = None,
    message: str = "",
    data: dict[str, Any] | None = None,
) -> CaseEvent:
    """Write the history row for the case's current version (no version bump: see `case_save`).

    `from_stage`/`from_status` default to the case's current ones (a change that does not move it).
    Subscribers of `kefu.cases.events` receive the event after the transaction commits.
    """
    event = CaseEvent(
        case=case,
        kind=kind,
        transition=transition,
        actor=actor,
        from_stage=case.stage if from_stage is None else from_stage,
        to_stage=case.stage,
        from_status=case.status if from_status is None else from_status,
        to_status=case.status,
        message=message,
        data=data or {},
        case_version=case.version,
        owner_id=case.owner_id,
        assignee_id=case.assignee_id,
        responsible_unit_id=case.responsible_unit_id,
    )
    events.prepare(event)
    insert_rows([event])  # the history row: compiled once, not per change (kefu.core.hotpath)
    events.schedule_dispatch(event)
    return event


def case_record_change(
    case: Case,
    *,
    actor: Any,
    kind: str,
    fields: list[str] | tuple[str, ...] = (),
    transition: str = "",
    from_stage: str | None = None,
    from_status: str | None = None,
    message: str = "",
    data: dict[str, Any] | None = None,
) -> CaseEvent:
    """Save a change to a locked case and record it: version + 1, `fields` saved, one history row."""
    case_save(case, fields)
    return case_record_event(
        case,
        actor=actor,
        kind=kind,
        transition=transition,
        from_stage=from_stage,
        from_status=from_status,
        message=message,
        data=data,
    )


def system_actor() -> Any:
    """The staff record changes made by Kefu itself are recorded under: inactive, no password, so it
    can never sign in or be picked for work; created on first use."""
    from kefu.org.models import User

    user = User.objects.filter(username=SYSTEM_USERNAME).first()
    if user is None:
        user = User(username=SYSTEM_USERNAME, display_name=_("Kefu (automatic)"), is_active=False)
        user.set_unusable_password()
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError:  # created by a parallel sweep in the meantime
            user = User.objects.get(username=SYSTEM_USERNAME)
    return user
