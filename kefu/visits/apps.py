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
        from kefu.visits.subscribers import plan_call_back, plan_order_call_back
        from kefu.workorders import events as order_events

        register_section("visits", VisitsSection, check=check_visits)
        events.subscribe("visits.call_back", plan_call_back, kinds={"transition"}, actions={"close"})
        order_events.subscribe("visits.call_back", plan_order_call_back)
        register_message(
            "visits.report_late",
            title=_("Visit report late: %(customer)s (due %(due)s)"),
            body=_("The report of %(visitor)s's visit to %(customer)s was due on %(due)s and is still missing."),
        )
        register_message(
            "visits.report_returned",
            title=_("Visit report sent back: %(customer)s"),
            body=_("Your supervisor sent the report back: %(comment)s Correct it and submit it again."),
        )
        register_message(
            "visits.extension_requested",
            title=_("More time asked for a visit report: %(customer)s"),
            body=_("%(visitor)s asks to submit the report within a week. Decide on the review page."),
        )
        register_message(
            "visits.flagged",
            title=_("Visit flagged for the ledger: %(person)s (%(what)s)"),
            body=_("The visit to %(customer)s was flagged: %(reason)s Consider a ledger entry for %(person)s."),
        )
        register_message(
            "visits.overdue",
            title=_("Return visit overdue: %(customer)s (due %(due)s)"),
            body=_("The visit to %(customer)s was due on %(due)s. Make it today, or record why it cannot be made."),
        )

    def make_demo(self, world: Any, *, rng: Any, log: Any) -> None:
        """Demo visits on the agents' call-back lists (called by kefu.core.demo.make_app_demos)."""
        from kefu.visits.demo import make_visits_demo

        make_visits_demo(world, rng=rng, log=log)
