import os

from celery import Celery
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# Queues (docs/operations.md, "Workers and queues"). Deadline sweeps and the e-mail pick-up have
# their own queue, so a backlog of other work (thousands of e-mails, an export) never makes a sweep
# wait or expire; e-mail has its own so it does not wait behind anything else either. A worker
# started without -Q consumes all three (the embedded `kefu run` worker does).
SWEEPS_QUEUE = "kefu.sweeps"
MAIL_QUEUE = "kefu.mail"
DEFAULT_QUEUE = "celery"
QUEUES = (SWEEPS_QUEUE, MAIL_QUEUE, DEFAULT_QUEUE)

app = Celery("kefu")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Each queue has its own routing key: bound to the default exchange with the same key, a message
# would be copied into every queue.
app.conf.task_queues = [Queue(name, routing_key=name) for name in QUEUES]
app.conf.task_default_queue = DEFAULT_QUEUE
app.conf.task_routes = {
    "kefu.sla.tasks.sla_sweep_task": {"queue": SWEEPS_QUEUE},
    "kefu.sla.tasks.email_pickup": {"queue": SWEEPS_QUEUE},
    "kefu.sla.tasks.notifications_email": {"queue": MAIL_QUEUE},
    "kefu.cases.tasks.case_notify": {"queue": MAIL_QUEUE},
    # A night's archiving can take a while: on the sweeps' worker, never in front of a request's tasks.
    "kefu.cases.tasks.cases_archive_retention": {"queue": SWEEPS_QUEUE},
}
app.autodiscover_tasks()


@app.on_after_configure.connect
def _beat_schedule(sender: Celery, **kwargs) -> None:
    """The schedule lives in code, so every deployment gets it; exactly one beat process (the
    embedded `kefu run` worker -B, or the one kefu-beat service) drives it. Connected rather than
    set at import because Django's settings are not loaded yet when this module is imported."""
    from django.conf import settings

    # E-mail whose task was lost with its worker or broker message, or that a dead worker held:
    # sent within KEFU_EMAIL_CLAIM_SECONDS + this interval (kefu/sla/mail.py).
    pickup = float(settings.KEFU_EMAIL_PICKUP_SECONDS)
    sender.add_periodic_task(
        pickup, sender.signature("kefu.sla.tasks.email_pickup"), name="email-pickup", expires=max(pickup - 2, 2)
    )
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
    # Work orders past their arrival deadline (kefu.workorders, docs/workorders.md): flagged once, people told.
    sender.add_periodic_task(
        seconds,
        sender.signature("kefu.workorders.tasks.workorders_late_sweep"),
        name="workorders-late-sweep",
        expires=max(seconds - 5, 5),
    )
    # Retention (rulebook `retention:`): archive closed cases whose period has passed, once a day at night.
    from celery.schedules import crontab

    # Maintenance contracts ending within the rulebook's notice days (kefu.workorders, D11 15): once each.
    sender.add_periodic_task(
        crontab(hour=7, minute=30),
        sender.signature("kefu.workorders.tasks.workorders_contract_notices"),
        name="workorders-contract-notices",
        expires=6 * 3600,
    )
    # Take-back repairs past their promised return day (kefu.workorders, D11 9): once each, to the supervisors.
    sender.add_periodic_task(
        crontab(hour=7, minute=40),
        sender.signature("kefu.workorders.tasks.workorders_takeback_late"),
        name="workorders-takeback-late",
        expires=6 * 3600,
    )
    # The repair register of the day that just closed (kefu.workorders, D11 13): hourly, made once per day.
    sender.add_periodic_task(
        crontab(minute=5),
        sender.signature("kefu.workorders.tasks.workorders_register_reconcile"),
        name="workorders-register-reconcile",
        expires=3000,
    )
    sender.add_periodic_task(
        crontab(hour=2, minute=30),
        sender.signature("kefu.cases.tasks.cases_archive_retention"),
        name="cases-archive-retention",
        expires=6 * 3600,
    )
    # Appraisal dashboards: the monthly rollup, refreshed for the months whose cases changed (kefu.appraisal).
    sender.add_periodic_task(
        600.0, sender.signature("kefu.appraisal.tasks.rollup_refresh_task"), name="appraisal-rollup", expires=590
    )
    # Monthly statistics (/reports/monthly/): the rollup organisation-wide readers read, refreshed for
    # the months whose cases changed (kefu.reports).
    sender.add_periodic_task(
        600.0, sender.signature("kefu.reports.tasks.reports_refresh_task"), name="reports-rollup", expires=590
    )
    # Scheduled reports (rulebook appraisal.reports: 篇9 statistics by the 10th, 篇11 weekly/monthly
    # reports): early each morning, those owed by today; the ledger drafts from work orders (篇8 9.4, 9.5).
    sender.add_periodic_task(
        crontab(hour=6, minute=0),
        sender.signature("kefu.appraisal.tasks.reports_generate_task"),
        name="appraisal-reports",
        expires=6 * 3600,
    )
    sender.add_periodic_task(
        crontab(hour=1, minute=40),
        sender.signature("kefu.appraisal.tasks.ledger_sources_task"),
        name="appraisal-ledger-sources",
        expires=6 * 3600,
    )
    # Care (kefu.customers, docs/customers.md): the birthday and holiday greetings of the coming days, each morning.
    sender.add_periodic_task(
        crontab(hour=6, minute=40),
        sender.signature("kefu.customers.tasks.customers_care_daily"),
        name="customers-care-daily",
        expires=6 * 3600,
    )
    # Return visits (kefu.visits): the planned visits of the coming weeks, then notices of the
    # visits past due, once a night.
    sender.add_periodic_task(
        crontab(hour=3, minute=10),
        sender.signature("kefu.visits.tasks.visits_daily"),
        name="visits-daily",
        expires=6 * 3600,
    )
