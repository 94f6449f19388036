from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "kefu.cases"
    label = "cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        from kefu.cases import events
        from kefu.cases.tasks import NOTIFY_KINDS, email_owner_and_handler

        events.subscribe("cases.email_owner_and_handler", email_owner_and_handler, kinds=NOTIFY_KINDS)

        from kefu.cases.models import Case
        from kefu.customers.models import register_case_scope

        # Customers reached through cases: never through an anonymous case whose complainant is hidden.
        register_case_scope(lambda user: Case.objects.visible_to(user).identity_visible_to(user).values("customer_id"))

        from kefu.cases.timeline import case_entries, case_event_entries
        from kefu.customers.timeline import register_timeline_source

        register_timeline_source("cases", case_entries)
        register_timeline_source("case_events", case_event_entries)
