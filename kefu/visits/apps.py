from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VisitsConfig(AppConfig):
    name = "kefu.visits"
    label = "visits"
    verbose_name = _("Return visits")

    def ready(self) -> None:
        from kefu.cases import events
        from kefu.rulebooks.sections import register_section
        from kefu.sla.inbox import register_message
        from kefu.visits.rules import VisitsSection, check_visits
        from kefu.visits.subscribers import plan_call_back

        register_section("visits", VisitsSection, check=check_visits)

        from kefu.customers.timeline import register_timeline_source
        from kefu.visits.timeline import survey_entries, visit_entries

        register_timeline_source("visits", visit_entries)
        register_timeline_source("surveys", survey_entries)
        events.subscribe("visits.call_back", plan_call_back, kinds={"transition"}, actions={"close"})
        register_message(
            "visits.overdue",
            title=_("Return visit overdue: %(customer)s (due %(due)s)"),
            body=_("The visit to %(customer)s was due on %(due)s. Make it today, or record why it cannot be made."),
        )

    def make_demo(self, world: Any, *, rng: Any, log: Any) -> None:
        """Demo visits on the agents' call-back lists (called by kefu.core.demo.make_app_demos)."""
        from kefu.visits.demo import make_visits_demo

        make_visits_demo(world, rng=rng, log=log)
