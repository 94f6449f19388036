"""Duty shifts (seed-004 D6 三 考勤制度): "1、供暖期间呼叫中心实行24小时倒班制度。 2、员工必须严格执行班次安排，
提前10分钟到岗，做好交接班工作。 3、任何员工不得自行换班，如遇确实需要换班的情况，必须经主管批准、给予调整。"
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from kefu.core.exceptions import ApplicationError, ForbiddenError
from kefu.duty.choices import SwapStatus
from kefu.duty.models import ShiftEvent, ShiftPattern
from kefu.duty.selectors import nearest_staff_on_duty, rosters_visible_to, staff_on_duty
from kefu.duty.services import (
    handover_receive,
    handover_write,
    roster_add_shift,
    roster_create,
    roster_fill_rotation,
    roster_publish,
    shift_check_in,
    swap_decide,
    swap_request,
)
from kefu.org.choices import Role
from kefu.org.models import User

TZ = ZoneInfo("Asia/Shanghai")


def at(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=TZ)


@pytest.fixture
def patterns(db):
    return {
        "rotation": ShiftPattern.objects.create(name="24小时班", code="day24", start=time(8), duration_minutes=1440),
        "night": ShiftPattern.objects.create(name="夜班", code="night", start=time(20), duration_minutes=720),
        "office": ShiftPattern.objects.create(name="白班", code="office", start=time(8, 30), duration_minutes=540),
    }


@pytest.fixture
def desk(org, rulebooks, patterns):
    """The service department's March 2026 roster: agent, agent2 and a third agent rotate 24 hours."""
    agent3 = User.objects.create_user(username="agent3", password="x", role=Role.AGENT, unit=org.service)
    roster = roster_create(unit=org.service, month=date(2026, 3, 1), actor=org.cs_supervisor)
    shifts = roster_fill_rotation(
        roster=roster, pattern=patterns["rotation"], people=[org.agent, org.agent2, agent3], actor=org.cs_supervisor
    )
    roster_publish(roster=roster, actor=org.cs_supervisor)
    return {"roster": roster, "shifts": shifts, "agent3": agent3}


def test_a_24_hour_rotation_takes_turns_day_by_day(org, desk):
    people = [s.person for s in desk["shifts"][:4]]
    assert people == [org.agent, org.agent2, desk["agent3"], org.agent]
    assert len(desk["shifts"]) == 31


@pytest.mark.parametrize(
    ("moment", "who"),
    [
        (at(1, 8), "agent"),
        (at(1, 23, 59), "agent"),
        (at(2, 3), "agent"),  # after midnight, still the shift that started on the 1st
        (at(2, 7, 59), "agent"),
        (at(2, 8), "agent2"),  # the handover moment belongs to the next shift
        (at(3, 12), "agent3"),
    ],
)
def test_on_duty_picks_the_person_on_shift_at_night_and_across_midnight(org, desk, moment, who):
    assert [u.username for u in staff_on_duty(unit=org.service, at=moment)] == [who]


def test_a_night_shift_that_crosses_midnight(org, patterns, rulebooks):
    roster = roster_create(unit=org.aftersales, month=date(2026, 3, 1), actor=org.supervisor)
    roster_add_shift(
        roster=roster, pattern=patterns["night"], person=org.handler, day=date(2026, 3, 10), actor=org.supervisor
    )
    roster_add_shift(
        roster=roster, pattern=patterns["office"], person=org.manager, day=date(2026, 3, 11), actor=org.supervisor
    )
    assert staff_on_duty(unit=org.aftersales, at=at(11, 2)) == []  # a draft roster does not count
    roster_publish(roster=roster, actor=org.supervisor)
    assert staff_on_duty(unit=org.aftersales, at=at(10, 19, 59)) == []
    assert staff_on_duty(unit=org.aftersales, at=at(10, 20)) == [org.handler]
    assert staff_on_duty(unit=org.aftersales, at=at(11, 2)) == [org.handler]
    assert staff_on_duty(unit=org.aftersales, at=at(11, 8)) == []  # 08:00–08:30 nobody
    assert staff_on_duty(unit=org.aftersales, at=at(11, 9)) == [org.manager]
    # A team without a roster of its own falls back to its department's duty.
    assert nearest_staff_on_duty(unit=org.team, at=at(11, 2)) == [org.handler]
    assert nearest_staff_on_duty(unit=org.other_dept, at=at(11, 2)) == []


def test_overlapping_shifts_for_one_person_are_refused(org, desk, patterns):
    with pytest.raises(ApplicationError):
        roster_add_shift(
            roster=desk["roster"],
            pattern=patterns["night"],
            person=org.agent,
            day=date(2026, 3, 1),
            actor=org.cs_supervisor,
        )


def test_only_a_supervisor_of_the_unit_draws_up_its_roster(org, patterns, rulebooks):
    with pytest.raises(ForbiddenError):
        roster_create(unit=org.service, month=date(2026, 4, 1), actor=org.agent)
    with pytest.raises(ForbiddenError):  # a supervisor of another unit
        roster_create(unit=org.service, month=date(2026, 4, 1), actor=org.supervisor)
    roster_create(unit=org.team, month=date(2026, 4, 1), actor=org.supervisor)  # a unit below hers


