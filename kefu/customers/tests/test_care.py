"""Care (关怀): birthday and holiday greetings as tasks (004 D18 第二章 10: "在重要节假日或客户生日时，对现有的
各种级别客户均须编写短信、祝福电话或者邮件问候"), holidays from the working calendar, one task per contact,
occasion and year whatever the number of runs, the 今日关怀 list, and marking a greeting done."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from kefu.core.exceptions import ForbiddenError
from kefu.customers.care import care_generate, care_notify_due, care_task_done, holiday_dates
from kefu.customers.models import CareTask, CustomerEvent
from kefu.customers.services import contact_add, customer_create, customer_file_update
from kefu.sla.models import Notification


@pytest.fixture
def files(customer_rules, org, customer):
    """王建国 (kept by the agent) and a hotel in 宁波 with two contacts (kept by the 宁波 agent)."""
    customer_file_update(customer=customer, owner=org.agent)
    wife = contact_add(customer=customer, name="王太太", phone="13812340000", birthday=date(1975, 1, 1))
    hotel = customer_create(name="宁波丽华酒店", phone="0574-88886666", customer_type="enterprise")
    customer_file_update(customer=hotel, owner=org.outsider)
    manager = contact_add(customer=hotel, name="陈经理", phone="13900001111", birthday=date(1980, 12, 30))
    leap = contact_add(customer=hotel, name="赵会计", phone="13900002222", birthday=date(1988, 2, 29))
    return {"wang": customer, "wife": wife, "hotel": hotel, "manager": manager, "leap": leap}


def _tasks():
    return sorted(
        (t.contact.name, t.occasion, t.year, t.occasion_date.isoformat(), t.assignee.username)
        for t in CareTask.objects.select_related("contact", "assignee")
    )


def test_holidays_come_from_the_working_calendar(calendars):
    dates = holiday_dates(calendar_key="office", years=[2026])
    # The State Council's 2026 schedule: 元旦 1 January, 春节 from 15 February, 国庆/中秋 from 1 October.
    assert dates[("new_year", 2026)] == date(2026, 1, 1)
    assert dates[("spring_festival", 2026)] == date(2026, 2, 15)
    assert dates[("labour_day", 2026)] == date(2026, 5, 1)


def test_birthdays_and_new_year_across_the_year_boundary_once_each(files, org):
    run = care_generate(today=date(2025, 12, 29))  # days_ahead 3: up to 1 January 2026
    assert set(_tasks()) == {
        ("王太太", "birthday", 2026, "2026-01-01", "agent"),
        ("王建国", "new_year", 2026, "2026-01-01", "agent"),  # each file's first contact
        ("陈经理", "birthday", 2025, "2025-12-30", "outsider"),
        ("宁波丽华酒店", "new_year", 2026, "2026-01-01", "outsider"),
    }
    assert run.created == 4
    wish = CareTask.objects.get(contact__customer=files["hotel"], occasion="new_year").message
    assert wish == "宁波丽华酒店您好！元旦将至，祝您和家人节日快乐、万事如意！"
    birthday = CareTask.objects.get(contact=files["wife"]).message
    assert birthday == "王太太您好！今天是您的生日，王建国的服务团队祝您生日快乐，身体健康！"
    # The next day's run, and a second run the same day, create nothing new.
    assert care_generate(today=date(2025, 12, 29)).created == 0
    assert care_generate(today=date(2025, 12, 30)).created == 0
    assert CareTask.objects.count() == 4


def test_a_29_february_birthday_is_greeted_on_the_28th_and_spring_festival_on_its_first_day(files):
    care_generate(today=date(2026, 2, 13))
    assert ("赵会计", "birthday", 2026, "2026-02-28", "outsider") not in _tasks()  # too early
    assert ("王建国", "spring_festival", 2026, "2026-02-15", "agent") in _tasks()
    care_generate(today=date(2026, 2, 26))
    assert ("赵会计", "birthday", 2026, "2026-02-28", "outsider") in _tasks()


def test_the_rulebook_can_give_the_list_to_a_role_of_the_keepers_unit(load_customer_rules, org, customer):
    load_customer_rules(('assignee_role: ""', "assignee_role: supervisor"))
    customer_file_update(customer=customer, owner=org.agent)
    care_generate(today=date(2026, 4, 28))  # 劳动节 from 1 May
    (task,) = CareTask.objects.all()
    assert (task.occasion, task.assignee) == ("labour_day", org.cs_supervisor)


def test_one_inbox_notice_per_person_then_done_with_the_channel(files, org):
    care_generate(today=date(2025, 12, 29))
    assert care_notify_due() == 2 and care_notify_due() == 0
    notice = Notification.objects.get(recipient=org.agent)
    assert notice.message_code == "customers.care_due" and notice.params["count"] == 2
    task = CareTask.objects.get(contact=files["wife"])
    with pytest.raises(ForbiddenError):
        care_task_done(task=task, actor=org.outsider, channel="sms")
    with pytest.raises(ValidationError):
        care_task_done(task=task, actor=org.agent, channel="pigeon")
    done = care_task_done(task=task, actor=org.agent, channel="sms")
    assert (done.status, done.channel, done.done_by) == ("done", "sms", org.agent)
    event = CustomerEvent.objects.filter(customer=files["wang"]).latest("pk")
    assert event.kind == "care_done" and "王太太" in event.summary


def test_the_care_page_lists_my_greetings_and_records_one(files, org, client):
    care_generate(today=date(2025, 12, 29))
    client.force_login(org.agent)
    page = client.get(reverse("web:care"))
    html = page.content.decode()
    assert page.status_code == 200 and "王太太" in html and "陈经理" not in html
    assert "138****0000" in html and "13812340000" not in html  # masked on the list too
    task = CareTask.objects.get(contact=files["wife"])
    assert client.post(reverse("web:care"), {"task": task.pk, "channel": "phone"}).status_code == 302
    task.refresh_from_db()
    assert task.status == "done" and "王太太" not in client.get(reverse("web:care")).content.decode()
    other = CareTask.objects.get(contact=files["manager"], occasion="birthday")
    assert client.post(reverse("web:care"), {"task": other.pk, "channel": "phone"}).status_code == 403
    other.refresh_from_db()
    assert other.status == "due"
