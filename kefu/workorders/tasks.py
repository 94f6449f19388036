"""Periodic work of the work orders: late arrivals and expiring maintenance contracts (each exactly once)."""

from celery import shared_task


@shared_task(ignore_result=True, acks_late=True)
def workorders_late_sweep() -> int:
    """Safe to run twice or in parallel: each order is claimed by a conditional UPDATE."""
    from kefu.workorders.services import workorders_flag_late
    from kefu.workorders.services.repair_clock import workorders_flag_repair_late

    return workorders_flag_late() + workorders_flag_repair_late()


@shared_task(ignore_result=True, acks_late=True)
def workorders_contract_notices() -> int:
    """Daily: expiry notices of maintenance contracts (D11 15), each exactly once."""
    from kefu.workorders.services import contracts_expiry_notices

    return contracts_expiry_notices()


@shared_task(ignore_result=True, acks_late=True)
def workorders_takeback_late() -> int:
    """Daily: take-back repairs past their promised return day (D11 9), each reported once."""
    from kefu.workorders.services import takebacks_flag_late

    return takebacks_flag_late()


def workorders_register_reconcile() -> int:
    """Hourly: reconcile the register of the day that closed last (D11 13) — once per day (unique day);
    returns how many orders were carried over (0 when the day was done already)."""
    from kefu.workorders.services.register import register_reconcile

    record = register_reconcile()
    return record.carried_over if record else 0
