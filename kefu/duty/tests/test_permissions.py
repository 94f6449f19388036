"""Who decides swaps and changes rosters: a supervisor of the unit who is not part of the swap,
never quality staff (who read every roster), never across units; refusals come before the form."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from kefu.core.exceptions import ApplicationError, ForbiddenError
from kefu.duty.choices import SwapStatus
from kefu.duty.models import ShiftPattern
from kefu.duty.selectors import swaps_to_decide
from kefu.duty.services import roster_add_shift, roster_create, roster_publish, swap_decide, swap_request

TZ = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.usefixtures("rulebooks")


@pytest.fixture
def desk(org):
    """March 2026: the agent on the 10th, the 客服部 supervisor on the 11th; 宁波 has its own roster."""
    pattern = ShiftPattern.objects.create(name="24小时班", code="day24", start=time(8), duration_minutes=1440)
    roster = roster_create(unit=org.service, month=date(2026, 3, 1), actor=org.cs_supervisor)
    mine = roster_add_shift(
        roster=roster, pattern=pattern, person=org.agent, day=date(2026, 3, 10), actor=org.deputy_gm
    )
    sups = roster_add_shift(
        roster=roster, pattern=pattern, person=org.cs_supervisor, day=date(2026, 3, 11), actor=org.deputy_gm
    )
    roster_publish(roster=roster, actor=org.cs_supervisor)
    ningbo = roster_create(unit=org.other_dept, month=date(2026, 3, 1), actor=org.outsider_supervisor)
    # agent2 helps out in 宁波 on the 12th (rostered there by its supervisor).
    away = roster_add_shift(
        roster=ningbo, pattern=pattern, person=org.agent2, day=date(2026, 3, 12), actor=org.outsider_supervisor
    )
    roster_publish(roster=ningbo, actor=org.outsider_supervisor)
    return {"mine": mine, "sups": sups, "away": away}


@time_machine.travel(datetime(2026, 2, 20, 9, tzinfo=TZ), tick=False)
def test_a_swap_stays_inside_the_unit(org, desk):
    with pytest.raises(ApplicationError) as refused:
        swap_request(shift=desk["mine"], counterpart=org.outsider, actor=org.agent, reason="家中有事")
    assert "counterpart" in refused.value.extra
    with pytest.raises(ApplicationError) as refused:
        swap_request(
            shift=desk["mine"], counterpart=org.agent2, counterpart_shift=desk["away"], actor=org.agent, reason="换班"
        )
    assert "counterpart_shift" in refused.value.extra  # 客服部's supervisor would hand 宁波's shift around


@time_machine.travel(datetime(2026, 2, 20, 9, tzinfo=TZ), tick=False)
def test_a_swap_is_offered_to_supervisors_who_are_not_part_of_it(client, org, desk):
    swap = swap_request(
        shift=desk["mine"],
        counterpart=org.cs_supervisor,
        counterpart_shift=desk["sups"],
        actor=org.agent,
        reason="家中有事",
    )
    assert swap not in swaps_to_decide(org.cs_supervisor)  # it is her own shift that would change hands
    assert swap not in swaps_to_decide(org.quality)  # reads every roster, supervises none
    assert swap in swaps_to_decide(org.deputy_gm)
    for person in (org.cs_supervisor, org.quality):
        with pytest.raises(ForbiddenError):
            swap_decide(request=swap, actor=person, approve=True)
        client.force_login(person)
        assert client.post(reverse("duty:swap_decide", args=[swap.pk]), {"decision": "approve"}).status_code == 404
    client.force_login(org.deputy_gm)
    assert "家中有事" in client.get(reverse("duty:home")).content.decode()
    # A form sent without pressing "approve" or "reject" decides nothing.
    assert client.post(reverse("duty:swap_decide", args=[swap.pk]), {}).status_code == 302
    swap.refresh_from_db()
    assert swap.status == SwapStatus.REQUESTED
    client.post(reverse("duty:swap_decide", args=[swap.pk]), {"decision": "approve"})
    swap.refresh_from_db()
    assert swap.status == SwapStatus.APPROVED and swap.decided_by == org.deputy_gm


def test_roster_changes_are_refused_before_the_form_is_read(api, client, org, desk):
    roster = desk["mine"].roster
    client.force_login(org.agent)  # reads her unit's roster, may not change it
    assert client.post(reverse("duty:roster_rotation", args=[roster.pk]), {}).status_code == 403
    assert client.post(reverse("duty:roster_shift", args=[roster.pk]), {}).status_code == 403
    assert client.post(reverse("duty:roster_publish", args=[roster.pk])).status_code == 403
    assert api(org.quality).post(f"/api/v1/duty/rosters/{roster.pk}/rotation/", {}, format="json").status_code == 403
    assert (
        api(org.cs_supervisor).post(f"/api/v1/duty/rosters/{roster.pk}/shifts/", {}, format="json").status_code == 400
    )
    client.force_login(org.quality)
    assert 'name="month"' not in client.get(reverse("duty:rosters")).content.decode()  # no form that must fail
