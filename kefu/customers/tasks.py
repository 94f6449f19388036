"""Background work of customer files: the day's greetings (one beat entry, each morning). Safe to run
twice: the (contact, occasion, year) constraint and the `notified_at` mark decide."""

from celery import shared_task

__all__ = ("customers_care_daily",)


@shared_task(ignore_result=True, acks_late=True)
def customers_care_daily() -> dict:
    from kefu.customers.care import care_generate, care_notify_due

    run = care_generate()
    return {"created": run.created, "notices": care_notify_due()}
