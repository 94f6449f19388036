"""Approval chains (核决权限) in the rulebook format.

A chain is written either as a list of steps (format v1) or as a mapping with a `measure`:

    approval_chains:
      claim:                                   # v1: limits in yuan against the remedy total
        - {role: manager, label: 业务部经理, limit: 5000}
        - {role: general_manager, label: 总经理}
      data_request:                            # limits in records: seed-002 Doc 2
        measure: fields.record_count
        steps:
          - {role: deputy_gm, label: 副总经理, limit: 2000}
          - {role: general_manager, label: 总经理}
      penalty:                                 # conditional steps: 篇2
        steps:
          - {role: manager, label: 部门经理, when: 'subject.role != "manager"'}
          - {role: general_manager, label: 总经理（人事行政部报请）, when: 'subject.role == "manager"'}

Both forms are read into `ApprovalChainDef`; stored versions in the list form stay valid.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import Field, field_validator, model_validator

from kefu.rulebooks.base import ROLES, Strict

__all__ = ("ApprovalChainDef", "ApprovalStepDef")


class ApprovalStepDef(Strict):
    role: str
    label: str = ""
    # Authority limit in the chain's measure (yuan of remedy by default): this step can finally
    # approve a case whose measure is at most `limit`; none = unlimited.
    limit: Decimal | None = Field(default=None, ge=0)
    # The step exists only for cases matching this condition (e.g. the person complained about is a manager).
    when: str | None = None

    @field_validator("role")
    @classmethod
    def _known_role(cls, value: str) -> str:
        if value not in ROLES:
            raise ValueError(f"unknown role '{value}'; roles are {', '.join(ROLES)}")
        return value


class ApprovalChainDef(Strict):
    # What the limits are compared with: an expression giving a number (default: the remedy total).
    measure: str = "remedy_total"
    steps: list[ApprovalStepDef] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _from_list(cls, value: Any) -> Any:
        # Format v1: the chain is just its list of steps, measured against the remedy total.
        if isinstance(value, list):
            return {"steps": value}
        return value
