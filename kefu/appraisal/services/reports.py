"""Scheduled reports (rulebook `appraisal.reports[]`; 篇9 monthly statistics before the 10th, 篇11
weekly and monthly supervision reports and the bulletin before the 20th; half-yearly and annual):
the figures, stored with their PDF and Excel files, e-mailed after commit with a link.

`reports_generate_due(today=)` (beat, daily) makes every report owed by `today` that is not stored
yet; `report_generate` is idempotent by the one-report-per-(report, period, unit) constraint, so a
worker killed half-way and run again stores it once and mails it once.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.appraisal.choices import EntryStatus, ReportContent
from kefu.appraisal.models import LedgerEntry, MonthlyRollup, Scorecard, StoredReport
from kefu.appraisal.schedule import owed
from kefu.appraisal.services.rules import appraisal_rules

if TYPE_CHECKING:
    from kefu.appraisal.rules import ReportDef
    from kefu.org.models import OrgUnit, User
    from kefu.rulebooks.models import RulebookVersion

__all__ = ("report_data", "report_email", "report_generate", "report_recipients", "reports_generate_due")

log = logging.getLogger(__name__)


def _aware(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _rate(met: int, total: int) -> str:
    return f"{Decimal(100) * met / total:.1f}" if total else ""


def _whole_months(start: date, end: date) -> bool:
    return start.day == 1 and (end + timedelta(days=1)).day == 1


def _statistics(unit: OrgUnit, start: date, end: date) -> list[dict[str, Any]]:
    """Per unit below `unit`: received, closed, deadlines stopped and met, breaches. Whole months come
    from the monthly rollup (no scan of the cases); a day or a week is counted from the cases."""
    if _whole_months(start, end):
        rows = (
            MonthlyRollup.objects.filter(month__gte=start, month__lte=end, unit__path__startswith=unit.path)
            .values(name=F("unit__name"), path=F("unit__path"))
            .annotate(
                received=Sum("received"),
                closed=Sum("closed"),
                clocks=Sum("clocks"),
                met=Sum("clocks_met"),
                breaches=Sum("breaches"),
            )
            .order_by("path")
        )
        return [_stat_row(r) for r in rows]
    from kefu.cases.models import Case
    from kefu.sla.choices import ClockStatus
    from kefu.sla.models import Clock

    lo, hi = _aware(start), _aware(end + timedelta(days=1))
    in_unit = Q(responsible_unit__path__startswith=unit.path) | Q(
        responsible_unit__isnull=True, receiving_unit__path__startswith=unit.path
    )
    counts: dict[int, dict[str, Any]] = {}
    cases = (
        Case.objects.filter(in_unit)
        .filter(Q(received_at__gte=lo, received_at__lt=hi) | Q(closed_at__gte=lo, closed_at__lt=hi))
        .values(u=Coalesce(F("responsible_unit"), F("receiving_unit")))
        .annotate(
            received=Count("pk", filter=Q(received_at__gte=lo, received_at__lt=hi)),
            closed=Count("pk", filter=Q(closed_at__gte=lo, closed_at__lt=hi)),
        )
        .order_by()
    )
    for r in cases:
        counts.setdefault(r["u"], {}).update(received=r["received"], closed=r["closed"])
    in_case_unit = Q(case__responsible_unit__path__startswith=unit.path) | Q(
        case__responsible_unit__isnull=True, case__receiving_unit__path__startswith=unit.path
    )
    clocks = (
        Clock.objects.filter(in_case_unit, stopped_at__gte=lo, stopped_at__lt=hi)
        .values(u=Coalesce(F("case__responsible_unit"), F("case__receiving_unit")))
        .annotate(
            clocks=Count("pk", filter=Q(status__in=[ClockStatus.MET, ClockStatus.MISSED])),
            met=Count("pk", filter=Q(status=ClockStatus.MET)),
        )
        .order_by()
    )
    for r in clocks:
        counts.setdefault(r["u"], {}).update(clocks=r["clocks"], met=r["met"], breaches=r["clocks"] - r["met"])
    from kefu.org.models import OrgUnit

    units = {u.pk: u for u in OrgUnit.objects.filter(pk__in=counts)}
    rows = [{"name": units[pk].name, "path": units[pk].path, **figures} for pk, figures in counts.items()]
    return [_stat_row(r) for r in sorted(rows, key=lambda r: r["path"])]


def _stat_row(r: dict[str, Any]) -> dict[str, Any]:
    clocks, met = r.get("clocks") or 0, r.get("met") or 0
    return {
        "unit": r["name"],
        "received": r.get("received") or 0,
        "closed": r.get("closed") or 0,
        "clocks": clocks,
        "met": met,
        "rate": _rate(met, clocks),
        "breaches": r.get("breaches") or 0,
    }


def _scorecards(unit: OrgUnit, start: date, end: date) -> list[dict[str, Any]]:
    """The ranking of the score runs of this unit whose period starts within the report's period."""
    cards = (
        Scorecard.objects.filter(
            run__unit=unit, run__period_start__gte=start, run__period_start__lte=end, person__isnull=False
        )
        .select_related("run", "person__unit")
        .order_by("run__period_start", "run__period_kind", "rank", "pk")
    )
    return [
        {
            "period": f"{c.run.period_start:%Y-%m}",
            "status": c.run.get_status_display(),
            "rank": c.rank,
            "person": str(c.person),
            "unit": c.person.unit.name if c.person.unit_id else "",
            "total": f"{c.total}",
        }
        for c in cards
    ]


