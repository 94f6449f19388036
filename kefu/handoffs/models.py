from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class HandoffNotice(models.Model):
    """One hand-off notice sent for one case event to one person: the database allows it once.

    The event seam delivers each event exactly once already; this row makes a second delivery (an
    administrator retrying a half-failed event, a replayed batch) unable to put a second entry in
    anybody's inbox.
    """

    event = models.ForeignKey("cases.CaseEvent", on_delete=models.PROTECT, related_name="+")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    code = models.CharField(_("message"), max_length=80)
    notification = models.OneToOneField("sla.Notification", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("hand-off notice")
        verbose_name_plural = _("hand-off notices")
        constraints = [
            models.UniqueConstraint(fields=["event", "recipient", "code"], name="handoff_once_per_event"),
        ]

    def __str__(self) -> str:
        return f"{self.code} → {self.recipient_id} (event {self.event_id})"
