"""The `field_service` rulebook section: the numbers of the field-service procedures.

seed-004 D11 (客户服务管理办法, 维护与保养作业程序) 14: "所有服务作业，市区采用6小时，郊区采用7小时派工制，
即报修时间至抵达服务时间不得逾上班时间内6小时或7小时。"
D11 15: "保养合同期满前1个月，服务中心及分公司，应填具保养到期通知书寄与客户，并派员前往争取续约。"
D10 2.1 / D11 服务类别: A 有费服务 (parts + labour from the price list), B 合同服务 (as the contract
says), C 免费服务 (nothing in the guarantee period), D 一般行政工作 (internal work, nothing charged).
seeds-000-003 篇5: "售出的GPS系列产品保修期外维修只收零部件费用" (`parts_only_out_of_warranty`).
seed-002 Doc 4: repairs in 3 working days, the urgent kinds (burst pipes, power cuts …) in 24 hours.

    field_service:
      calendar: office            # working calendar the clocks count on
      arrival_hours: {urban: 6, suburban: 7}
      repair_working_days: 3
      urgent_hours: 24
      repeat_fault_days: 30       # same customer and equipment within N days: a repeat fault
      contract_notice_days: 30    # 保养到期通知书 one month before the contract ends
      parts_only_out_of_warranty: false
      prices:
        labour: {repair: 80, install: 120, ...}     # per order kind, yuan
        parts:  [{code: GPS-T1, name: 车载终端, price: 560}]
      auto_create:                 # repair cases routed to a unit with technicians → one order
        - {key: repair_routed, case_kind: repair, order_kind: repair}   # service type from the warranty
      offsite:
        return_working_days: 3          # take-back repairs: promised back by the end of the 3rd working day
        contractor_approver_role: manager   # who approves sending an order to an outside contractor

Orders pin the rulebook version they were created under (the origin case's, or the default
rulebook's), so a price change applies to new orders only.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from kefu.workorders.choices import OrderKind, ServiceType
from kefu.workorders.rules_clock import (
    ExtensionTier,
    ReconciliationRules,
    RepairClockRules,
    RepairLimit,
    check_repair_clock,
)

if TYPE_CHECKING:
    from kefu.rulebooks.schema import RulebookDoc

__all__ = (
    "ArrivalHours",
    "AutoCreateRule",
    "ExtensionTier",
    "FieldServiceSection",
    "OffsiteRules",
    "PartPrice",
    "Prices",
    "ReconciliationRules",
    "RepairClockRules",
    "RepairLimit",
    "check_field_service",
)

_STRICT = ConfigDict(extra="forbid", frozen=True)
KINDS = tuple(OrderKind.values)
TYPES = tuple(ServiceType.values)


class ArrivalHours(BaseModel):
    model_config = _STRICT

    urban: int = Field(default=6, ge=1, le=240)
    suburban: int = Field(default=7, ge=1, le=240)


class PartPrice(BaseModel):
    model_config = _STRICT

    code: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=100)
    price: Decimal = Field(ge=0, le=Decimal("1000000"), decimal_places=2)


class Prices(BaseModel):
    model_config = _STRICT

    labour: dict[str, Decimal] = Field(default_factory=dict)
    parts: list[PartPrice] = Field(default_factory=list)

    def part(self, code: str) -> PartPrice | None:
        return next((p for p in self.parts if p.code == code), None)


class AutoCreateRule(BaseModel):
    model_config = _STRICT

    key: str = Field(min_length=1, max_length=60, pattern=r"^[a-z0-9_]+$")
    case_kind: str = "repair"
    order_kind: str = "repair"
    service_type: str = ""  # "" → C when the equipment is in warranty, else A


class OffsiteRules(BaseModel):
    """Work not finished on site by our own technicians: take-back repairs (D10 2.2(4) "承诺完成时间",
    D11 6–9) and outside contractors (004 装维外包管理)."""

    model_config = _STRICT

    return_working_days: int = Field(default=3, ge=1, le=60)  # promised return, in working days
    contractor_approver_role: str = Field(default="manager", pattern=r"^[a-z_]+$")  # 外包 needs this role


class FieldServiceSection(BaseModel):
    model_config = _STRICT

    calendar: str = Field(default="office", min_length=1, max_length=40)
    arrival_hours: ArrivalHours = Field(default_factory=ArrivalHours)
    repair_working_days: int = Field(default=3, ge=1, le=60)
    urgent_hours: int = Field(default=24, ge=1, le=240)
    repeat_fault_days: int = Field(default=30, ge=0, le=365)
    contract_notice_days: int = Field(default=30, ge=0, le=365)
    parts_only_out_of_warranty: bool = False
    prices: Prices = Field(default_factory=Prices)
    auto_create: list[AutoCreateRule] = Field(default_factory=list)
    offsite: OffsiteRules = Field(default_factory=OffsiteRules)
    # Added for the repair clock and the register (kefu/workorders/rules_clock.py); defaults keep
    # sections written before them valid and behaving as documented.
    repair_clock: RepairClockRules = Field(default_factory=RepairClockRules)
    reconciliation: ReconciliationRules = Field(default_factory=ReconciliationRules)

    def arrival_limit_hours(self, region: str, *, urgent: bool = False) -> int:
        hours = self.arrival_hours.suburban if region == "suburban" else self.arrival_hours.urban
        return min(hours, self.urgent_hours) if urgent else hours


DEFAULT_SECTION = FieldServiceSection()


def check_field_service(doc: RulebookDoc, section: FieldServiceSection) -> list[tuple[tuple[Any, ...], str]]:
    """Cross-references: labour prices per known order kind, unique part codes and rule keys, and
    auto-create rules naming a case kind, order kind and service type that exist."""
    problems: list[tuple[tuple[Any, ...], str]] = []
    for kind in section.prices.labour:
        if kind not in KINDS:
            problems.append(
                (("prices", "labour", kind), f"unknown order kind '{kind}'; use one of: {', '.join(KINDS)}")
            )
    seen: set[str] = set()
    for i, part in enumerate(section.prices.parts):
        if part.code in seen:
            problems.append((("prices", "parts", i, "code"), f"part code '{part.code}' is listed twice"))
        seen.add(part.code)
    case_kinds = {t.kind for t in doc.case_types.values()}
    keys: set[str] = set()
    for i, rule in enumerate(section.auto_create):
        if rule.key in keys:
            problems.append((("auto_create", i, "key"), f"rule key '{rule.key}' is used twice"))
        keys.add(rule.key)
        if rule.case_kind not in case_kinds:
            known = ", ".join(sorted(case_kinds))
            problems.append((("auto_create", i, "case_kind"), f"no case type of kind '{rule.case_kind}' ({known})"))
        if rule.order_kind not in KINDS:
            problems.append((("auto_create", i, "order_kind"), f"unknown order kind '{rule.order_kind}'"))
        if rule.service_type and rule.service_type not in TYPES:
            problems.append((("auto_create", i, "service_type"), f"unknown service type '{rule.service_type}'"))
    problems.extend(check_repair_clock(doc, section.repair_clock))
    from kefu.org.choices import Role

    if section.offsite.contractor_approver_role not in Role.values:
        problems.append(
            (
                ("offsite", "contractor_approver_role"),
                f"unknown role '{section.offsite.contractor_approver_role}'; use one of: {', '.join(Role.values)}",
            )
        )
    return problems
