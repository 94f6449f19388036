"""Background work of exports: making an approved export's file. Safe to run twice: the request's
status decides (only an approved request is produced, once)."""

from celery import shared_task

__all__ = ("export_request_produce_task",)


@shared_task(ignore_result=True, acks_late=True, autoretry_for=(Exception,), max_retries=3, retry_backoff=True)
def export_request_produce_task(request_id: int) -> None:
    from kefu.exports.services import export_request_produce

    export_request_produce(request_id=request_id)
