"""The `duty` rulebook section: attendance rules for duty shifts.

seed-004 D6 三 (考勤制度): "2、员工必须严格执行班次安排，提前10分钟到岗，做好交接班工作。
3、任何员工不得自行换班，如遇确实需要换班的情况，必须经主管批准、给予调整。"

    duty:
      arrive_before_minutes: 10   # a check-in after (shift start − 10 minutes) is late

The rule that a swap needs the supervisor's approval is not optional: the engine has no other way to
change who works a shift. The section of the default rulebook's active version applies; without one,
a check-in is late only after the shift has started.
"""

from pydantic import BaseModel, ConfigDict, Field

__all__ = ("DutySection",)


class DutySection(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    arrive_before_minutes: int = Field(default=0, ge=0, le=240)
