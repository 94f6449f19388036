"""Building blocks shared by the parts of the rulebook format (schema.py and the modules next to it)."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from kefu.org.choices import Role

__all__ = ("CODE", "DURATION_UNITS", "ROLES", "Duration", "Strict", "check_roles", "parse_duration")

CODE = r"^[a-z][a-z0-9_]*$"
ROLES = [r.value for r in Role]
DURATION_UNITS = (
    "minutes",
    "hours",
    "working_minutes",
    "working_hours",
    "working_days",
    "calendar_days",
    "same_working_day",
    "nth_of_next_month",
)
_DURATION = re.compile(r"^\s*(\d+)\s+([a-z_]+)\s*$")


def check_roles(value: list[str]) -> list[str]:
    bad = [r for r in value if r not in ROLES]
    if bad:
        raise ValueError(f"unknown role(s) {bad}; roles are {', '.join(ROLES)}")
    return value


class Strict(BaseModel):
    """Every part of a rulebook: unknown keys are errors (a typo never silently does nothing)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Duration(Strict):
    """'3 working_days', '10 minutes', '0 same_working_day' — the units of docs/calendars.md."""

    amount: int = Field(ge=0)
    unit: str

    @field_validator("unit")
    @classmethod
    def _known_unit(cls, value: str) -> str:
        if value not in DURATION_UNITS:
            raise ValueError(f"unknown unit '{value}'; units are {', '.join(DURATION_UNITS)}")
        return value

    @classmethod
    def parse(cls, value: Any) -> Any:
        if isinstance(value, str):
            match = _DURATION.match(value)
            if not match:
                raise ValueError(f"'{value}' is not a duration like '2 working_days' or '30 minutes'")
            return {"amount": int(match.group(1)), "unit": match.group(2)}
        if isinstance(value, int):
            raise ValueError(f"{value} has no unit; write e.g. '{value} working_days'")
        return value

    def __str__(self) -> str:
        return f"{self.amount} {self.unit}"


def parse_duration(value: Any) -> Any:
    """For `field_validator(..., mode="before")`: accept '2 working_days' as well as the mapping form."""
    return Duration.parse(value)
