"""002 Doc 14 荔园小区客户管理规定, preset `resident-complaint` (minute-level clocks count elapsed time, on
春节 2026 as on any day).

二.2 "由办公室安排相关人员到客户指定的地方,为客户提供相应的服务,这一过程不能超过三分钟"; 二.7 "若当场解决不了则应
向客户做好解释工作,并承诺服务时间"; 四.2 "其中至少有30%是上门回访,并有客户的签字".
"""

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from kefu.cases.services import case_add_attachment
from kefu.core.exceptions import ApplicationError
from kefu.rulebooks.tests.presets.kit import clock, register, sh, step
from kefu.sla.extensions import clock_promise
from kefu.sla.models import ClockNotice, Notification
from kefu.sla.sweep import sla_sweep

pytestmark = pytest.mark.django_db
T0 = sh(2026, 2, 17, 20, 0)  # 春节, the third day of the holiday


def complaint(org, customer, case_type="complaint"):
    return register(
        T0,
        org=org,
        customer=customer,
        rulebook="resident-complaint",
        case_type=case_type,
        category="repair",
        fields={"location": "12 栋 2 单元 301"},
        channel="visit",
    )


def test_three_minutes_to_send_someone_then_a_promised_time(org, customer, rulebooks):
    """Received 20:00 → someone sent by 20:03 (warning at 20:01:30); the handler then promises 21:30."""
    case = complaint(org, customer)
    dispatch = clock(case, "dispatch")
    assert dispatch.deadline == T0 + dt.timedelta(minutes=3)
    assert dispatch.warn_at == T0 + dt.timedelta(seconds=90)
    case = step(case, T0 + dt.timedelta(minutes=2), org.agent, "send", unit=org.aftersales.pk, assignee=org.handler.pk)
    assert clock(case, "dispatch").status == "met"
    promised = clock(case, "promised")
    assert promised.deadline is None
    with time_machine.travel(T0 + dt.timedelta(minutes=10), tick=False):
        promised = clock_promise(
            clock=promised,
            actor=org.handler,
            deadline=sh(2026, 2, 17, 21, 30),
            reason="需关闭总阀后更换",
            expected_version=case.version,
        )
    assert promised.deadline == sh(2026, 2, 17, 21, 30)


def test_a_missed_three_minutes_tells_the_receiver_and_the_office(org, customer, rulebooks):
    """Nobody sent by 20:03: the receiver and the office's supervisor are told at 20:03."""
    case = complaint(org, customer, case_type="request")
    sla_sweep(now=T0 + dt.timedelta(minutes=3))
    dispatch = clock(case, "dispatch")
    assert ClockNotice.objects.filter(clock=dispatch, level=1).exists()
    told = set(
        Notification.objects.filter(notice__clock=dispatch, notice__level=1).values_list(
            "recipient__username", flat=True
        )
    )
    assert {"agent", "cs_supervisor"} <= told


def test_a_home_visit_needs_the_signed_record(org, customer, rulebooks):
    """四.2: a home return visit is recorded with the resident's signature and the signed sheet."""
    case = complaint(org, customer)
    case = step(case, T0 + dt.timedelta(minutes=1), org.agent, "send", unit=org.aftersales.pk, assignee=org.handler.pk)
    case = step(case, T0 + dt.timedelta(hours=1), org.handler, "handled", comment="已更换水龙头")
    with pytest.raises(ApplicationError) as refused:
        step(case, sh(2026, 2, 24, 10, 0), org.agent, "home_visit", note="上门回访", fields={"visit_mode": "home"})
    assert {"fields.resident_signed", "attachment"} <= set(refused.value.extra)
    case.refresh_from_db()
    sheet = case_add_attachment(case=case, actor=org.agent, file=SimpleUploadedFile("回访单.pdf", b"%PDF signed"))
    case.refresh_from_db()
    case = step(
        case,
        sh(2026, 2, 24, 10, 0),
        org.agent,
        "home_visit",
        note="上门回访，住户满意",
        fields={"visit_mode": "home", "resident_signed": True},
        attachment=sheet.pk,
    )
    assert case.status == "closed" and case.fields["resident_signed"] is True
