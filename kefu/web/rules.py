"""The `repeat_complaints` rulebook section: when intake warns that a complaint looks like a repeat.

seeds-000-003 篇2 asks that a complaint be handled once, by its owner (首问负责制), and that an
unsatisfied customer's return be treated as a follow-up of the same matter, not a new file. Kefu's
reading: a new complaint of the same customer in the same category while an earlier one is open, or
within `window_days` of one being received or closed, is likely the same matter; intake shows the
earlier cases and asks the agent to confirm before registering another.

    repeat_complaints:
      window_days: 30          # default when a rulebook has no section
      case_types: [complaint]  # default: every case type of kind `complaint`
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = ("DEFAULT_WINDOW_DAYS", "RepeatComplaintsSection", "check_repeat_complaints")

DEFAULT_WINDOW_DAYS = 30


class RepeatComplaintsSection(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    window_days: int = Field(default=DEFAULT_WINDOW_DAYS, ge=1, le=366)
    case_types: list[str] | None = None


def check_repeat_complaints(doc: Any, section: RepeatComplaintsSection) -> list[tuple[tuple[Any, ...], str]]:
    """Each named case type must exist in the rulebook."""
    return [
        (("case_types", i), f"unknown case type '{key}'; this rulebook has: {', '.join(doc.case_types)}")
        for i, key in enumerate(section.case_types or [])
        if key not in doc.case_types
    ]