def _ledger(unit: OrgUnit, start: date, end: date) -> list[dict[str, Any]]:
    """Rewards and penalties proposed in the period for people of the unit, by reason (rejected ones left out)."""
    rows = (
        LedgerEntry.objects.filter(
            person__unit__path__startswith=unit.path,
            created_at__gte=_aware(start),
            created_at__lt=_aware(end + timedelta(days=1)),
        )
        .exclude(status=EntryStatus.REJECTED)
        .values("kind", "reason_label")
        .annotate(
            entries=Count("pk"),
            approved=Count("pk", filter=Q(status=EntryStatus.APPROVED)),
            amount=Sum("amount"),
            points=Sum("points"),
        )
        .order_by("kind", "reason_label")
    )
    kinds = dict(LedgerEntry._meta.get_field("kind").choices)
    return [
        {
            "kind": str(kinds.get(r["kind"], r["kind"])),
            "reason": r["reason_label"],
            "entries": r["entries"],
            "approved": r["approved"],
            "amount": f"{r['amount'] or 0:.2f}",
            "points": f"{r['points'] or 0:.2f}",
        }
        for r in rows
    ]


def _trend(unit: OrgUnit, end: date) -> list[dict[str, Any]]:
    """Twelve months up to the period's end, from the rollup: received, deadlines met, breaches."""
    first = end.replace(day=1)
    months = [first]
    for _i in range(11):
        months.append((months[-1] - timedelta(days=1)).replace(day=1))
    months.reverse()
    rows = {
        r["month"]: r
        for r in MonthlyRollup.objects.filter(month__gte=months[0], month__lte=first, unit__path__startswith=unit.path)
        .values("month")
        .annotate(received=Sum("received"), clocks=Sum("clocks"), met=Sum("clocks_met"), breaches=Sum("breaches"))
        .order_by()
    }
    out = []
    for m in months:
        r = rows.get(m, {})
        out.append(
            {
                "month": f"{m:%Y-%m}",
                "received": r.get("received") or 0,
                "rate": _rate(r.get("met") or 0, r.get("clocks") or 0),
                "breaches": r.get("breaches") or 0,
            }
        )
    return out


def report_data(*, unit: OrgUnit, start: date, end: date, contents: list[str]) -> dict[str, Any]:
    """The figures of one report, as JSON-ready rows per content (the fixed vocabulary ReportContent)."""
    data: dict[str, Any] = {}
    for content in contents:
        if content == ReportContent.STATISTICS:
            data[content] = _statistics(unit, start, end)
        elif content == ReportContent.SCORECARDS:
            data[content] = _scorecards(unit, start, end)
        elif content == ReportContent.LEDGER:
            data[content] = _ledger(unit, start, end)
        elif content == ReportContent.TREND:
            data[content] = _trend(unit, end)
    return data


def report_recipients(*, unit: OrgUnit, roles: list[str]) -> list[User]:
    """Active people with an address holding one of `roles` in the report's unit, below it, or above it
    (the leadership that the unit reports to, e.g. the GM in 总经理办公室 gets the organisation's report)."""
    from kefu.org.models import User

    people = User.objects.filter(is_active=True, role__in=roles).exclude(email="")
    if unit.parent_id is not None:  # a root unit's report goes to everyone with the roles
        above = [unit.path[:i] for i in range(1, len(unit.path) + 1) if unit.path[i - 1] == "/"]
        people = people.filter(Q(unit__path__startswith=unit.path) | Q(unit__path__in=above))
    return list(people.order_by("pk"))


