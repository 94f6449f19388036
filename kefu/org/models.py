from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.core.models import TimeStampedModel
from kefu.org.choices import ALL_SEEING_ROLES, UNIT_SEEING_ROLES, Role, UnitKind

__all__ = ("OrgUnit", "User", "Delegation")


class OrgUnit(TimeStampedModel):
    """A node of the organisation tree (group / province / city / department / team).

    `path` is the materialised chain of ids ("/1/4/9/"), so "this unit and everything below it" is
    one indexed prefix query instead of a recursive walk.
    """

    name = models.CharField(_("name"), max_length=120)
    code = models.SlugField(_("code"), max_length=60, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=UnitKind.choices, default=UnitKind.DEPARTMENT)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(max_length=500, db_index=True, editable=False, default="")
    is_active = models.BooleanField(_("active"), default=True)
    is_leadership_office = models.BooleanField(
        _("leadership office"),
        default=False,
        help_text=_(
            "The leaders in this unit (e.g. 总经理办公室) act for its parent unit and everything below it: an "
            "escalation that finds nobody with the role in the case's own chain of units looks here."
        ),
    )

    class Meta:
        verbose_name = _("organisation unit")
        verbose_name_plural = _("organisation units")
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    @property
    def depth(self) -> int:
        return self.path.count("/") - 1


class User(AbstractUser):
    """A member of staff. Deactivate instead of deleting: cases keep pointing at their people."""

    display_name = models.CharField(_("display name"), max_length=80, blank=True)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.AGENT)
    unit = models.ForeignKey(
        OrgUnit, verbose_name=_("unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="members"
    )
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    escalation_fallback = models.BooleanField(
        _("receives escalations that reach nobody"),
        default=False,
        help_text=_(
            "A deadline notice whose roles nobody holds for the case goes to these people. If nobody is "
            "marked, it goes to the active administrators."
        ),
    )

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    def save(self, *args, **kwargs) -> None:
        # set_password() keeps the new password in _password until the save (Django clears it there,
        # and a login that only re-hashes the same password does not set it). Every way of changing a
        # password (admin, web form, changepassword, a service) ends here: revoke the API tokens.
        password_changed = self._password is not None and not self._state.adding
        super().save(*args, **kwargs)
        if password_changed:
            from kefu.org.services import token_revoke_all

            token_revoke_all(user=self, actor=None, reason="password changed")

    @property
    def sees_everything(self) -> bool:
        return self.is_superuser or self.role in ALL_SEEING_ROLES

    @property
    def sees_unit(self) -> bool:
        return self.role in UNIT_SEEING_ROLES and self.unit_id is not None


class Delegation(TimeStampedModel):
    """While `principal` is absent, `deputy` acts for them; their open work was handed over."""

    principal = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("absent person"), on_delete=models.PROTECT, related_name="delegations"
    )
    deputy = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("deputy"), on_delete=models.PROTECT, related_name="deputising"
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    cases_handed_over = models.PositiveIntegerField(_("cases handed over"), default=0)

    class Meta:
        verbose_name = _("delegation")
        verbose_name_plural = _("delegations")
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_on__gte=models.F("starts_on")), name="delegation_dates"),
            models.CheckConstraint(condition=~models.Q(principal=models.F("deputy")), name="delegation_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.principal} → {self.deputy}"
