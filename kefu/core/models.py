from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ("TimeStampedModel", "DemoAccount")


class TimeStampedModel(models.Model):
    """Creation and modification times for every business record."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class DemoAccount(models.Model):
    """An account `kefu demo` created, with the password hash it gave it.

    The login page of a demo site lists these, and only while the password is still the demo one:
    accounts a site creates itself, or a demo account whose password was changed, never show up.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    password = models.CharField(max_length=128, editable=False)

    class Meta:
        verbose_name = _("demo account")
        verbose_name_plural = _("demo accounts")

    def __str__(self) -> str:
        return str(self.user)
