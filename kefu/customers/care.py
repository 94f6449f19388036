"""Care (关怀): birthday and holiday greetings as tasks, generated daily from the rulebook's `care`
section (kefu.customers.rules.CareSection).

004 D18 第十条: "在重要节假日或客户生日时，对现有的各种级别客户均须编写短信、祝福电话或者邮件问候" — every
customer is greeted on the holidays (through its first contact) and every contact with a birthday on it.

* A holiday falls on the first day of the holiday of that name in the working calendar the section
  names (`kefu.calendars`: 元旦, 春节, 劳动节, 中秋节, 国庆节 — the official schedule per year), so the
  greeting is made before the time off starts. A year the calendar does not know has no such task.
* A 29 February birthday is greeted on 28 February in other years.
* The task is made `days_ahead` days before the occasion; the (contact, occasion, year) constraint
  makes a second run in the same day — or a run after the rulebook changed — create nothing new.
* Whoever is to greet gets one inbox notice per run listing how many greetings are new for them.
"""

from __future__ import annotations

import calendar as pycal
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Min, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.core.exceptions import ForbiddenError
from kefu.customers.choices import HOLIDAY_OCCASIONS, CareChannel, CareOccasion, CareStatus, CustomerEventKind
from kefu.customers.models import CareTask, Contact, Customer
from kefu.customers.services import customer_event_record, site_words

__all__ = (
    "CareRun",
    "care_generate",
    "care_notify_due",
    "care_section",
    "care_task_done",
    "care_tasks_for",
    "holiday_dates",
)

BATCH = 2000


def care_section(version: Any = None) -> Any:
    """The `care` section of `version`, else of the default rulebook's active version; None without."""
    from kefu.core.exceptions import ApplicationError
    from kefu.rulebooks.selectors import rulebook_for_new_case

    if version is None:
        try:
            version = rulebook_for_new_case()
        except ApplicationError:
            return None
    return version.doc.section("care")


def holiday_dates(*, calendar_key: str, years: list[int]) -> dict[tuple[str, int], date]:
    """{(occasion, year): first day of that holiday} from the working calendar's holidays."""
    from kefu.calendars.models import DayKind, SpecialDay

    names = {name: occasion for occasion, name in HOLIDAY_OCCASIONS.items()}
    rows = (
        SpecialDay.objects.filter(
            calendar__key=calendar_key, kind=DayKind.HOLIDAY, name__in=names, date__year__in=years
        )
        .values("name", "date__year")
        .annotate(first=Min("date"))
    )
    return {(names[r["name"]], r["date__year"]): r["first"] for r in rows}


def _birthday_in(birthday: date, year: int) -> date:
    if birthday.month == 2 and birthday.day == 29 and not pycal.isleap(year):
        return date(year, 2, 28)
    return birthday.replace(year=year)


@dataclass
class CareRun:
    created: int = 0
    occasions: int = 0


def _assignees(customer_ids: set[int], role: str) -> dict[int, Any]:
    """{customer id: who greets}: the file's keeper, or with `role` the first active person of that
    role in the keeper's unit (the keeper when there is none)."""
    from kefu.org.models import User

    keepers = dict(Customer.objects.filter(pk__in=customer_ids, owner__isnull=False).values_list("pk", "owner_id"))
    people = {u.pk: u for u in User.objects.filter(pk__in=set(keepers.values())).select_related("unit")}
    if not role:
        return {cid: people.get(uid) for cid, uid in keepers.items()}
    by_unit: dict[int | None, Any] = {}
    result = {}
    for cid, uid in keepers.items():
        keeper = people.get(uid)
        unit_id = keeper.unit_id if keeper else None
        if unit_id not in by_unit:
            by_unit[unit_id] = (
                User.objects.filter(role=role, is_active=True, unit_id=unit_id).order_by("pk").first()
                if unit_id
                else None
            )
        result[cid] = by_unit[unit_id] or keeper
    return result


def _tasks(section: Any, pairs: list[tuple[Contact, str, date]]) -> list[CareTask]:
    assignees = _assignees({c.customer_id for c, _o, _d in pairs}, section.assignee_role)
    tasks = []
    for contact, occasion, when in pairs:
        # The greeting is for the customer: the occasion in the words the calendar uses (元旦, 春节 …),
        # whatever the language of whoever runs the job.
        label = HOLIDAY_OCCASIONS.get(occasion, "生日")
        text = section.template(occasion).format(name=contact.name, occasion=label, customer=contact.customer.name)
        tasks.append(
            CareTask(
                customer_id=contact.customer_id,
                contact=contact,
                occasion=occasion,
                year=when.year,
                occasion_date=when,
                due_date=when,
                assignee=assignees.get(contact.customer_id),
                message=text[:500],
            )
        )
    return tasks


