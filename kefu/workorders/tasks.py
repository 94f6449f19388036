"""Periodic work of the work orders: flag orders whose arrival deadline passed (exactly once each)."""

from celery import shared_task


@shared_task(ignore_result=True, acks_late=True)
def workorders_late_sweep() -> int:
    """Safe to run twice or in parallel: each order is claimed by a conditional UPDATE."""
    from kefu.workorders.services import workorders_flag_late

    return workorders_flag_late()
