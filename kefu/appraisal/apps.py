from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppraisalConfig(AppConfig):
    name = "kefu.appraisal"
    label = "appraisal"
    verbose_name = _("Appraisal")

    def ready(self) -> None:
        from kefu.appraisal import subscribers
        from kefu.appraisal.measures import register_case_measures
        from kefu.appraisal.rules import AppraisalSection, check_appraisal
        from kefu.cases import events
        from kefu.rulebooks.sections import register_section

        register_case_measures()
        register_section("appraisal", AppraisalSection, check=check_appraisal)
        # A complaint that stands against a person proposes a penalty (篇2; exactly once per case and person).
        events.subscribe("appraisal.finding_penalty", subscribers.propose_finding_penalty, kinds={"transition"})
        subscribers.register_messages()

    def make_demo(self, world: Any, *, rng: Any, log: Any) -> None:
        """Demo scorecards and ledger entries (called by kefu.core.demo.make_app_demos)."""
        from kefu.appraisal.demo import make_appraisal_demo

        make_appraisal_demo(world, rng=rng, log=log)
