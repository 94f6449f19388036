"""Plan generation across each cadence of the service-complaint preset's visits section, reruns, and overdue notices.

Window: 2026-12-01 … 2027-12-31. Cadences: first_phone +1 month; routine_phone +7 then every 6;
key_on_site (grade key) +12 then every 12; project_monthly (enterprise, government) +1 every 1 until
+12; project_quarterly +15 every 3.
"""

from datetime import date, datetime, time

from django.utils import timezone

from kefu.customers.models import Customer
from kefu.customers.services import customer_create
from kefu.sla.models import Notification
from kefu.visits.choices import VisitMethod, VisitStatus
from kefu.visits.models import VisitTask
from kefu.visits.plans import add_months, visit_plan_generate
from kefu.visits.services import visit_overdue_notify

SINCE, UNTIL = date(2026, 12, 1), date(2027, 12, 31)


def _customer(name, phone, started, *, actor=None, **extra):
    customer = customer_create(name=name, phone=phone, actor=actor, **extra)
    Customer.objects.filter(pk=customer.pk).update(created_at=timezone.make_aware(datetime.combine(started, time(10))))
    return customer


def _plan(customer):
    return sorted((t.plan_rule, t.due_date.isoformat()) for t in VisitTask.objects.filter(customer=customer))


def test_add_months_keeps_the_day_or_takes_the_months_last():
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2025, 8, 31), 6) == date(2026, 2, 28)
    assert add_months(date(2026, 11, 15), 13) == date(2027, 12, 15)


def test_each_cadence_gives_the_dates_worked_out_by_hand(org, visits_rulebook):
    new = _customer("张伟", "13900000001", date(2026, 11, 15), actor=org.agent)
    old = _customer("李娜", "13900000002", date(2025, 1, 31))
    key = _customer("杭州大厦", "13900000003", date(2026, 10, 1), grade="key")
    project = _customer("西湖区政务中心", "13900000004", date(2026, 6, 10), customer_type="enterprise")
    gone = _customer("王芳", "13900000005", date(2026, 11, 15))
    Customer.objects.filter(pk=gone.pk).update(is_active=False)

    result = visit_plan_generate(since=SINCE, until=UNTIL, batch_size=3)

    # +1 = 12-15; +7 = 2027-06-15, +13 = 2027-12-15
    assert _plan(new) == [
        ("first_phone", "2026-12-15"),
        ("routine_phone", "2027-06-15"),
        ("routine_phone", "2027-12-15"),
    ]
    # 2025-01-31: routine +7 = 2025-08-31, +13 = 2026-02-28, +19 = 08-31, +25 = 2027-02-28, +31 = 2027-08-31
    assert _plan(old) == [("routine_phone", "2027-02-28"), ("routine_phone", "2027-08-31")]
    # first +1 = 2026-11-01 is before the window; routine +7 = 2027-05-01, +13 = 2027-11-01; on site +12 = 2027-10-01
    assert _plan(key) == [
        ("key_on_site", "2027-10-01"),
        ("routine_phone", "2027-05-01"),
        ("routine_phone", "2027-11-01"),
    ]
    on_site = VisitTask.objects.get(customer=key, plan_rule="key_on_site")
    assert (on_site.method, on_site.on_site_signature) == (VisitMethod.ON_SITE, True)
    # 2026-06-10: monthly +6 … +12 (2026-12-10 … 2027-06-10, 7 visits); quarterly +15, +18; routine +7, +13
    assert _plan(project) == sorted(
        [("project_monthly", f"{d:%Y-%m-%d}") for d in (add_months(date(2026, 6, 10), m) for m in range(6, 13))]
        + [("project_quarterly", "2027-09-10"), ("project_quarterly", "2027-12-10")]
        + [("routine_phone", "2027-01-10"), ("routine_phone", "2027-07-10")]
    )
    assert _plan(gone) == []
    assert result.created == {
        "first_phone": 1,
        "routine_phone": 2 + 2 + 2 + 2,
        "key_on_site": 1,
        "project_monthly": 7,
        "project_quarterly": 2,
    }
    # the file's opener is the visitor, in their unit; an imported file has none
    first = VisitTask.objects.get(customer=new, plan_rule="first_phone")
    assert (first.visitor, first.unit, first.questionnaire_code) == (org.agent, org.service, "usage")
    assert VisitTask.objects.get(customer=key, plan_rule="key_on_site").visitor is None

    again = visit_plan_generate(since=SINCE, until=UNTIL, batch_size=2)
    assert sum(again.created.values()) == 0 and VisitTask.objects.count() == 3 + 2 + 3 + 11


def test_overdue_visits_are_told_to_their_visitor_once(org, customer, visits_rulebook):
    new = _customer("张伟", "13900000001", date(2026, 11, 15), actor=org.agent)
    visit_plan_generate(since=SINCE, until=UNTIL)
    first = VisitTask.objects.get(customer=new, plan_rule="first_phone")
    assert visit_overdue_notify(today=date(2026, 12, 15)) == 0  # due today is not overdue
    assert visit_overdue_notify(today=date(2026, 12, 16)) == 1
    assert visit_overdue_notify(today=date(2026, 12, 17)) == 0
    note = Notification.objects.get(recipient=org.agent)
    assert note.message_code == "visits.overdue" and note.params["customer"] == "张伟"
    first.refresh_from_db()
    assert first.overdue_notified_at is not None and first.status == VisitStatus.OPEN


def test_without_the_section_nothing_is_planned(org, no_visits):
    _customer("张伟", "13900000001", date(2026, 11, 15), actor=org.agent)
    assert visit_plan_generate(since=SINCE, until=UNTIL).created == {}
    assert not VisitTask.objects.exists()
