"""The board's filters and row actions (issue 7): by state and by unit (with the units below it), unit
paths in the headings, and links to extend or reassign each overdue case."""

import pytest
import time_machine
from django.urls import reverse

from kefu.sla.tests.test_ui_board_inbox import NOW, board_cases  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def _board(client, user, **params):
    client.force_login(user)
    with time_machine.travel(NOW, tick=False):
        return client.get(reverse("web:board"), params).content.decode()


def test_gm_filters_by_unit_and_state(client, org, board_cases):  # noqa: F811
    """At 2025-06-10 11:00 the after-sales case is overdue (due 06-09 17:00) and Ningbo's is due soon
    (warned 06-10 09:00, due 06-11 09:00)."""
    ours, theirs = board_cases["ours"].number, board_cases["theirs"].number
    everything = _board(client, org.gm)
    assert ours in everything and theirs in everything
    assert "华东分公司 / 杭州公司 / 售后部" in everything  # headings say which 售后部
    due_soon = _board(client, org.gm, state="warning")
    assert theirs in due_soon and ours not in due_soon
    hangzhou = _board(client, org.gm, unit=org.city.pk)  # 杭州公司 and everything below it
    assert ours in hangzhou and theirs not in hangzhou


def test_each_row_links_to_extend_and_reassign(client, org, board_cases):  # noqa: F811
    html = _board(client, org.gm)
    case = board_cases["ours"]
    clock = case.clocks.order_by("-id").first()  # the overdue clock the fixture added last
    assert f'href="/cases/{case.number}/#clock-{clock.pk}">延期<' in html
    assert f'href="/cases/{case.number}/#op-transfer">改派<' in html


def test_a_bad_filter_is_ignored_not_a_500(client, org, board_cases):  # noqa: F811
    html = _board(client, org.gm, state="nonsense", unit="x")
    assert board_cases["ours"].number in html


def test_a_supervisor_reminds_the_owner_once_an_hour(client, org, board_cases):  # noqa: F811
    """The after-sales supervisor presses 催办 on the overdue case (no handler yet, so its owner, the
    agent, is reminded): one inbox entry, one history row; a second press within the hour sends nothing."""
    from kefu.sla.models import Notification

    case = board_cases["ours"]
    clock = case.clocks.order_by("-id").first()
    client.force_login(org.supervisor)
    url = reverse("web:board_remind", kwargs={"clock_id": clock.pk})
    first = client.post(url, {"next": "/board/?state=overdue"}, follow=True)
    assert first.redirect_chain[-1][0] == "/board/?state=overdue"
    assert f"已催办 {case.number}。" in first.content.decode()
    entries = Notification.objects.filter(recipient=org.agent, message_code="sla.reminded")
    assert entries.count() == 1 and entries.get().case_id == case.pk
    assert case.events.filter(data__source="sla.remind").count() == 1
    again = client.post(url, follow=True)
    assert "一小时内已就该时限催办过" in again.content.decode()
    assert entries.count() == 1
    client.force_login(org.agent)
    inbox = client.get(reverse("web:inbox")).content.decode()
    assert f"催办：{case.number}" in inbox


def test_only_board_readers_who_see_the_case_may_remind(client, org, board_cases):  # noqa: F811
    clock = board_cases["ours"].clocks.order_by("-id").first()
    url = reverse("web:board_remind", kwargs={"clock_id": clock.pk})
    client.force_login(org.handler)
    assert client.post(url).status_code == 403
    client.force_login(org.outsider_supervisor)  # 宁波 does not see 杭州's case
    assert client.post(url).status_code == 404
