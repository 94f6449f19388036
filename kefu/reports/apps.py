from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "kefu.reports"
    label = "reports"
    verbose_name = _("Reports")

    def make_demo(self, world: Any, *, rng: Any, log: Any) -> None:
        """After `kefu demo` (called by kefu.core.demo_world.make_app_demos, after the other apps' data):
        the demo's history is back-dated, which the incremental refresh does not look at, so the
        statistics rollup is recounted in full."""
        from kefu.reports.rollup import reports_refresh

        done = reports_refresh(full=True)
        log(f"monthly statistics rollup: {len(done.months)} months, {done.written} rows")
