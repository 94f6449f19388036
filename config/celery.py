import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("kefu")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _beat_schedule(sender: Celery, **kwargs) -> None:
    """The schedule lives in code, so every deployment gets it; exactly one beat process (the
    embedded `kefu run` worker -B, or the one kefu-beat service) drives it. Connected rather than
    set at import because Django's settings are not loaded yet when this module is imported."""
    from django.conf import settings

    seconds = float(settings.KEFU_SLA_SWEEP_SECONDS)
    sender.add_periodic_task(
        seconds,
        sender.signature("kefu.sla.tasks.sla_sweep_task"),
        name="sla-sweep",
        # A sweep queued while no worker ran is stale once the next one is due: drop it, don't pile up.
        expires=max(seconds - 5, 5),
    )
    # The safety net of the case-event seam (kefu.cases.events): each commit queues a dispatch, and
    # this picks up events a killed worker or a lost message left undelivered.
    events_seconds = float(settings.KEFU_EVENTS_SWEEP_SECONDS)
    sender.add_periodic_task(
        events_seconds,
        sender.signature("kefu.cases.tasks.case_events_dispatch"),
        name="case-events-dispatch",
        expires=max(events_seconds - 2, 2),
    )
    # Retention (rulebook `retention:`): archive closed cases whose period has passed, once a day at night.
    from celery.schedules import crontab

    sender.add_periodic_task(
        crontab(hour=2, minute=30),
        sender.signature("kefu.cases.tasks.cases_archive_retention"),
        name="cases-archive-retention",
        expires=6 * 3600,
    )
