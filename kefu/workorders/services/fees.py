"""Fees by service type (seed-004 D10 2.1, D11 服务类别; seeds-000-003 篇5).

* A 有费服务 (paid, after the guarantee): labour from the price list for the order's kind + the parts
  used at their price. With `parts_only_out_of_warranty` (篇5: GPS repairs out of warranty charge
  the parts only) the labour is 0.
* B 合同服务 (contract, as the maintenance contract says): labour free; parts charged unless the
  contract includes them (D10 2.1(2) "一般收取零配件成本费用，免收维修工时费用").
* C 免费服务 (guarantee period): nothing.
* D 一般行政工作 (internal work): nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from kefu.workorders.choices import ServiceType
from kefu.workorders.rules import FieldServiceSection

__all__ = ("Fee", "compute_fee")

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Fee:
    labour: Decimal
    parts: Decimal

    @property
    def total(self) -> Decimal:
        return self.labour + self.parts


def compute_fee(
    *, service_type: str, kind: str, parts_amount: Decimal, section: FieldServiceSection, parts_free: bool = False
) -> Fee:
    parts_amount = max(parts_amount, ZERO).quantize(Decimal("0.01"))
    if service_type == ServiceType.A:
        labour = ZERO if section.parts_only_out_of_warranty else section.prices.labour.get(kind, ZERO)
        return Fee(labour=Decimal(labour).quantize(Decimal("0.01")), parts=parts_amount)
    if service_type == ServiceType.B:
        return Fee(labour=ZERO, parts=ZERO if parts_free else parts_amount)
    return Fee(labour=ZERO, parts=ZERO)
