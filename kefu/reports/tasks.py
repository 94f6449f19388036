from celery import shared_task


@shared_task(acks_late=True, name="kefu.reports.tasks.reports_refresh_task")
def reports_refresh_task() -> int:
    """Beat: bring the monthly statistics rollup up to date (the months whose cases changed; idempotent)."""
    from kefu.reports.rollup import reports_refresh

    return reports_refresh().written
