from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.core.models import TimeStampedModel

__all__ = ("Rulebook", "RulebookVersion")


class Rulebook(TimeStampedModel):
    """A named regulation (制度). Its versions are immutable; new cases use the active one."""

    key = models.SlugField(_("key"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=200)
    is_default = models.BooleanField(_("default for new cases"), default=False)
    active_version = models.ForeignKey(
        "RulebookVersion",
        verbose_name=_("active version"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("rulebook")
        verbose_name_plural = _("rulebooks")
        ordering = ["key"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=models.Q(is_default=True), name="one_default_rulebook"
            )
        ]

    def __str__(self) -> str:
        return self.name


class RulebookVersion(models.Model):
    """One loaded text of a rulebook. Never edited: open cases keep the version they were opened under."""

    rulebook = models.ForeignKey(Rulebook, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    document = models.JSONField(_("document"))
    source_text = models.TextField(_("source text"))
    sha256 = models.CharField(max_length=64)
    loaded_at = models.DateTimeField(_("loaded at"), auto_now_add=True)
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    source_name = models.CharField(_("loaded from"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("rulebook version")
        verbose_name_plural = _("rulebook versions")
        ordering = ["rulebook", "-number"]
        constraints = [models.UniqueConstraint(fields=["rulebook", "number"], name="rulebook_version_unique")]

    def __str__(self) -> str:
        return f"{self.rulebook.key} v{self.number}"

    @property
    def doc(self):  # -> RulebookDoc; imported lazily to keep models import-light
        from kefu.rulebooks.selectors import rulebook_doc

        return rulebook_doc(self)
