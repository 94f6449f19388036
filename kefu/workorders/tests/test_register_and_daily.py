"""The repair register reconciliation (D11 13 "将当天未派修工作,于次日送请主任优先派工") and the daily
reports (D11 10 技术员工作日报表, 11 服务主任日报表, 12 经理核阅), with two cities' 售后部 of the same
name: 宁波's orders never count in 杭州's figures."""

import re
from datetime import date, datetime, timedelta
from io import BytesIO

import pytest
import time_machine
from django.test import Client
from openpyxl import load_workbook

from kefu.core.exceptions import ApplicationError, ConflictError, ForbiddenError
from kefu.org.choices import Role
from kefu.org.models import User
from kefu.sla.models import Notification
from kefu.workorders.choices import EventKind
from kefu.workorders.models import DailyReport, RegisterDay, WorkOrder
from kefu.workorders.services import (
    workorder_accept,
    workorder_check_in,
    workorder_complete,
    workorder_create,
    workorder_dispatch,
    workorder_record,
)
from kefu.workorders.services.daily_reports import daily_report_review, daily_report_submit
from kefu.workorders.services.register import register_reconcile
from kefu.workorders.tests.conftest import PNG, SHANGHAI

pytestmark = pytest.mark.django_db
DAY = date(2026, 11, 24)


def sh(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI)


def create_at(when: datetime, org, customer, unit=None, **kw) -> WorkOrder:
    with time_machine.travel(when, tick=False):
        order, _ = workorder_create(
            actor=org.agent,
            kind="repair",
            customer=customer,
            description="终端不上线",
            unit=unit or org.aftersales,
            **kw,
        )
    return order


def dispatch_at(order, when: datetime, org, technician=None) -> WorkOrder:
    with time_machine.travel(when, tick=False):
        return workorder_dispatch(
            order=order, actor=org.supervisor, expected_version=order.version, technician=technician or org.technician
        )


def test_what_was_not_dispatched_is_flagged_once_and_heads_the_next_days_list(org, customer, rulebooks):
    """Tue 24 Nov: three orders registered in 杭州 售后部, one dispatched; at the day's end (18:00) the
    two others are carried over, the supervisor is told once, and on Wed they lead the dispatch list."""
    a = create_at(sh(24, 9), org, customer)
    b = create_at(sh(24, 10), org, customer)
    c = create_at(sh(24, 16), org, customer)
    dispatch_at(a, sh(24, 11), org)
    late = create_at(sh(24, 19), org, customer)  # after the day's close: tomorrow's register
    record = register_reconcile(now=sh(24, 18, 5))
    assert (record.day, record.registered, record.dispatched, record.carried_over) == (DAY, 3, 1, 2)
    assert register_reconcile(now=sh(24, 19, 5)) is None  # the same day again: nothing happens
    assert set(WorkOrder.objects.filter(carried_over_on=DAY).values_list("pk", flat=True)) == {b.pk, c.pk}
    assert WorkOrder.objects.get(pk=late.pk).carried_over_on is None
    assert b.events.filter(kind=EventKind.CARRIED_OVER).count() == 1
    told = Notification.objects.filter(message_code="workorders.carried_over")
    assert list(told.values_list("recipient__username", flat=True)) == ["supervisor"]

    client = Client()
    client.force_login(org.supervisor)
    listing = client.get("/workorders/").content.decode()
    assert listing.index(b.number) < listing.index(late.number) and listing.index(c.number) < listing.index(late.number)
    page = client.get("/workorders/register/?day=2026-11-24").content.decode()
    assert "先派这些" in page and b.number in page and c.number in page
    assert RegisterDay.objects.count() == 1


def test_the_register_page_opens_on_the_register_day_that_is_running(org, customer, rulebooks):
    """D11 13 counts a register day up to its closing time (18:00): an order taken at 19:00 on the 24th
    is on the 25th's register, and that is the page a clerk opening 报修登记核对 at 19:30 must see —
    not the 24th's, which no longer lists it (the defect the CI run at 21:45 Beijing time found)."""
    early = create_at(sh(24, 10), org, customer)
    late = create_at(sh(24, 19), org, customer)
    client = Client()
    client.force_login(org.supervisor)
    with time_machine.travel(sh(24, 19, 30), tick=False):
        response = client.get("/workorders/register/")
    assert response.context["day"] == date(2026, 11, 25)
    registered = [order.number for order in response.context["registered"]]
    assert registered == [late.number]
    with time_machine.travel(sh(24, 17, 30), tick=False):
        response = client.get("/workorders/register/")
    assert response.context["day"] == DAY
    assert [order.number for order in response.context["registered"]] == [early.number]


def _completed(org, customer, when: datetime, *, fee: str, technician=None) -> WorkOrder:
    technician = technician or org.technician
    order = dispatch_at(create_at(when - timedelta(hours=2), org, customer), when - timedelta(hours=1), org, technician)
    order = workorder_accept(order=order, actor=technician, expected_version=order.version)
    order = workorder_check_in(order=order, actor=technician, expected_version=order.version, step="arrive", at=when)
    order = workorder_record(
        order=order,
        actor=technician,
        expected_version=order.version,
        actions="更换终端电源线",
        parts=[{"name": "终端电源线", "unit_price": "25", "quantity": 2}],
    )
    with time_machine.travel(when + timedelta(minutes=45), tick=False):
        return workorder_complete(
            order=order, actor=technician, expected_version=order.version, signature=PNG, fee_collected=fee
        )


