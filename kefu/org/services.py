"""Writes to the organisation: units keep their materialised path right; API tokens are issued and revoked."""

import logging
from datetime import date

from django.db import transaction
from django.utils import timezone
from knox.models import AuthToken

from kefu.core.exceptions import ApplicationError
from kefu.org.choices import UnitKind
from kefu.org.models import Delegation, OrgUnit, User

__all__ = ("unit_create", "unit_move", "delegation_create", "token_issue", "token_revoke", "token_revoke_all")

auth_log = logging.getLogger("kefu.auth")


@transaction.atomic
def unit_create(
    *,
    name: str,
    code: str,
    kind: str = UnitKind.DEPARTMENT,
    parent: OrgUnit | None = None,
    is_leadership_office: bool = False,
) -> OrgUnit:
    """Create a unit under `parent` (or a root) with its path filled in. A leadership office
    (总经理办公室) answers for its parent's whole subtree when a role is looked up (org selectors)."""
    unit = OrgUnit(name=name, code=code, kind=kind, parent=parent, is_leadership_office=is_leadership_office)
    unit.full_clean(exclude=["path"])
    unit.save()
    unit.path = f"{parent.path if parent else '/'}{unit.pk}/"
    unit.save(update_fields=["path"])
    return unit


@transaction.atomic
def unit_move(*, unit: OrgUnit, new_parent: OrgUnit | None) -> OrgUnit:
    """Move a unit and its whole subtree under another parent."""
    unit = OrgUnit.objects.select_for_update().get(pk=unit.pk)
    if new_parent is not None and new_parent.path.startswith(unit.path):
        raise ApplicationError("A unit cannot be moved under itself or one of its own sub-units.")
    old_path = unit.path
    new_path = f"{new_parent.path if new_parent else '/'}{unit.pk}/"
    for node in OrgUnit.objects.select_for_update().filter(path__startswith=old_path):
        node.path = new_path + node.path[len(old_path) :]
        if node.pk == unit.pk:
            node.parent = new_parent
        node.save(update_fields=["path", "parent"])
    unit.refresh_from_db()
    return unit


@transaction.atomic
def delegation_create(
    *, principal: User, deputy: User, starts_on: date, ends_on: date, reason: str, actor: User
) -> Delegation:
    """Record an absence and hand the absent person's open cases to the deputy, with history."""
    from kefu.cases.services import case_hand_over_open_work

    delegation = Delegation(
        principal=principal, deputy=deputy, starts_on=starts_on, ends_on=ends_on, reason=reason, created_by=actor
    )
    errors: dict[str, list[str]] = {}
    if principal.pk == deputy.pk:
        errors["deputy"] = ["Choose someone other than the absent person."]
    if not deputy.is_active:
        errors["deputy"] = ["This person is not active."]
    if ends_on < starts_on:
        errors["ends_on"] = ["The end date is before the start date."]
    if errors:
        raise ApplicationError("The delegation was not created.", extra=errors)
    delegation.save()
    delegation.cases_handed_over = case_hand_over_open_work(
        principal=principal, deputy=deputy, actor=actor, reason=reason or f"{principal} absent {starts_on}–{ends_on}"
    )
    delegation.save(update_fields=["cases_handed_over"])
    return delegation


@transaction.atomic
def token_issue(*, user: User) -> tuple[AuthToken, str]:
    """A new API token for `user` (returned once, stored hashed), expiring after KEFU_API_TOKEN_HOURS.

    The person's expired tokens are dropped here: until then they still answer "expired" (kefu.org.tokens).
    """
    User.objects.select_for_update().filter(pk=user.pk).first()
    AuthToken.objects.filter(user=user, expiry__lte=timezone.now()).delete()
    instance, token = AuthToken.objects.create(user=user)
    auth_log.info("api token issued: user %r, expires %s", user.username, instance.expiry.isoformat())
    return instance, token


@transaction.atomic
def token_revoke(*, token: AuthToken, actor: User) -> None:
    """Revoke one token (its owner logging a client out). A revoked token is unknown from then on."""
    AuthToken.objects.filter(pk=token.pk).delete()
    auth_log.info("api token revoked: user %r, by %r", token.user.username, actor.username)


@transaction.atomic
def token_revoke_all(*, user: User, actor: User | None, reason: str) -> int:
    """Revoke every API token of `user`: on request, by an administrator, or because the password changed."""
    User.objects.select_for_update().filter(pk=user.pk).first()
    count, _ = AuthToken.objects.filter(user=user).delete()
    auth_log.info(
        "api tokens revoked: %d of user %r, by %r (%s)", count, user.username, actor.username if actor else "-", reason
    )
    return count
