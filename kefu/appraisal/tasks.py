from celery import shared_task


@shared_task(acks_late=True, name="kefu.appraisal.tasks.rollup_refresh_task")
def rollup_refresh_task() -> int:
    """Beat: refresh the dashboards' monthly rollup for the months whose cases changed (idempotent)."""
    from kefu.appraisal.services.rollups import rollup_refresh

    return len(rollup_refresh())
