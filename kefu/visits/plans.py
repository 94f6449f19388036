"""Plan generation: the visit tasks the rulebook's cadences (`visits.plans`) call for, for every
customer, up to a date (seed-002 Doc 1 1.4: first phone visit one month after go-live, then every six
months; key accounts on site at least yearly; issue 9: projects monthly in their first year, then
quarterly).

A customer's cadence counts from the day its file was opened (`Customer.created_at`): the customer
file has no go-live date yet (docs/visits.md). The visitor is whoever opened the file (none when it
was imported), and the unit is theirs.

Built for a million customers: customers are read in primary-key batches (`iterator`), tasks are
written with one `INSERT … ON CONFLICT DO NOTHING` executemany per batch and transaction, and the database's unique
(customer, plan rule, due date) constraint makes a rerun, or the rest of an interrupted run, add only
what is missing. Memory stays at one batch. Generated tasks carry their origin (`plan_rule`,
`created_at`) instead of a history row each.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

from django.db import connection, transaction
from django.utils import timezone

from kefu.visits.choices import VisitMethod
from kefu.visits.models import VisitTask
from kefu.visits.rules import PlanRuleDef
from kefu.visits.services import default_version, visits_section

__all__ = ("PlanResult", "add_months", "due_dates", "visit_plan_generate")


def add_months(day: date, months: int) -> date:
    """`day` + `months` calendar months, the 31st becoming the month's last day (1-31 + 1 month → 2-28)."""
    total = day.month - 1 + months
    year, month = day.year + total // 12, total % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _months_between(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month


def due_dates(rule: PlanRuleDef, start: date, *, since: date, until: date) -> Iterator[date]:
    """The due dates of `rule` for a customer that started on `start`, from `since` to `until` inclusive."""
    month = rule.first_after_months
    if rule.every_months:
        # Jump over the visits before `since` (a customer of 1990 does not walk 400 months).
        behind = _months_between(start, since) - month - 1
        if behind > 0:
            month += (behind // rule.every_months) * rule.every_months
    while not rule.until_months or month <= rule.until_months:
        due = add_months(start, month)
        if due > until:
            return
        if due >= since:
            yield due
        if not rule.every_months:
            return
        month += rule.every_months


@dataclass
class PlanResult:
    created: dict[str, int] = field(default_factory=dict)  # plan rule → tasks added by this run
    customers: int = 0  # customers read (over all rules)


def visit_plan_generate(*, until: date, since: date | None = None, batch_size: int = 5000) -> PlanResult:
    """Add the planned visits due from `since` (default today) to `until` for every active customer.

    Not one transaction: each batch commits on its own, and the unique constraint makes the next run
    finish what an interrupted one left. A rerun adds nothing.
    """
    from kefu.customers.models import Customer
    from kefu.org.models import User

    since = since or timezone.localdate()
    version = default_version()
    section = visits_section(version) if version is not None else None
    result = PlanResult()
    if section is None:
        return result
    units = dict(User.objects.filter(is_active=True).values_list("pk", "unit_id"))
    tz = timezone.get_current_timezone()
    ops = connection.ops
    for rule in section.plans:
        before = VisitTask.objects.filter(plan_rule=rule.code).count()
        customers = Customer.objects.filter(is_active=True)
        if rule.grades:
            customers = customers.filter(grade__in=rule.grades)
        if rule.customer_types:
            customers = customers.filter(customer_type__in=rule.customer_types)
        rows = customers.order_by("pk").values_list("pk", "created_at", "created_by_id").iterator(chunk_size=batch_size)
        now = ops.adapt_datetimefield_value(timezone.now())
        # The row of every task of this rule but its customer, visitor, unit and due date.
        fixed = (rule.purpose.value, rule.method.value, rule.code, version.pk, rule.questionnaire)
        signature = rule.method == VisitMethod.ON_SITE
        pending: list[tuple] = []
        for customer_id, created_at, opened_by in rows:
            result.customers += 1
            visitor = opened_by if opened_by in units else None
            unit = units.get(visitor) if visitor else None
            for due in due_dates(rule, created_at.astimezone(tz).date(), since=since, until=until):
                pending.append(
                    (now, now, customer_id, *fixed, visitor, unit, ops.adapt_datefield_value(due), signature)
                )
            if len(pending) >= batch_size:
                _write(pending)
                pending = []
        if pending:
            _write(pending)
        result.created[rule.code] = VisitTask.objects.filter(plan_rule=rule.code).count() - before
    return result


_INSERT = (
    "INSERT INTO visits_visittask (created_at, updated_at, customer_id, purpose, method, plan_rule, "
    "rulebook_version_id, questionnaire_code, visitor_id, unit_id, due_date, on_site_signature, "
    "status, attempts, note, cancel_reason, work_order_number, version) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, 'open', 0, '', '', '', 1) "
    # The unique (customer, plan rule, due date) index skips what an earlier run made.
    "ON CONFLICT DO NOTHING"
)


def _write(rows: list[tuple]) -> None:
    """One batch in one transaction (`executemany`: the ORM's per-object work was 90% of the time)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(_INSERT, rows)
