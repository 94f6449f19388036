from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DutyConfig(AppConfig):
    name = "kefu.duty"
    label = "duty"
    verbose_name = _("Duty shifts")

    def ready(self) -> None:
        from kefu.duty.rules import DutySection
        from kefu.duty.selectors import on_duty_for_unit
        from kefu.org.targets import register_target
        from kefu.rulebooks.sections import register_section

        register_section("duty", DutySection)
        # Escalation ladders may name "on_duty": whoever is on shift for the case's unit when the step fires.
        register_target("on_duty", label=_("whoever is on duty"), resolve=on_duty_for_unit)

    def make_demo(self, world: Any, *, rng: Any, log: Any) -> None:
        """Demo shift patterns and this month's roster (called by kefu.core.demo.make_app_demos)."""
        from kefu.duty.demo import make_duty_demo

        make_duty_demo(world, rng=rng, log=log)
