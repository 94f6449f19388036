"""Clock rows for the sweep tests, made directly so the tests do not depend on the lifecycle code."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from kefu.calendars.models import WorkCalendar
from kefu.sla.choices import ClockStatus
from kefu.sla.models import Clock

SH = ZoneInfo("Asia/Shanghai")
# Wednesday 12 March 2025, an ordinary working day; the office calendar works 08:30–12:00, 13:30–17:30.
DEADLINE = datetime(2025, 3, 12, 17, 30, tzinfo=SH)
WARN_AT = datetime(2025, 3, 12, 14, 0, tzinfo=SH)
TEST_RULE = "sweep test"


def make_clock(case, *, key: str = "sweep_test", ladder: str = "complaint", **fields) -> Clock:
    """A running clock on the office calendar; any clocks the case's registration started are
    cancelled so only this one can fire."""
    Clock.objects.filter(case=case).exclude(rule=TEST_RULE).update(status=ClockStatus.CANCELLED, next_check_at=None)
    deadline = fields.pop("deadline", DEADLINE)
    warn_at = fields.pop("warn_at", WARN_AT)
    values = dict(
        case=case,
        key=key,
        label="满意答复",
        calendar=WorkCalendar.objects.get(key="office"),
        amount=2,
        unit="working_days",
        allowed_minutes=960,
        status=ClockStatus.RUNNING,
        started_at=(deadline or DEADLINE) - timedelta(days=2),
        rule=TEST_RULE,
        deadline=deadline,
        warn_at=warn_at,
        ladder=ladder,
        next_check_at=min(t for t in (warn_at, deadline) if t is not None) if deadline else None,
    )
    values.update(fields)
    return Clock.objects.create(**values)
