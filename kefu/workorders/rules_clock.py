"""The repair clock and the register reconciliation keys of the `field_service` section.

seed-002 Doc 4 (Doc 13) 5.2.4: "各个专业本部门应在三个工作日内将《维修单》处理完毕,三个工作日内不能完成的,报物业
服务中心负责人批准签字延期,二周内不能修复的,报主任批准延期。" 5.2.5: "下列委托申请,要求在24小时内完成: 下水道,
便池堵,水管渗漏; 换灯管(工作日); 门锁坏(工作日); 若特殊情况24小时内无法完成,由物业服务中心负责人签字延期,同时需
取得业主的同意。"
seed-004 D16 第五条(二): "一般故障原则上在6小时内处理、24小时内修复" (from the report: "接到报修后").
seed-004 D11 13: "业务员应根据“报修登记簿”核对“服务凭证”后,将当天未派修工作,于次日送请主任优先派工。"

    field_service:
      repair_clock:
        starts: dispatch            # dispatch (工程取单后) | report (接到报修后)
        calendar: ""                # "" → the section's calendar
        limits:                     # first match wins; none matches → repair_working_days working days
          - {key: drains, label: 下水道、水管渗漏, categories: [drain_leak], within: 24, unit: hours,
             customer_consent: true}
          - {key: urgent, label: 紧急报修, urgent: true, within: 24, unit: hours}
        extension:
          customer_consent: false   # 5.2.5 "同时需取得业主的同意"
          tiers:                    # the new deadline, counted from the original one, decides who approves
            - {up_to: 7, unit: working_days, roles: [manager]}
            - {up_to: 40, unit: working_days, roles: [deputy_gm]}
      reconciliation:
        day_ends: "18:00"           # the register is reconciled for the day that ended then

Without `limits`, urgent orders get `urgent_hours` elapsed hours (5.2.5's "24小时内") and the rest
`repair_working_days` working days (5.2.4).
"""

from __future__ import annotations

from datetime import time
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from kefu.rulebooks.base import check_roles

if TYPE_CHECKING:
    from kefu.rulebooks.schema import RulebookDoc

__all__ = (
    "ExtensionRules",
    "ExtensionTier",
    "ReconciliationRules",
    "RepairClockRules",
    "RepairLimit",
    "check_repair_clock",
)

_STRICT = ConfigDict(extra="forbid", frozen=True)
Unit = Literal["hours", "working_hours", "working_days"]


class RepairLimit(BaseModel):
    """A repair limit for the orders it matches: every condition given must hold (kinds: the order's
    kind; categories: its case's category code; urgent: flagged urgent at intake)."""

    model_config = _STRICT

    key: str = Field(min_length=1, max_length=40, pattern=r"^[a-z0-9_]+$")
    label: str = Field(min_length=1, max_length=60)
    within: int = Field(ge=1, le=10000)
    unit: Unit
    kinds: list[str] = Field(default_factory=list)
    categories: list[str] = Field(default_factory=list)
    urgent: bool = False
    # 5.2.5 "延期…同时需取得业主的同意": an extension of this limit needs the customer's agreement.
    customer_consent: bool = False

    def matches(self, *, kind: str, category: str, urgent: bool) -> bool:
        if self.kinds and kind not in self.kinds:
            return False
        if self.categories and category not in self.categories:
            return False
        return not (self.urgent and not urgent)


class ExtensionTier(BaseModel):
    model_config = _STRICT

    up_to: int = Field(ge=1, le=10000)
    unit: Unit
    roles: list[str] = Field(min_length=1)

    @field_validator("roles")
    @classmethod
    def _known_roles(cls, value: list[str]) -> list[str]:
        return check_roles(value)


def _default_tiers() -> list[ExtensionTier]:
    # D11 9 "待修商品,不能按原定时间修妥者,技术员应即报请服务主任予以协助": the service supervisor.
    return [ExtensionTier(up_to=10, unit="working_days", roles=["supervisor", "manager"])]


class ExtensionRules(BaseModel):
    model_config = _STRICT

    customer_consent: bool = False
    tiers: list[ExtensionTier] = Field(default_factory=_default_tiers, min_length=1)


class RepairClockRules(BaseModel):
    model_config = _STRICT

    starts: Literal["dispatch", "report"] = "dispatch"
    calendar: str = Field(default="", max_length=40)
    limits: list[RepairLimit] = Field(default_factory=list)
    extension: ExtensionRules = Field(default_factory=ExtensionRules)


class ReconciliationRules(BaseModel):
    model_config = _STRICT

    # The register day ends here (local time): what was registered before and not dispatched by then
    # is carried over to the next day's dispatch, first.
    day_ends: time = time(18, 0)


def check_repair_clock(doc: RulebookDoc, rules: RepairClockRules) -> list[tuple[tuple[Any, ...], str]]:
    """Unique limit keys, known order kinds and category codes, tiers growing in order."""
    from kefu.workorders.choices import OrderKind

    problems: list[tuple[tuple[Any, ...], str]] = []
    codes = {c.code for c in doc.categories}
    keys: set[str] = set()
    for i, limit in enumerate(rules.limits):
        where = ("repair_clock", "limits", i)
        if limit.key in keys:
            problems.append(((*where, "key"), f"limit key '{limit.key}' is used twice"))
        keys.add(limit.key)
        for kind in limit.kinds:
            if kind not in OrderKind.values:
                problems.append(((*where, "kinds"), f"unknown order kind '{kind}'"))
        for code in limit.categories:
            if code not in codes:
                problems.append(((*where, "categories"), f"no category '{code}' in this rulebook"))
    tiers = rules.extension.tiers
    for i in range(1, len(tiers)):
        if tiers[i].unit == tiers[i - 1].unit and tiers[i].up_to <= tiers[i - 1].up_to:
            problems.append(
                (("repair_clock", "extension", "tiers", i, "up_to"), "each tier must allow more than the one before")
            )
    return problems
