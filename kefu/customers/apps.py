from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "kefu.customers"
    label = "customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        # The rulebook engine and the inbox sit above this app (they read kefu.customers.choices);
        # they are imported here, once everything is loaded, and never at module level.
        from kefu.customers.rules import CareSection, TiersSection, check_care, check_tiers
        from kefu.customers.timeline import file_entries, register_timeline_source
        from kefu.rulebooks.sections import register_section
        from kefu.sla.inbox import register_message

        register_section("customer_tiers", TiersSection, check=check_tiers)
        register_section("care", CareSection, check=check_care)
        register_timeline_source("file", file_entries)
        register_message(
            "customers.care_due",
            title=_("Greetings to make: %(count)s"),
            body=_(
                "Birthdays and holidays of the customers whose files you keep. Open 今日关怀, greet them and mark how."
            ),
        )
