"""One timeline of a customer across the apps (kefu.customers.timeline): merged newest first, keyset
pages that neither repeat nor skip an entry (even at equal times), and only what the reader may see —
an anonymous complaint never shows on its complainant's file for someone who may not see the
complainant (001 篇10 第十九条: "对匿名投诉人的信息严格保密"), not even through its history or its work order."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from kefu.cases import events
from kefu.cases.models import Case
from kefu.cases.services import case_transition
from kefu.customers.services import customer_tag
from kefu.customers.timeline import Cursor, customer_timeline, decode_cursor, encode_cursor
from kefu.visits.services import visit_record, visit_schedule
from kefu.workorders.services import workorder_create


def walk(case, steps):
    for name, actor, data in steps:
        case = case_transition(case=case, actor=actor, transition=name, expected_version=case.version, data=data)
    events.dispatch_pending()
    return case


@pytest.fixture
def history(org, make_case, customer):
    """王建国: two named complaints routed to the handler, an anonymous one about the technician routed
    to the same handler, a work order from the anonymous one and one of its own, a visit made, a tag."""

    def route(by):
        return [("establish", by, {}), ("route", by, {"unit": org.aftersales.pk, "assignee": org.handler.pk})]

    named = [walk(make_case(title=f"第{n}次投诉：维修不及时"), route(org.agent)) for n in (1, 2)]
    anonymous = walk(
        make_case(
            actor=org.agent2, title="王建国反映维修工索要好处费", is_anonymous=True, subject_person=org.technician
        ),
        route(org.agent2),
    )
    secret_order, _ = workorder_create(
        actor=org.handler, kind="repair", customer=customer, description="上门核实", unit=org.aftersales, case=anonymous
    )
    own_order, _ = workorder_create(
        actor=org.agent, kind="repair", customer=customer, description="空调不制冷", unit=org.aftersales
    )
    task = visit_schedule(
        actor=org.agent, customer=customer, visitor=org.agent, due_date=timezone.localdate(), purpose="usage"
    )
    record = visit_record(task=task, actor=org.agent, expected_version=task.version, answers={}, summary="客户满意")
    customer_tag(customer=customer, name="老客户", actor=org.agent)
    return {
        "named": named,
        "anonymous": anonymous,
        "secret_order": secret_order,
        "own_order": own_order,
        "visit": record,
    }


def _all(customer, user, limit):
    seen, before = [], None
    for _ in range(100):
        page = customer_timeline(customer, user, before=before, limit=limit)
        seen += page.entries
        if page.next_cursor is None:
            return seen
        before = decode_cursor(encode_cursor(page.next_cursor))  # as a client would pass it back
    raise AssertionError("the pages never ended")


def test_every_source_merged_newest_first_for_the_quality_officer(history, customer, org):
    entries = customer_timeline(customer, org.quality, limit=200).entries
    kinds = {e.kind for e in entries}
    assert {"file", "case", "case_event", "work_order", "visit"} <= kinds
    assert [e.sort_key() for e in entries] == sorted((e.sort_key() for e in entries), reverse=True)
    numbers = {e.extra.get("number") for e in entries if e.kind == "case"}
    assert history["anonymous"].number in numbers  # quality may see the complainant (default rulebook)
    titles = " ".join(e.title for e in entries)
    assert "王建国反映" not in titles  # even then the list blanks the name; the case page reveals it, logged
    assert history["secret_order"].number in {e.extra.get("number") for e in entries}


def test_the_handler_never_sees_the_anonymous_complaint_on_the_file(history, customer, org):
    entries = customer_timeline(customer, org.handler, limit=200).entries
    numbers = {e.extra.get("number") for e in entries}
    assert {c.number for c in history["named"]} <= numbers
    assert history["anonymous"].number not in numbers
    assert history["secret_order"].number not in numbers
    assert not any(history["anonymous"].number in e.title or history["anonymous"].number in e.url for e in entries)
    assert history["own_order"].number not in numbers  # a handler sees only the orders they made or work on
    # The supervisor of 售后部 sees the unit's orders — the one from the anonymous complaint still hidden.
    supervised = {e.extra.get("number") for e in customer_timeline(customer, org.supervisor, limit=200).entries}
    assert history["own_order"].number in supervised
    assert history["secret_order"].number not in supervised and history["anonymous"].number not in supervised


def test_pages_neither_repeat_nor_skip_even_at_equal_times(history, customer, org):
    # Four cases received at the very same second: the (time, source, id) order still splits them.
    same = timezone.now() - timedelta(days=3)
    Case.objects.filter(customer=customer).update(received_at=same)
    whole = customer_timeline(customer, org.quality, limit=200).entries
    for limit in (1, 2, 3, 7):
        paged = _all(customer, org.quality, limit)
        assert [(e.source, e.key) for e in paged] == [(e.source, e.key) for e in whole]


def test_a_cursor_is_checked(db):
    with pytest.raises(ValueError):
        decode_cursor("bm90IGEgY3Vyc29y")
    cursor = Cursor(when=timezone.now(), source="cases", key=12)
    assert decode_cursor(encode_cursor(cursor)) == cursor


def test_the_api_pages_the_timeline_and_refuses_a_forged_marker(history, customer, org, api):
    client = api(org.handler)
    url = f"/api/v1/customers/{customer.pk}/timeline/"
    first = client.get(url, {"limit": 2}).json()
    assert len(first["results"]) == 2 and first["next"]
    assert set(first["results"][0]) == {"when", "kind", "source", "title", "detail", "url"}
    rest, marker = [], first["next"]
    while marker:
        page = client.get(url, {"limit": 2, "before": marker}).json()
        rest += page["results"]
        marker = page["next"]
    numbers = " ".join(e["title"] + e["url"] for e in first["results"] + rest)
    assert history["anonymous"].number not in numbers and history["named"][0].number in numbers
    bad = client.get(url, {"before": "xyz", "limit": 0})
    assert bad.status_code == 400 and set(bad.json()["errors"]) == {"before", "limit"}
    # Someone who may not read the file gets 404, not an empty timeline.
    assert api(org.other_handler).get(url).status_code == 404
