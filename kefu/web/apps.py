from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    name = "kefu.web"
    label = "web"
    verbose_name = _("Web interface")

    def ready(self) -> None:
        from kefu.rulebooks.sections import register_section
        from kefu.web.rules import RepeatComplaintsSection, check_repeat_complaints

        # Intake's repeat-complaint warning (kefu/web/intake_guard.py; docs/inbox.md).
        register_section("repeat_complaints", RepeatComplaintsSection, check=check_repeat_complaints)
