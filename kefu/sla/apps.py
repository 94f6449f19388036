from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SlaConfig(AppConfig):
    name = "kefu.sla"
    label = "sla"
    verbose_name = _("Deadlines and escalation")

    def ready(self) -> None:
        from kefu.sla.reminders import register_reminder_message

        register_reminder_message()