def report_generate(
    *, defn: ReportDef, start: date, end: date, unit: OrgUnit, version: RulebookVersion
) -> tuple[StoredReport, bool]:
    """Store one report (figures, PDF, Excel, SHA-256s) once; mail it after commit. Returns (report, created)."""
    from kefu.appraisal.documents import report_pdf, report_xlsx

    existing = StoredReport.objects.filter(code=defn.code, period_start=start, unit=unit).first()
    if existing is not None:
        return existing, False
    data = report_data(unit=unit, start=start, end=end, contents=list(defn.contents))
    report = StoredReport(
        code=defn.code,
        label=defn.label,
        period_kind=defn.period,
        period_start=start,
        period_end=end,
        unit=unit,
        rulebook_version=version,
        data=data,
        recipients=[u.pk for u in report_recipients(unit=unit, roles=list(defn.roles))],
    )
    pdf, xlsx = report_pdf(report), report_xlsx(report)
    name = f"{defn.code}-{unit.code}-{start:%Y%m%d}"
    try:
        with transaction.atomic():
            report.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
            report.xlsx_sha256 = hashlib.sha256(xlsx).hexdigest()
            report.pdf.save(f"{name}.pdf", ContentFile(pdf), save=False)
            report.xlsx.save(f"{name}.xlsx", ContentFile(xlsx), save=False)
            report.save()
    except IntegrityError:
        # Another worker stored it between our look and our insert: theirs stands, and they mail it.
        return StoredReport.objects.get(code=defn.code, period_start=start, unit=unit), False
    transaction.on_commit(lambda pk=report.pk: _queue_email(pk))
    return report, True


def _queue_email(pk: int) -> None:
    from kefu.appraisal.tasks import report_email_task

    report_email_task.delay(pk)


def report_email(*, report_id: int) -> int:
    """Mail the report to its recipients with an absolute link to it (KEFU_SITE_URL), once: the row is
    claimed by a conditional update before sending, so two workers never both send it. Returns mails sent."""
    from kefu.org.models import User
    from kefu.sla.mail import site_url

    claimed = StoredReport.objects.filter(pk=report_id, emailed_at__isnull=True).update(emailed_at=timezone.now())
    if not claimed:
        return 0
    report = StoredReport.objects.select_related("unit").get(pk=report_id)
    addresses = sorted(
        set(
            User.objects.filter(pk__in=report.recipients, is_active=True)
            .exclude(email="")
            .values_list("email", flat=True)
        )
    )
    if not addresses:
        return 0
    link = site_url() + reverse("appraisal:report", args=[report.pk])
    subject = _("%(report)s · %(unit)s · %(start)s – %(end)s") % {
        "report": report.label,
        "unit": report.unit.name,
        "start": report.period_start,
        "end": report.period_end,
    }
    body = _("The report is ready. Open it, or download it as PDF or Excel:\n\n%(link)s") % {"link": link}
    message = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, addresses)
    try:
        message.send()
    except OSError:
        # Not sent: release the claim so the next run of the beat task sends it.
        StoredReport.objects.filter(pk=report_id).update(emailed_at=None)
        log.warning("report %s not mailed; the next run retries", report_id, exc_info=True)
        return 0
    return len(addresses)


def reports_generate_due(*, today: date | None = None) -> list[StoredReport]:
    """Every report the active rulebook owes by `today` that is not stored yet (catching up a missed
    day), and the mail of any stored report whose mail did not go out. Returns the reports made."""
    from kefu.appraisal.services.rollups import rollup_refresh
    from kefu.org.models import OrgUnit

    today = today or timezone.localdate()
    version, section = appraisal_rules()
    if not section.reports:
        return []
    rollup_refresh()  # the monthly statistics read the rollup: bring it up to date first
    root = OrgUnit.objects.filter(parent__isnull=True).order_by("path").first()
    made = []
    for defn in section.reports:
        due = owed(defn, today)
        units = list(OrgUnit.objects.filter(code__in=defn.units)) if defn.units else [root]
        missing = set(defn.units) - {u.code for u in units}
        if missing:
            log.warning("report %s names unknown units %s; made for the others", defn.code, sorted(missing))
        for unit in units:
            if unit is None:
                continue
            with transaction.atomic():
                report, created = report_generate(defn=defn, start=due.start, end=due.end, unit=unit, version=version)
            if created:
                made.append(report)
    made_ids = {r.pk for r in made}
    for pk, recipients in StoredReport.objects.filter(emailed_at__isnull=True).values_list("pk", "recipients"):
        if recipients and pk not in made_ids:
            _queue_email(pk)
    return made
