"""Sweeps and the e-mail pick-up have a queue of their own, mail has its own, and the embedded default
worker consumes every queue (a worker started without -Q does too)."""

from config.celery import DEFAULT_QUEUE, MAIL_QUEUE, QUEUES, SWEEPS_QUEUE, app
from kefu.core.management.commands.run import embedded_worker_command


def queue_of(task: str) -> str:
    return app.amqp.router.route({}, task)["queue"].name


def test_sweeps_and_the_pickup_do_not_wait_behind_other_work():
    assert queue_of("kefu.sla.tasks.sla_sweep_task") == SWEEPS_QUEUE
    assert queue_of("kefu.sla.tasks.email_pickup") == SWEEPS_QUEUE
    assert queue_of("kefu.sla.tasks.notifications_email") == MAIL_QUEUE
    assert queue_of("kefu.cases.tasks.case_notify") == MAIL_QUEUE
    assert queue_of("kefu.reports.tasks.some_future_export") == DEFAULT_QUEUE


def test_each_queue_has_its_own_routing_key_and_a_plain_worker_consumes_all():
    queues = app.amqp.queues
    assert set(queues) == set(QUEUES)
    # One binding key per queue: with a shared key a message would be copied into every queue.
    assert len({queues[name].routing_key for name in QUEUES}) == len(QUEUES)


def test_beat_runs_the_sweep_and_the_email_pickup():
    schedule = app.conf.beat_schedule
    assert schedule["sla-sweep"]["task"] == "kefu.sla.tasks.sla_sweep_task"
    assert schedule["email-pickup"]["task"] == "kefu.sla.tasks.email_pickup"


def test_the_embedded_worker_runs_beat_and_consumes_every_queue():
    command = embedded_worker_command()
    assert "-B" in command
    assert set(command[command.index("-Q") + 1].split(",")) == set(QUEUES)
