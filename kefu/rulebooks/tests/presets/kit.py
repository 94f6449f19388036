"""Helpers for the preset tests: register a case at a given local time and take steps at given times,
on the real 2026 calendar (the `calendars` fixture), through the public services only."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import time_machine

from kefu.cases.services import case_register, case_transition
from kefu.sla.models import Clock

SH = ZoneInfo("Asia/Shanghai")


def sh(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SH)


def register(when: dt.datetime, *, org, customer, rulebook: str, case_type: str, actor=None, **kwargs):
    defaults = dict(channel="phone", title="客户投诉", description="客户来电反映问题，要求处理。")
    defaults.update(kwargs)
    with time_machine.travel(when, tick=False):
        case, _ = case_register(
            actor=actor or org.agent, customer=customer, case_type=case_type, rulebook_key=rulebook, **defaults
        )
    return case


def step(case, when: dt.datetime, actor, transition: str, **data):
    with time_machine.travel(when, tick=False):
        return case_transition(case=case, actor=actor, transition=transition, expected_version=case.version, data=data)


def clock(case, key: str) -> Clock:
    return Clock.objects.filter(case=case, key=key).order_by("-id").first()


def clocks(case) -> dict[str, Clock]:
    return {c.key: c for c in Clock.objects.filter(case=case).order_by("id")}