def test_daily_reports_compiled_submitted_reviewed_and_downloaded(org, customer, rulebooks):
    """The technician completed two orders on Tue (45 minutes on site each, 2 power cords each, 50 yuan
    collected on one); 宁波's technician completed one the same day in 宁波 售后部. The technician's
    report, the 杭州 售后部 supervisor's report (cash to hand over: 50.00 — 宁波's not counted), the
    supervisor's review (send back with a reason, re-submit, approve), and the Excel file."""
    nb_tech = User.objects.create_user(username="nb_tech", role=Role.TECHNICIAN, unit=org.other_aftersales)
    _completed(org, customer, sh(24, 10), fee="50")
    _completed(org, customer, sh(24, 14), fee="0")
    nb_order = create_at(sh(24, 9), org, customer, unit=org.other_aftersales)
    assert nb_order.unit == org.other_aftersales  # the same name, another city
    nb_sup = User.objects.create_user(username="nb_sup", role=Role.SUPERVISOR, unit=org.other_aftersales)
    with time_machine.travel(sh(24, 10), tick=False):
        workorder_dispatch(order=nb_order, actor=nb_sup, expected_version=1, technician=nb_tech)

    with time_machine.travel(sh(24, 18), tick=False):
        report = daily_report_submit(actor=org.technician, kind="technician", day=DAY)
        f = report.figures
        assert (f["completed"], f["minutes"], f["collected"]) == (2, 90, "50.00")
        assert f["parts"] == [{"name": "终端电源线", "code": "", "quantity": 4, "amount": "100.00"}]
        with pytest.raises(ConflictError):
            daily_report_submit(actor=org.technician, kind="technician", day=DAY)
        unit_report = daily_report_submit(actor=org.supervisor, kind="unit", day=DAY, unit=org.aftersales)
        u = unit_report.figures
        assert (u["received"], u["dispatched"], u["completed"], u["cash"]) == (2, 2, 2, "50.00")
        assert [t["orders"] for t in u["technicians"]] == [2]
        with pytest.raises(ForbiddenError):  # 宁波's supervisor cannot report 杭州's unit
            daily_report_submit(actor=nb_sup, kind="unit", day=DAY, unit=org.aftersales)

    with pytest.raises(ForbiddenError):  # the supervisor's report is reviewed by the manager (D11 12)
        daily_report_review(report=unit_report, actor=org.supervisor, expected_version=1, approve=True)
    daily_report_review(report=unit_report, actor=org.manager, expected_version=1, approve=True)
    with pytest.raises(ApplicationError):  # sending back needs the reason
        daily_report_review(report=report, actor=org.supervisor, expected_version=1, approve=False)
    report = daily_report_review(
        report=report, actor=org.supervisor, expected_version=1, approve=False, comment="第二单发票号未填"
    )
    assert report.status == DailyReport.Status.RETURNED
    with time_machine.travel(sh(24, 19), tick=False):
        report = daily_report_submit(actor=org.technician, kind="technician", day=DAY)
    report = daily_report_review(report=report, actor=org.supervisor, expected_version=report.version, approve=True)
    assert report.status == DailyReport.Status.APPROVED
    assert list(report.events.values_list("action", flat=True)) == ["submitted", "returned", "resubmitted", "approved"]

    client = Client()
    client.force_login(org.supervisor)
    page = client.get(f"/workorders/daily/?kind=unit&unit={org.aftersales.pk}&day=2026-11-24").content.decode()
    assert "交会计的现金" in page and "50.00" in page
    xlsx = client.get(f"/workorders/daily/xlsx/?kind=technician&person={org.technician.pk}&day=2026-11-24")
    book = load_workbook(BytesIO(xlsx.content))
    assert book.sheetnames[0] == "汇总"
    assert (book.active["C2"].value, book.active["D2"].value, book.active["F2"].value) == (2, 90, 50)
    assert book["零件"]["C2"].value == 4
    # Another city's supervisor sees neither 杭州's technician's day nor the stored report.
    other = Client()
    other.force_login(nb_sup)
    assert other.get(f"/workorders/daily/?kind=technician&person={org.technician.pk}").status_code == 404
    assert other.get(f"/workorders/daily/{report.pk}/").status_code == 404


def test_the_order_page_shows_the_repair_clock_in_words_and_takes_an_extension(make_order, org):
    """The technician sees "repair by … left (working time)" and asks for an extension from the page;
    the supervisor approves it there."""
    order = make_order()
    order = dispatch_at(order, sh(24, 10), org)
    order = workorder_accept(order=order, actor=org.technician, expected_version=order.version)
    order = workorder_check_in(order=order, actor=org.technician, expected_version=order.version, step="arrive")
    client = Client()
    client.force_login(org.technician)
    with time_machine.travel(sh(25, 9), tick=False):
        page = client.get(f"/workorders/{order.pk}/").content.decode()
    assert "修复期限" in page and "剩余" in page
    form = re.search(r'id="step-extend".*?</form>', page, re.S).group(0)
    token = re.search(r'name="form_token" value="([^"]+)"', form).group(1)
    data = {"version": order.version, "form_token": token, "until": "2026-12-01T17:30", "reason": "等主板到货"}
    with time_machine.travel(sh(25, 9, 5), tick=False):  # the one-time token lives two days
        done = client.post(f"/workorders/{order.pk}/extend/", data, follow=True).content.decode()
    assert "已申请延期" in done
    boss = Client()
    boss.force_login(org.supervisor)
    page = boss.get(f"/workorders/{order.pk}/").content.decode()
    assert "等主板到货" in page and 'id="step-decide_extension"' in page
