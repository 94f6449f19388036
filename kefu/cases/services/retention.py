"""Retention: closed cases are archived (never deleted) once their rulebook's period has passed.

`retention: {archive_after: 1 years, variants: [{when: "fields.important", archive_after: 3 years}]}`
on a case type (000 篇12: records are kept one year, important ones longer). The periodic task
`cases_archive_retention` calls `cases_archive_due`, which archives each due case through
`case_archive_by_retention`: locked, versioned, recorded like any change, by Kefu's system actor.
"""

from __future__ import annotations

import calendar
import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.cases.changes import case_lock, case_record_change, system_actor
from kefu.cases.choices import CaseStatus, EventKind
from kefu.cases.facts import condition_holds
from kefu.cases.models import Case
from kefu.rulebooks.choices import StateKind, TransitionAction
from kefu.rulebooks.models import RulebookVersion
from kefu.rulebooks.policies import RetentionPeriod
from kefu.rulebooks.selectors import rulebook_doc

__all__ = ("archive_after", "case_archive_by_retention", "cases_archive_due", "retention_period")


def _add_period(moment: dt.datetime, period: RetentionPeriod) -> dt.datetime:
    if period.unit == "days":
        return moment + dt.timedelta(days=period.amount)
    months = period.amount * (12 if period.unit == "years" else 1)
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])  # 29 Feb + 1 year = 28 Feb
    return moment.replace(year=year, month=month, day=day)


def retention_period(case: Case) -> RetentionPeriod | None:
    """The case's retention period: the first variant whose condition holds, else the default."""
    retention = case.type_def.retention
    if retention is None:
        return None
    for variant in retention.variants:
        if condition_holds(case, variant.when):
            return variant.archive_after
    return retention.archive_after


def archive_after(case: Case) -> dt.datetime | None:
    """When a closed case is due for archiving (in the site's zone, from `closed_at`), or None."""
    period = retention_period(case)
    if period is None or case.closed_at is None:
        return None
    return _add_period(timezone.localtime(case.closed_at), period)


def _archive_stage(case: Case) -> str:
    """Where an archived case stands: the target of the `archive` transition from its stage, else the
    case type's first archived state (the rulebook check makes sure one exists)."""
    type_def = case.type_def
    for td in type_def.transitions_from(case.stage):
        if td.action == TransitionAction.ARCHIVE:
            return td.to
    return next((code for code, s in type_def.states.items() if s.kind == StateKind.ARCHIVED), case.stage)


@transaction.atomic
def case_archive_by_retention(*, case: Case | int, now: dt.datetime | None = None) -> bool:
    """Archive one closed case whose retention period has passed. Returns False (and changes nothing)
    when it is not (or no longer) due: reopened, archived by someone, or not due yet."""
    now = now or timezone.now()
    case = case_lock(case, expected_version=None)
    due = archive_after(case)
    if case.status != CaseStatus.CLOSED or due is None or due > now:
        return False
    from_stage, from_status = case.stage, case.status
    case.stage = _archive_stage(case)
    case.status, case.archived_at = CaseStatus.ARCHIVED, now
    period = retention_period(case)
    case_record_change(
        case,
        actor=system_actor(),
        kind=EventKind.RETENTION,
        fields=["stage", "status", "archived_at"],
        from_stage=from_stage,
        from_status=from_status,
        message=_("Archived: closed on %(closed)s, kept %(period)s as the rulebook says.")
        % {"closed": timezone.localtime(case.closed_at).strftime("%Y-%m-%d"), "period": str(period)},
        data={"retention": str(period), "closed_at": case.closed_at.isoformat()},
    )
    return True


def cases_archive_due(*, now: dt.datetime | None = None, batch: int = 500) -> int:
    """Archive closed cases whose retention has passed, at most `batch` per call (the task runs daily
    and repeats while a batch is full). Only case types with a `retention` are looked at."""
    now = now or timezone.now()
    targets: list[tuple[int, str, dt.datetime]] = []
    for version in RulebookVersion.objects.only("id", "sha256"):
        doc = rulebook_doc(version)
        for code, type_def in doc.case_types.items():
            retention = type_def.retention
            if retention is None:
                continue
            periods = [retention.archive_after, *(v.archive_after for v in retention.variants)]
            # No case closed after the shortest period's cut-off can be due: only older ones are read.
            # (Two days of margin: a year is 365 or 366 days; each candidate is checked exactly.)
            shortest = min(_add_period(now, p) - now for p in periods)
            targets.append((version.pk, code, now - shortest + dt.timedelta(days=2)))
    archived = 0
    for version_id, code, cutoff in targets:
        # Candidates in id order, a chunk at a time: cases kept longer by a variant (important records)
        # are skipped without holding up the ones behind them.
        last_id = 0
        while archived < batch:
            ids = list(
                Case.objects.filter(
                    rulebook_version_id=version_id,
                    case_type=code,
                    status=CaseStatus.CLOSED,
                    closed_at__lte=cutoff,
                    id__gt=last_id,
                )
                .order_by("id")
                .values_list("id", flat=True)[:1000]
            )
            if not ids:
                break
            for case_id in ids:
                if archived >= batch:
                    break
                if case_archive_by_retention(case=case_id, now=now):
                    archived += 1
            last_id = ids[-1]
    return archived
