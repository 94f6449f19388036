from celery import shared_task


@shared_task(acks_late=True, name="kefu.appraisal.tasks.rollup_refresh_task")
def rollup_refresh_task() -> int:
    """Beat: refresh the dashboards' monthly rollup for the months whose cases changed (idempotent)."""
    from kefu.appraisal.services.rollups import rollup_refresh

    return len(rollup_refresh())


@shared_task(acks_late=True, name="kefu.appraisal.tasks.reports_generate_task")
def reports_generate_task() -> int:
    """Beat, daily: the scheduled reports owed by today (idempotent: one per report, period and unit)."""
    from kefu.appraisal.services.reports import reports_generate_due

    return len(reports_generate_due())


@shared_task(acks_late=True, name="kefu.appraisal.tasks.report_email_task")
def report_email_task(report_id: int) -> int:
    """After commit: mail a stored report to its recipients with a link (once: the row is claimed first)."""
    from kefu.appraisal.services.reports import report_email

    return report_email(report_id=report_id)


@shared_task(acks_late=True, name="kefu.appraisal.tasks.ledger_sources_task")
def ledger_sources_task() -> int:
    """Beat, daily: draft the ledger entries other apps' records call for (篇8 9.4 返修, 9.5 未签收), once each."""
    from kefu.appraisal.services.sources import ledger_sources_collect

    return len(ledger_sources_collect())
