from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KnowledgeConfig(AppConfig):
    name = "kefu.knowledge"
    label = "knowledge"
    verbose_name = _("Knowledge and scripts")

    def ready(self) -> None:
        from kefu.cases import events
        from kefu.cases.choices import EventKind
        from kefu.cases.textchecks import register_text_check
        from kefu.knowledge.rules import ServiceLanguageSection, check_service_language
        from kefu.knowledge.subscribers import record_text_check_overrides
        from kefu.knowledge.taboo import taboo_check
        from kefu.rulebooks.sections import register_section

        register_section("service_language", ServiceLanguageSection, check=check_service_language)
        register_text_check("knowledge.taboo", taboo_check)
        events.subscribe(
            "knowledge.text_check_overrides",
            record_text_check_overrides,
            kinds={EventKind.NOTE, EventKind.TRANSITION},
        )

    def make_demo(self, world: Any, *, rng: Any, log: Any) -> None:
        """Demo articles, templates and scripts (called by kefu.core.demo.make_app_demos)."""
        from kefu.knowledge.demo import make_knowledge_demo

        make_knowledge_demo(world, rng=rng, log=log)
