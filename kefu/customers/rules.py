"""The rulebook sections of customer files: `customer_tiers` (which tier a file is in, and why) and
`care` (which greetings to make, how early, with what words, by whom).

Sources (the Chinese originals decide):

* seed-004 D18 第二章 1: "VIP客户【指累计认购基金份额500 万以上的合格投资者】、高级净值客户【…300万-500万
  (不含)…】、准高级净值客户【…100万-300万(不含)…】、中级净值客户【…低于100万…】、目标净值客户【指潜在的可能
  认购…】" → tiers by `revenue_at_least`; 第十条: "在重要节假日或客户生日时，对现有的各种级别客户均须编写
  短信、祝福电话或者邮件问候" → `care`.
* seed-004 D7 (A/B/C/D customers) and issue 9 ("grade and tier rules … key accounts") → `grades`.

    customer_tiers:
      tiers:                      # first match wins
        - {code: key, label: 重点客户, grades: [key]}
        - {code: vip, label: VIP客户, revenue_at_least: 5000000}
        - {code: senior, label: 高级净值客户, revenue_at_least: 3000000}
      default: {code: target, label: 目标客户}
    care:
      occasions: [birthday, spring_festival, new_year, labour_day, mid_autumn, national_day]
      days_ahead: 3
      calendar: office
      assignee_role: ""           # "" → the person who keeps the file
      templates:
        birthday: "{name}您好，祝您生日快乐！"
        default: "{name}您好，{occasion}将至，祝您节日快乐！"

This app sits below the rulebook engine (which reads `kefu.customers.choices`), so the models here
import nothing from it; `CustomersConfig.ready()` registers them and the services read the default
rulebook's active version through a late import.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from kefu.customers.choices import CareOccasion, CustomerGrade, CustomerType

if TYPE_CHECKING:
    from kefu.rulebooks.schema import RulebookDoc

__all__ = ("CareSection", "TierDef", "TiersSection", "check_care", "check_tiers")

TEMPLATE_VARIABLES = ("name", "occasion", "customer")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TierDef(_Strict):
    """A tier and the conditions a file must meet (all given ones) to be in it."""

    code: str = Field(min_length=1, max_length=30, pattern=r"^[a-z][a-z0-9_]*$")
    label: str = Field(min_length=1, max_length=60)
    revenue_at_least: Decimal | None = Field(default=None, ge=0)
    grades: list[CustomerGrade] = Field(default_factory=list)
    customer_types: list[CustomerType] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)

    def reason(self, customer: Any, tag_names: set[str]) -> str | None:
        """Why `customer` is in this tier, in words; None when it is not."""
        parts = []
        if self.revenue_at_least is not None:
            if customer.annual_revenue is None or customer.annual_revenue < self.revenue_at_least:
                return None
            parts.append(f"年度业务额 {customer.annual_revenue:,.0f} 元 ≥ {self.revenue_at_least:,.0f} 元")
        if self.grades:
            if customer.grade not in self.grades:
                return None
            parts.append(f"等级 {customer.get_grade_display()}")
        if self.customer_types:
            if customer.customer_type not in self.customer_types:
                return None
            parts.append(f"类型 {customer.get_customer_type_display()}")
        if self.tags:
            hit = [t for t in self.tags if t in tag_names]
            if not hit:
                return None
            parts.append("标签 " + "、".join(hit))
        return "；".join(parts) or "无条件"


class DefaultTierDef(_Strict):
    code: str = Field(min_length=1, max_length=30, pattern=r"^[a-z][a-z0-9_]*$")
    label: str = Field(min_length=1, max_length=60)


class TiersSection(_Strict):
    tiers: list[TierDef] = Field(min_length=1)
    default: DefaultTierDef | None = None

    @model_validator(mode="after")
    def _unique(self) -> TiersSection:
        codes = [t.code for t in self.tiers] + ([self.default.code] if self.default else [])
        if len(codes) != len(set(codes)):
            raise ValueError("tier codes must be unique")
        return self

    def decide(self, customer: Any, tag_names: set[str]) -> tuple[str, str, str]:
        """(code, label, reason) of the first tier `customer` meets, else the default, else ("", "", "").

        The reason is stored, so it is written in the site's language whoever triggered it."""
        from django.conf import settings
        from django.utils import translation

        with translation.override(settings.LANGUAGE_CODE):
            return self._decide(customer, tag_names)

    def _decide(self, customer: Any, tag_names: set[str]) -> tuple[str, str, str]:
        for tier in self.tiers:
            reason = tier.reason(customer, tag_names)
            if reason is not None:
                return tier.code, tier.label, reason
        if self.default is not None:
            return self.default.code, self.default.label, "未满足任何分级条件"
        return "", "", ""


class CareSection(_Strict):
    occasions: list[CareOccasion] = Field(min_length=1)
    days_ahead: int = Field(default=3, ge=0, le=60)
    calendar: str = Field(default="office", min_length=1, max_length=40)
    # A role whose people in the file keeper's unit get the list; "" → the keeper of the file.
    assignee_role: str = Field(default="", max_length=30)
    templates: dict[str, str] = Field(default_factory=dict)

    @field_validator("templates")
    @classmethod
    def _templates(cls, value: dict[str, str]) -> dict[str, str]:
        allowed = {*CareOccasion.values, "default"}
        for key, text in value.items():
            if key not in allowed:
                raise ValueError(f"unknown occasion '{key}' (one of {', '.join(sorted(allowed))})")
            if len(text) > 400:
                raise ValueError(f"template '{key}' is longer than 400 characters")
            try:
                text.format(**dict.fromkeys(TEMPLATE_VARIABLES, ""))
            except (KeyError, IndexError, ValueError) as exc:
                raise ValueError(
                    f"template '{key}' may use only {{name}}, {{occasion}} and {{customer}} ({exc})"
                ) from exc
        return value

    def template(self, occasion: str) -> str:
        return self.templates.get(occasion) or self.templates.get("default") or "{name}您好，祝您{occasion}快乐！"


def check_tiers(doc: RulebookDoc, section: Any) -> list[tuple[tuple[Any, ...], str]]:
    return []


def check_care(doc: RulebookDoc, section: Any) -> list[tuple[tuple[Any, ...], str]]:
    from kefu.org.choices import Role

    if section.assignee_role and section.assignee_role not in Role.values:
        return [(("assignee_role",), f"unknown role '{section.assignee_role}'")]
    return []