@pytest.mark.parametrize(
    ("arrived", "late"),
    [
        (at(5, 7, 30), 0),
        (at(5, 7, 50), 0),  # exactly 10 minutes before: on time
        (at(5, 7, 51), 1),  # "提前10分钟到岗": after 07:50 is late
        (at(5, 8, 5), 15),
    ],
)
def test_check_in_is_late_after_shift_start_minus_ten_minutes(org, desk, arrived, late):
    shift = desk["shifts"][4]  # the 5th, agent2
    check_in = shift_check_in(shift=shift, actor=shift.person, at=arrived)
    assert check_in.minutes_late == late
    assert check_in.due_by == at(5, 7, 50)


def test_nobody_checks_in_for_someone_elses_shift(org, desk):
    with pytest.raises(ForbiddenError):
        shift_check_in(shift=desk["shifts"][0], actor=org.agent2, at=at(1, 7, 45))


@time_machine.travel(datetime(2026, 2, 20, 9, tzinfo=TZ), tick=False)
def test_a_swap_without_the_supervisors_approval_is_refused(org, desk):
    mine, theirs = desk["shifts"][9], desk["shifts"][10]  # the 10th (agent), the 11th (agent2)
    request = swap_request(
        shift=mine, counterpart=org.agent2, counterpart_shift=theirs, actor=org.agent, reason="家中有事"
    )
    # Asked, not approved: the roster is unchanged, the colleague cannot work the shift...
    assert staff_on_duty(unit=org.service, at=at(10, 12)) == [org.agent]
    with pytest.raises(ForbiddenError):
        shift_check_in(shift=mine, actor=org.agent2, at=at(10, 7, 45))
    # ...and neither of the two can approve it, nor a colleague without a supervisor's role.
    for person in (org.agent, org.agent2, desk["agent3"]):
        with pytest.raises(ForbiddenError):
            swap_decide(request=request, actor=person, approve=True)
    request.refresh_from_db()
    assert request.status == SwapStatus.REQUESTED
    # The supervisor approves: the two shifts change hands, with history.
    swap_decide(request=request, actor=org.cs_supervisor, approve=True, note="同意")
    assert staff_on_duty(unit=org.service, at=at(10, 12)) == [org.agent2]
    assert staff_on_duty(unit=org.service, at=at(11, 12)) == [org.agent]
    assert ShiftEvent.objects.filter(shift=mine, kind="swapped", actor=org.cs_supervisor).exists()
    shift_check_in(shift=mine, actor=org.agent2, at=at(10, 7, 45))
    with pytest.raises(ApplicationError):
        swap_decide(request=request, actor=org.cs_supervisor, approve=True)  # decided once


@time_machine.travel(datetime(2026, 2, 20, 9, tzinfo=TZ), tick=False)
def test_a_rejected_swap_changes_nothing(org, desk):
    mine = desk["shifts"][9]
    request = swap_request(shift=mine, counterpart=org.agent2, actor=org.agent, reason="想调休")
    swap_decide(request=request, actor=org.cs_supervisor, approve=False, note="人手不足")
    assert staff_on_duty(unit=org.service, at=at(10, 12)) == [org.agent]


def test_handover_log_is_written_by_one_shift_and_taken_over_by_the_next(org, desk):
    entry = handover_write(
        unit=org.service, actor=org.agent, body="3 号楼报修已派工，待回访", open_items="KF26030001 回访"
    )
    with pytest.raises(ApplicationError):
        handover_receive(entry=entry, actor=org.agent)
    with pytest.raises(ForbiddenError):
        handover_receive(entry=entry, actor=org.handler)  # not of the unit
    handover_receive(entry=entry, actor=org.agent2)
    entry.refresh_from_db()
    assert entry.received_by == org.agent2 and entry.received_at is not None


def test_rosters_are_read_by_the_unit_and_its_supervisors(org, desk):
    assert list(rosters_visible_to(org.agent)) == [desk["roster"]]
    assert list(rosters_visible_to(org.cs_supervisor)) == [desk["roster"]]
    assert list(rosters_visible_to(org.handler)) == []
    assert list(rosters_visible_to(org.gm)) == [desk["roster"]]


def test_the_arrival_margin_comes_from_the_rulebook(org, desk):
    from kefu.rulebooks.services import PRESET_DIR, rulebook_load

    source = (PRESET_DIR / "service-complaint.yaml").read_text(encoding="utf-8")
    rulebook_load(text=source.replace("arrive_before_minutes: 10", "arrive_before_minutes: 30"), source="edited")
    check_in = shift_check_in(shift=desk["shifts"][2], actor=desk["agent3"], at=at(3, 7, 40))
    assert check_in.minutes_late == 10
    assert check_in.due_by == at(3, 7, 30)
    assert timedelta(minutes=30) == at(3, 8) - check_in.due_by
