from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DutyConfig(AppConfig):
    name = "kefu.duty"
    label = "duty"
    verbose_name = _("Duty shifts")

    def ready(self) -> None:
        from kefu.duty.rules import DutySection
        from kefu.rulebooks.sections import register_section

        register_section("duty", DutySection)

    def make_demo(self, world: Any, *, rng: Any, log: Any) -> None:
        """Demo shift patterns and this month's roster (called by kefu.core.demo.make_app_demos)."""
        from kefu.duty.demo import make_duty_demo

        make_duty_demo(world, rng=rng, log=log)
