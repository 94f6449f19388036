from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "kefu.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from django.core.signals import request_finished

        from kefu.core.uploads import discard_uncommitted_files

        # An upload whose transaction rolled back leaves no file (kefu.core.uploads).
        request_finished.connect(discard_uncommitted_files, dispatch_uid="kefu.discard_uncommitted_files")
        try:
            from celery.signals import task_postrun
        except ImportError:  # pragma: no cover - Celery is a dependency; kept importable without it
            return
        task_postrun.connect(discard_uncommitted_files, weak=False, dispatch_uid="kefu.discard_uncommitted_files")