def care_generate(*, today: date | None = None, section: Any = None) -> CareRun:
    """Make the greetings whose occasion falls between `today` and `today + days_ahead` (inclusive).

    Idempotent: existing (contact, occasion, year) tasks are left alone (`ignore_conflicts`)."""
    section = section or care_section()
    run = CareRun()
    if section is None:
        return run
    today = today or timezone.localdate()
    last = today + timedelta(days=section.days_ahead)
    contacts = (
        Contact.objects.filter(customer__is_active=True)
        .select_related("customer")
        .only("id", "name", "customer_id", "birthday", "customer__name")
    )
    if CareOccasion.BIRTHDAY in section.occasions:
        days = [today + timedelta(days=n) for n in range((last - today).days + 1)]
        match = Q()
        for day in days:
            match |= Q(birthday__month=day.month, birthday__day=day.day)
            if day.month == 2 and day.day == 28 and not pycal.isleap(day.year):
                match |= Q(birthday__month=2, birthday__day=29)
        batch: list[tuple[Contact, str, date]] = []
        for contact in contacts.filter(birthday__isnull=False).filter(match).order_by("pk").iterator(BATCH):
            when = next((d for d in days if _birthday_in(contact.birthday, d.year) == d), None)
            if when is not None:
                batch.append((contact, CareOccasion.BIRTHDAY, when))
            if len(batch) >= BATCH:
                run.created += _save(section, batch)
                batch = []
        run.created += _save(section, batch)
        run.occasions += 1
    holidays = [o for o in section.occasions if o in HOLIDAY_OCCASIONS]
    if holidays:
        dates = holiday_dates(calendar_key=section.calendar, years=sorted({today.year, last.year}))
        for (occasion, _year), when in sorted(dates.items(), key=lambda item: item[1]):
            if occasion not in holidays or not today <= when <= last:
                continue
            run.occasions += 1
            # One greeting per customer, to its first contact (the one the file was opened with).
            first = Contact.objects.filter(customer__is_active=True).values("customer_id").annotate(first=Min("pk"))
            batch = []
            for contact in contacts.filter(pk__in=first.values("first")).order_by("pk").iterator(BATCH):
                batch.append((contact, occasion, when))
                if len(batch) >= BATCH:
                    run.created += _save(section, batch)
                    batch = []
            run.created += _save(section, batch)
    return run


def _save(section: Any, pairs: list[tuple[Contact, str, date]]) -> int:
    if not pairs:
        return 0
    tasks = _tasks(section, pairs)
    keys = [(t.contact_id, t.occasion, t.year) for t in tasks]
    existing = set(
        CareTask.objects.filter(contact_id__in=[k[0] for k in keys], occasion__in={k[1] for k in keys}).values_list(
            "contact_id", "occasion", "year"
        )
    )
    fresh = [t for t in tasks if (t.contact_id, t.occasion, t.year) not in existing]
    with transaction.atomic():
        # A parallel run may have written some of them since: the constraint keeps one.
        CareTask.objects.bulk_create(fresh, ignore_conflicts=True)
    return len(fresh)


def care_notify_due(*, today: date | None = None) -> int:
    """One inbox notice per person with greetings not yet announced; marks them announced."""
    from kefu.sla.choices import NoticeKind
    from kefu.sla.inbox import inbox_notify

    today = today or timezone.localdate()
    pending = CareTask.objects.filter(status=CareStatus.DUE, notified_at__isnull=True, assignee__isnull=False)
    counts: dict[int, list[int]] = defaultdict(list)
    for pk, assignee_id in pending.values_list("pk", "assignee_id"):
        counts[assignee_id].append(pk)
    if not counts:
        return 0
    from kefu.org.models import User

    sent = 0
    for person in User.objects.filter(pk__in=counts):
        with transaction.atomic():
            marked = CareTask.objects.filter(pk__in=counts[person.pk], notified_at__isnull=True).update(
                notified_at=timezone.now()
            )
            if marked:
                inbox_notify(
                    recipients=[person],
                    kind=NoticeKind.WORK,
                    code="customers.care_due",
                    params={"count": marked, "date": today.isoformat()},
                    url="/customers/care/",
                )
                sent += 1
    return sent


def care_tasks_for(user: Any, *, today: date | None = None, days_ahead: int = 7) -> QuerySet[CareTask]:
    """The 今日关怀 list: greetings `user` is to make, to do by `today + days_ahead`, earliest first
    (those whose day has passed stay on top until done)."""
    today = today or timezone.localdate()
    if not user.is_authenticated or not user.is_active:
        return CareTask.objects.none()
    return (
        CareTask.objects.filter(
            assignee=user, status=CareStatus.DUE, occasion_date__lte=today + timedelta(days=days_ahead)
        )
        .select_related("customer", "contact")
        .order_by("occasion_date", "pk")
    )


def may_mark_care(user: Any, task: CareTask) -> bool:
    """The person it is assigned to, the keeper of the file, or an administrator."""
    return bool(
        user.is_active
        and (user.is_superuser or user.role == "administrator" or user.pk in (task.assignee_id, task.customer.owner_id))
    )


@transaction.atomic
def care_task_done(*, task: CareTask, actor: Any, channel: str) -> CareTask:
    """Record that the greeting was made and how (phone, SMS, card, visit, e-mail)."""
    from django.core.exceptions import ValidationError

    task = CareTask.objects.select_for_update(of=("self",)).select_related("customer", "contact").get(pk=task.pk)
    if not may_mark_care(actor, task):
        raise ForbiddenError(_("Only the person this greeting is assigned to, or the keeper of the file, marks it."))
    if channel not in CareChannel.values:
        raise ValidationError({"channel": [_("Choose how the greeting was made.")]})
    if task.status == CareStatus.DONE:
        return task
    task.status, task.channel, task.done_at, task.done_by = CareStatus.DONE, channel, timezone.now(), actor
    task.save(update_fields=["status", "channel", "done_at", "done_by", "updated_at"])
    with site_words():
        words = f"{task.get_occasion_display()} · {task.contact.name} · {task.get_channel_display()}"
    customer_event_record(
        customer=task.customer,
        kind=CustomerEventKind.CARE_DONE,
        actor=actor,
        summary=words,
        data={"care_task": task.pk},
    )
    return task
