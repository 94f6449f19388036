"""Deadlines (SLA clocks), extensions, promised deadlines and escalation ladders in the rulebook format.

The reference is docs/sla.md; the engine that runs them is `kefu/sla/`.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from kefu.rulebooks.base import CODE, ROLES, Duration, Strict, check_roles, parse_duration
from kefu.rulebooks.conditions import When

__all__ = (
    "ClockDef",
    "ExtensionDef",
    "ExtensionTierDef",
    "LadderStepDef",
    "PromiseDef",
    "SlaDef",
    "VariantDef",
)

# Who a ladder step can name besides a role: the case's own people.
CASE_TARGETS = ("owner", "assignee", "receiver")


class VariantDef(Strict):
    when: When
    within: Duration

    @field_validator("within", mode="before")
    @classmethod
    def _parse_within(cls, value: Any) -> Any:
        return parse_duration(value)


class ExtensionTierDef(Strict):
    # Extensions totalling up to `up_to` (counted like the clock, from the deadline) need one of `roles`.
    up_to: Duration
    roles: list[str] = Field(min_length=1)

    @field_validator("up_to", mode="before")
    @classmethod
    def _parse_up_to(cls, value: Any) -> Any:
        return parse_duration(value)

    @field_validator("roles")
    @classmethod
    def _known_roles(cls, value: list[str]) -> list[str]:
        return check_roles(value)


class ExtensionDef(Strict):
    """Who may move the deadline and by how much in total.

    Either `{max, roles}` (one tier) or `tiers` (the longer the total extension, the higher the role
    that must grant it). `when` limits extensions to some cases (001 篇10: only 特殊复杂);
    `customer_consent` says whether the customer's agreement is recorded with each extension.
    """

    max: Duration | None = None
    roles: list[str] | None = None
    tiers: list[ExtensionTierDef] | None = None
    when: str | None = None
    customer_consent: Literal["none", "optional", "required"] = "none"

    @field_validator("max", mode="before")
    @classmethod
    def _parse_max(cls, value: Any) -> Any:
        return None if value is None else parse_duration(value)

    @field_validator("roles")
    @classmethod
    def _known_roles(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else check_roles(value)

    @model_validator(mode="after")
    def _one_form(self) -> ExtensionDef:
        if self.tiers is not None:
            if self.max is not None or self.roles is not None:
                raise ValueError("give either max and roles, or tiers, not both")
            if not self.tiers:
                raise ValueError("tiers needs at least one tier")
        elif self.max is None or not self.roles:
            raise ValueError("an extension needs max and roles (or tiers)")
        return self

    @property
    def steps(self) -> list[ExtensionTierDef]:
        """The tiers, the single {max, roles} form read as one tier."""
        if self.tiers is not None:
            return list(self.tiers)
        assert self.max is not None and self.roles is not None
        return [ExtensionTierDef(up_to=self.max, roles=self.roles)]

    @property
    def total(self) -> Duration:
        return self.steps[-1].up_to

    @property
    def all_roles(self) -> list[str]:
        return sorted({role for tier in self.steps for role in tier.roles})


class PromiseDef(Strict):
    """The deadline is the time promised to the customer, set on the case by one of `roles`, between
    `min` and `max` after the clock started (counted on the clock's calendar)."""

    min: Duration = Field(default_factory=lambda: Duration(amount=0, unit="minutes"))
    max: Duration
    roles: list[str] = Field(min_length=1)

    @field_validator("min", "max", mode="before")
    @classmethod
    def _parse(cls, value: Any) -> Any:
        return parse_duration(value)

    @field_validator("roles")
    @classmethod
    def _known_roles(cls, value: list[str]) -> list[str]:
        return check_roles(value)


class ClockDef(Strict):
    key: str = Field(pattern=CODE)
    label: str = Field(min_length=1)
    label_en: str = ""
    # The clock starts at registration ('registered') or when the case enters one of `starts_on`,
    # and only for cases matching `when` (e.g. only emergencies get the 3-minute clock).
    starts_on: list[str] = Field(default_factory=lambda: ["registered"])
    when: When | None = None
    # Entering any of these states stops the clock: met if before the deadline, late otherwise.
    stops_on: list[str] = Field(min_length=1)
    # The limit; optional for a promised clock (then: no deadline until someone promises one).
    within: Duration | None = None
    variants: list[VariantDef] = Field(default_factory=list)
    calendar: str | None = None
    warn_at: int = Field(default=75, ge=1, le=99)
    ladder: str | None = None
    # `deadline`: ladder steps fire `after` past the deadline; `start`: `after` the clock started
    # (escalation because the matter is still unresolved, whatever the deadline).
    escalate_from: Literal["deadline", "start"] = "deadline"
    extension: ExtensionDef | None = None
    promise: PromiseDef | None = None
    # The clock the monthly report's "closed in time" counts.
    resolution: bool = False

    @field_validator("within", mode="before")
    @classmethod
    def _parse_within(cls, value: Any) -> Any:
        return None if value is None else parse_duration(value)

    @model_validator(mode="after")
    def _has_limit(self) -> ClockDef:
        if self.within is None and self.promise is None:
            raise ValueError("a clock needs `within` (its limit), or `promise` (a deadline set on the case)")
        if self.within is None and self.variants:
            raise ValueError("variants change `within`, which this clock does not have")
        return self


class SlaDef(Strict):
    # States in which every running clock of the case pauses (waiting on the customer, parts, a third party).
    pause_in: list[str] = Field(default_factory=list)
    clocks: list[ClockDef] = Field(default_factory=list)


class LadderStepDef(Strict):
    # Fires `after` this long past the deadline (or the start, see ClockDef.escalate_from), counted on
    # the clock's calendar; '0 minutes' = at the deadline.
    after: Duration
    notify: list[str] = Field(default_factory=list)
    label: str = ""
    # Besides telling people, the step can change the case (recorded in its history):
    # hand it to the nearest person with this role, or add them as a supervisor (督办人).
    reassign: str | None = None
    add_supervisor: str | None = None

    @field_validator("after", mode="before")
    @classmethod
    def _parse_after(cls, value: Any) -> Any:
        return parse_duration(value)

    @field_validator("notify")
    @classmethod
    def _known_targets(cls, value: list[str]) -> list[str]:
        from kefu.org.targets import registered_targets

        extra = sorted(registered_targets())
        allowed = {*CASE_TARGETS, *ROLES, *extra}
        bad = [t for t in value if t not in allowed]
        if bad:
            also = f", {', '.join(extra)}" if extra else ""
            raise ValueError(f"unknown recipient(s) {bad}; use owner, assignee, receiver{also} or a role")
        return value

    @field_validator("reassign", "add_supervisor")
    @classmethod
    def _role_target(cls, value: str | None) -> str | None:
        if value is not None and value not in ROLES:
            raise ValueError(f"unknown role '{value}'; roles are {', '.join(ROLES)}")
        return value

    @model_validator(mode="after")
    def _does_something(self) -> LadderStepDef:
        if not self.notify and self.reassign is None and self.add_supervisor is None:
            raise ValueError("a step must notify someone, reassign or add_supervisor")
        return self

    @property
    def actions(self) -> dict[str, str]:
        return {k: v for k, v in (("reassign", self.reassign), ("add_supervisor", self.add_supervisor)) if v}
