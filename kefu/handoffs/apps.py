from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HandoffsConfig(AppConfig):
    """The work inbox's hand-off notices: who must act on a case next is told in their inbox.

    The case engine does not know this app: it reacts to `kefu.cases.events` only (docs/inbox.md).
    """

    name = "kefu.handoffs"
    label = "handoffs"
    verbose_name = _("Hand-off notices")

    def ready(self) -> None:
        from kefu.cases import events
        from kefu.cases.choices import EventKind
        from kefu.cases.tasks import register_email_cover
        from kefu.handoffs.messages import register_messages
        from kefu.handoffs.subscribers import handoff_email_cover, notify_handoff

        register_messages()
        events.subscribe(
            "handoffs.notify",
            notify_handoff,
            kinds={EventKind.TRANSITION, EventKind.TRANSFER, EventKind.HANDOVER, EventKind.NOTE},
        )
        # One e-mail per person per event: whom a hand-off notice mails, the engine's change mail leaves out.
        register_email_cover("handoffs.notify", handoff_email_cover)

    def make_demo(self, world: Any, *, rng: Any, log: Any) -> None:
        """Demo hand-off notices (called by kefu.core.demo.make_app_demos)."""
        from kefu.handoffs.demo import make_handoffs_demo

        make_handoffs_demo(world, rng=rng, log=log)
