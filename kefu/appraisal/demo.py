"""Demo appraisal data: last month's and this month's scorecards for the whole organisation, a few
ledger entries (a conduct deduction awaiting approval, an approved praise letter) and a daily report."""

from __future__ import annotations

from typing import Any


def make_appraisal_demo(world: Any, *, rng: Any, log: Any) -> None:
    from django.utils import timezone

    from kefu.appraisal.measures import Period
    from kefu.appraisal.services import (
        daily_report_submit,
        ledger_entry_decide,
        ledger_entry_propose,
        scorecard_compute,
    )
    from kefu.core.exceptions import ApplicationError
    from kefu.org.choices import Role
    from kefu.org.models import OrgUnit

    root = OrgUnit.objects.filter(parent__isnull=True).order_by("path").first()
    if root is None:
        return
    today = timezone.localdate()
    try:
        for day in (today.replace(day=1) - timezone.timedelta(days=1), today):
            scorecard_compute(period=Period.of("month", day), unit=root)
    except ApplicationError:
        return
    made = 0
    gm = next(iter(world.by_role.get(Role.GENERAL_MANAGER, [])), None)
    for agent in world.by_role.get(Role.AGENT, [])[:3]:
        supervisor = next(iter(world.by_unit_role.get((agent.unit_id, Role.SUPERVISOR), [])), None)
        if supervisor is None or gm is None:
            continue
        ledger_entry_propose(
            person=agent, reason="conduct", actor=supervisor, amount=50, note="上班时间私人电话超过 3 分钟"
        )
        praise = ledger_entry_propose(
            person=agent,
            reason="praise_letter",
            actor=supervisor,
            amount=300,
            note="客户来信表扬耐心细致地解答保修问题",
        )
        ledger_entry_decide(entry=praise, actor=gm, approve=True, note="同意")
        daily_report_submit(person=agent, day=today, text="接听来电并登记工单；跟进两件待回访投诉。")
        made += 1
    log(f"appraisal: scorecards for last month and this month, ledger entries and daily reports for {made} agents")
