from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkordersConfig(AppConfig):
    name = "kefu.workorders"
    label = "workorders"
    verbose_name = _("Field service work orders")

    def ready(self) -> None:
        from kefu.cases import events
        from kefu.rulebooks.sections import register_section
        from kefu.sla.inbox import register_message
        from kefu.workorders.rules import FieldServiceSection, check_field_service
        from kefu.workorders.subscribers import create_order_for_routed_case

        register_section("field_service", FieldServiceSection, check=check_field_service)
        # Appraisal measures and ledger sources (kefu/workorders/measures.py, docs/appraisal.md).
        from kefu.workorders.measures import register_appraisal

        register_appraisal()

        from kefu.customers.timeline import register_file_panel, register_timeline_source
        from kefu.workorders.timeline import equipment_panel, order_entries, orders_panel

        register_timeline_source("work_orders", order_entries)
        register_file_panel("equipment", equipment_panel)
        register_file_panel("work_orders", orders_panel)
        events.subscribe("workorders.routed_repair", create_order_for_routed_case, actions={"route"})
        register_message(
            "workorders.dispatched",
            title=_("Work order %(number)s dispatched to you"),
            body=_("Open the order for the customer and address; book the visit with the customer first."),
        )
        register_message(
            "workorders.late",
            title=_("Work order %(number)s: arrival deadline passed"),
            body=_("Nobody has arrived on site within the working hours the rules allow."),
        )
        register_message(
            "workorders.repair_late",
            title=_("Work order %(number)s: repair deadline passed"),
            body=_("The repair was not finished within the limit the rules allow, nor extended in time."),
        )
        register_message(
            "workorders.carried_over",
            title=_("%(count)s work orders were not dispatched on %(day)s"),
            body=_("They head tomorrow's dispatch list: dispatch them first."),
        )
        register_message(
            "workorders.contract_expiring",
            title=_("Maintenance contract %(number)s ends on %(end)s"),
            body=_("Send the expiry notice and visit the customer to renew it: work order %(order)s."),
        )
        register_message(
            "workorders.takeback_late",
            title=_("Work order %(number)s: the repaired goods were promised for %(promised)s"),
            body=_("Receipt %(receipt)s is past its promised return day: help the technician finish (D11 9)."),
        )
        register_message(
            "workorders.contractor_approval",
            title=_("Work order %(number)s: approve sending it to %(contractor)s"),
            body=_("Open the order to approve or refuse; it goes to the contractor only after approval."),
        )
        register_message(
            "workorders.contractor_decided",
            title=_("Work order %(number)s → %(contractor)s: %(decision)s"),
            body=_("Open the order for the decision and its note."),
        )

    def make_demo(self, world: Any, *, rng: Any, log: Any) -> None:
        """Demo equipment and work orders (called by kefu.core.demo.make_app_demos)."""
        from kefu.workorders.demo import make_workorders_demo

        make_workorders_demo(world, rng=rng, log=log)
