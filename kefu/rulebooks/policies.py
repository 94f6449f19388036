"""Smaller parts of the rulebook format: channels, required input on transitions, sealed case types,
retention. docs/rulebooks.md documents each field."""

from __future__ import annotations

import re
from typing import Any

from pydantic import Field, field_validator

from kefu.rulebooks.base import CODE, Strict, check_roles
from kefu.rulebooks.choices import Channel

__all__ = ("ChannelDef", "RequiresDef", "RetentionDef", "RetentionPeriod", "RetentionVariantDef", "SealedDef")


class ChannelDef(Strict):
    """A channel of this rulebook: one of Kefu's global channels (optionally relabelled) or its own."""

    code: str = Field(pattern=CODE, max_length=20)
    label: str = Field(default="", max_length=100)
    label_en: str = Field(default="", max_length=100)

    @property
    def is_global(self) -> bool:
        return self.code in Channel.values


class RequiresDef(Strict):
    """Input a transition cannot be taken without, whatever its action."""

    comment: bool = False
    # Form fields that must have a value once the transition is done (its form asks for them).
    fields: list[str] = Field(default_factory=list)
    # An attachment of the case named in the transition's input (uploaded with it, on the web).
    attachment: bool = False


class SealedDef(Strict):
    """Cases of this type are visible only to these roles and to the people assigned to the case
    (owner, handler, supervisors added by escalation), like sealed confidential files."""

    roles: list[str] = Field(min_length=1)

    @field_validator("roles")
    @classmethod
    def _known_roles(cls, value: list[str]) -> list[str]:
        return check_roles(value)


_PERIOD = re.compile(r"^\s*(\d+)\s+(days|months|years)\s*$")


class RetentionPeriod(Strict):
    amount: int = Field(ge=1, le=100 * 12)
    unit: str

    @classmethod
    def parse(cls, value: Any) -> Any:
        if isinstance(value, str):
            match = _PERIOD.match(value)
            if not match:
                raise ValueError(f"'{value}' is not a period like '1 years', '6 months' or '90 days'")
            return {"amount": int(match.group(1)), "unit": match.group(2)}
        return value

    def __str__(self) -> str:
        return f"{self.amount} {self.unit}"


class RetentionVariantDef(Strict):
    when: str
    archive_after: RetentionPeriod

    @field_validator("archive_after", mode="before")
    @classmethod
    def _parse(cls, value: Any) -> Any:
        return RetentionPeriod.parse(value)


class RetentionDef(Strict):
    """Closed cases are archived (never deleted) this long after they were closed; the first matching
    variant wins (000 篇12: 1 year, important records longer)."""

    archive_after: RetentionPeriod
    variants: list[RetentionVariantDef] = Field(default_factory=list)

    @field_validator("archive_after", mode="before")
    @classmethod
    def _parse(cls, value: Any) -> Any:
        return RetentionPeriod.parse(value)
