from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExportsConfig(AppConfig):
    name = "kefu.exports"
    label = "exports"
    verbose_name = _("Customer data import and export")

    def ready(self) -> None:
        from kefu.customers.imports import register_import_recorder
        from kefu.exports.rules import DataReleaseSection, check_data_release
        from kefu.exports.services import import_batch_record
        from kefu.rulebooks.sections import register_section
        from kefu.sla.inbox import register_message

        register_section("data_release", DataReleaseSection, check=check_data_release)
        register_import_recorder(import_batch_record)
        register_message(
            "exports.approval_wanted",
            title=_("Export of %(rows)s customer records awaits your approval"),
            body=_("%(requester)s asks to export %(rows)s customer records: %(reason)s"),
        )
        register_message(
            "exports.approved",
            title=_("Your export of %(rows)s customer records was approved"),
            body=_("Approved by %(approver)s. Download it before %(expires)s."),
        )
        register_message(
            "exports.refused",
            title=_("Your export of %(rows)s customer records was refused"),
            body=_("Refused by %(approver)s: %(note)s"),
        )

    def make_demo(self, world: Any, *, rng: Any, log: Any) -> None:
        """A bulk export request awaiting approval (called by kefu.core.demo.make_app_demos)."""
        from kefu.exports.demo import make_exports_demo

        make_exports_demo(world, rng=rng, log=log)
