"""The `appraisal` rulebook section: KPIs, their weights, what ranks bring, and the ledger's tiers.

    appraisal:
      population: [agent, handler, supervisor]          # the roles that get a scorecard
      approvers: [manager, general_manager]             # approve scorecards and ledger entries
      manager_roles: [manager, deputy_gm]               # a subject with one of these roles …
      manager_subject_approvers: [general_manager]      # … is approved by these instead (篇2: HR + GM)
      groups:                                           # weighted parts of the score, weights sum to 100
        - {code: records, label: 店长考核, weight: 70}
        - {code: self, label: 本人自评, weight: 30, assessed_by: self}
      kpis:
        - {code: timeliness, label: 及时率, measure: cases.on_time, group: records, points: 60,
           period: month, target: 95, scoring: per_point_short, per_point: 1}
      consequences:
        - {period: month, ranks: [1, 1], action: reward, amount: 100, reason: rank_first}
        - {period: month, bottom: 2, action: rectification, days: 7}
        - {period: month, bottom: 1, action: flag, consecutive: 3}
      ledger:
        finding_reason: complaint_finding               # the penalty a responsibility finding proposes
        service_points: {baseline: 17, per_point: 270}
        tiers:   [{code: t2, label: 二级, amount: 200, points: 5}, …]
        reasons: [{code: complaint_finding, label: 有责投诉, kind: penalty, tier: t2}, …]

Scoring (all floor at 0, never above the KPI's `points`): `per_point_short` takes `per_point`
points off per percentage point the rate is under `target` (D15 "每低于考核目标值一个百分点扣1分，
扣完为止"); `per_incident` takes `per_point` off per counted incident (D15 扣分项 "每次扣1分");
`ratio` gives the rate as a share of the points (a 100-point KPI scores the rate in percent). A KPI
with nothing to measure (no clock stopped, no case closed) scores its full points. docs/appraisal.md.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from kefu.appraisal.choices import EntryKind, PeriodKind, ReportContent, ReportPeriod, Scoring
from kefu.rulebooks.base import CODE, check_roles

if TYPE_CHECKING:
    from kefu.rulebooks.schema import RulebookDoc

__all__ = ("AppraisalSection", "check_appraisal")

Money = Decimal


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class GroupDef(_Strict):
    code: str = Field(pattern=CODE, max_length=40)
    label: str = Field(min_length=1, max_length=100)
    weight: Decimal = Field(gt=0, le=100)
    # A group scored by a person (out of 100) instead of measured: `self` (the person) or `manager`.
    assessed_by: str | None = Field(default=None, pattern=r"^(self|manager)$")


class KpiDef(_Strict):
    code: str = Field(pattern=CODE, max_length=40)
    label: str = Field(min_length=1, max_length=100)
    measure: str = Field(min_length=1, max_length=60)
    group: str
    points: Decimal = Field(gt=0, le=1000)
    period: PeriodKind = PeriodKind.MONTH
    scoring: Scoring
    target: Decimal | None = Field(default=None, ge=0, le=100)
    per_point: Decimal = Field(default=Decimal(1), ge=0, le=1000)
    clock: str = Field(default="", max_length=40)  # cases.on_time: only this clock
    # Only people with these roles are scored on it (D15: the field KPIs are the technicians'); none = everyone.
    roles: list[str] = Field(default_factory=list, max_length=10)
    note: str = Field(default="", max_length=200)

    @field_validator("roles")
    @classmethod
    def _roles(cls, value: list[str]) -> list[str]:
        return check_roles(value)

    @model_validator(mode="after")
    def _target(self) -> KpiDef:
        if self.scoring == Scoring.PER_POINT_SHORT and self.target is None:
            raise ValueError("per_point_short needs a target (percent)")
        return self


class ConsequenceDef(_Strict):
    period: PeriodKind = PeriodKind.MONTH
    ranks: tuple[int, int] | None = None  # [first, last] from the top, inclusive
    bottom: int | None = Field(default=None, ge=1, le=100)  # the last N
    action: str = Field(pattern=r"^(reward|penalty|rectification|flag)$")
    amount: Decimal = Field(default=Decimal(0), ge=0, le=1_000_000, decimal_places=2)
    points: Decimal = Field(default=Decimal(0), ge=0, le=1000)
    reason: str = Field(default="", max_length=40)
    days: int = Field(default=7, ge=1, le=90)  # rectification plan due within
    consecutive: int = Field(default=1, ge=1, le=24)  # flag: this many periods in a row
    note: str = Field(default="", max_length=200)

    @model_validator(mode="after")
    def _which(self) -> ConsequenceDef:
        if (self.ranks is None) == (self.bottom is None):
            raise ValueError("give either ranks: [first, last] or bottom: N")
        if self.ranks is not None and not (1 <= self.ranks[0] <= self.ranks[1]):
            raise ValueError("ranks must be [first, last] with 1 ≤ first ≤ last")
        if self.action in ("reward", "penalty") and not self.reason:
            raise ValueError("a reward or penalty names its ledger reason")
        return self


class TierDef(_Strict):
    code: str = Field(pattern=CODE, max_length=40)
    label: str = Field(min_length=1, max_length=100)
    amount: Decimal = Field(default=Decimal(0), ge=0, le=1_000_000, decimal_places=2)
    amount_max: Decimal | None = Field(
        default=None, ge=0, le=1_000_000, decimal_places=2
    )  # a range: amount..amount_max
    points: Decimal = Field(default=Decimal(0), ge=0, le=1000)
    note: str = Field(default="", max_length=200)


class ReasonDef(_Strict):
    code: str = Field(pattern=CODE, max_length=40)
    label: str = Field(min_length=1, max_length=100)
    kind: EntryKind
    tier: str = ""
    amount: Decimal | None = Field(default=None, ge=0, le=1_000_000, decimal_places=2)
    points: Decimal | None = Field(default=None, ge=0, le=1000)
    note: str = Field(default="", max_length=200)


class ServicePointsDef(_Strict):
    baseline: Decimal = Field(ge=0, le=1000)
    per_point: Decimal = Field(ge=0, le=100_000, decimal_places=2)


class LedgerDef(_Strict):
    tiers: list[TierDef] = Field(default_factory=list, max_length=50)
    reasons: list[ReasonDef] = Field(default_factory=list, max_length=200)
    finding_reason: str = ""
    service_points: ServicePointsDef | None = None

    def reason(self, code: str) -> ReasonDef | None:
        return next((r for r in self.reasons if r.code == code), None)

    def tier(self, code: str) -> TierDef | None:
        return next((t for t in self.tiers if t.code == code), None)


from kefu.appraisal.schedule import WEEKDAYS  # noqa: E402


class ReportDef(_Strict):
    """A scheduled report (篇9 monthly statistics before the 10th; 篇11 weekly and monthly supervision
    reports, the bulletin before the 20th). `day` is the day it is generated and sent: a weekday for a
    weekly report, a day of the month (1–28) for the others (for half-yearly and annual reports: of the
    month after the period). It always covers the latest period that ended before that day."""

    code: str = Field(pattern=CODE, max_length=40)
    label: str = Field(min_length=1, max_length=100)
    period: ReportPeriod
    day: str | int = 1
    roles: list[str] = Field(min_length=1, max_length=10)  # recipients: these roles in the unit, above and below
    units: list[str] = Field(default_factory=list, max_length=50)  # unit codes; none = the whole organisation
    contents: list[ReportContent] = Field(min_length=1, max_length=4)
    note: str = Field(default="", max_length=200)

    @field_validator("roles")
    @classmethod
    def _roles(cls, value: list[str]) -> list[str]:
        return check_roles(value)

    @model_validator(mode="after")
    def _day(self) -> ReportDef:
        if self.period == ReportPeriod.WEEK:
            if self.day not in WEEKDAYS:
                raise ValueError(f"a weekly report names its weekday: one of {', '.join(WEEKDAYS)}")
        elif self.period != ReportPeriod.DAY and not (isinstance(self.day, int) and 1 <= self.day <= 28):
            raise ValueError("day must be a day of the month from 1 to 28 (every month has it)")
        return self


class AppraisalSection(_Strict):
    population: list[str] = Field(default_factory=lambda: ["agent", "handler", "technician", "supervisor"])
    approvers: list[str] = Field(default_factory=lambda: ["manager", "general_manager"])
    manager_roles: list[str] = Field(default_factory=lambda: ["supervisor", "manager", "deputy_gm", "general_manager"])
    manager_subject_approvers: list[str] = Field(default_factory=lambda: ["general_manager"])
    groups: list[GroupDef] = Field(min_length=1, max_length=10)
    kpis: list[KpiDef] = Field(default_factory=list, max_length=100)
    consequences: list[ConsequenceDef] = Field(default_factory=list, max_length=50)
    ledger: LedgerDef = Field(default_factory=LedgerDef)
    reports: list[ReportDef] = Field(default_factory=list, max_length=30)

    @field_validator("population", "approvers", "manager_roles", "manager_subject_approvers")
    @classmethod
    def _roles(cls, value: list[str]) -> list[str]:
        return check_roles(value)

    def kpis_for(self, period: str) -> list[KpiDef]:
        return [k for k in self.kpis if k.period == period]

    def group(self, code: str) -> GroupDef | None:
        return next((g for g in self.groups if g.code == code), None)


def check_appraisal(doc: RulebookDoc, section: Any) -> list[tuple[tuple[Any, ...], str]]:
    """Cross-references: weights sum to 100, KPIs name a known measure and group, consequences and
    reasons name known reasons and tiers. Each problem names its line's path."""
    from kefu.appraisal.measures import registered_measures

    problems: list[tuple[tuple[Any, ...], str]] = []
    total = sum((g.weight for g in section.groups), Decimal(0))
    if total != 100:
        problems.append((("groups",), f"the group weights add up to {total}, not 100"))
    seen: set[str] = set()
    for i, g in enumerate(section.groups):
        if g.code in seen:
            problems.append((("groups", i, "code"), f"'{g.code}' is used twice"))
        seen.add(g.code)
    measures = registered_measures()
    kpi_codes: set[str] = set()
    for i, k in enumerate(section.kpis):
        group = section.group(k.group)
        if k.code in kpi_codes or k.code in seen:
            problems.append((("kpis", i, "code"), f"'{k.code}' is used twice"))
        kpi_codes.add(k.code)
        if group is None:
            problems.append((("kpis", i, "group"), f"unknown group '{k.group}'; groups are {sorted(seen)}"))
        elif group.assessed_by:
            problems.append((("kpis", i, "group"), f"group '{k.group}' is assessed by a person and has no KPIs"))
        measure = measures.get(k.measure)
        if measure is None:
            problems.append((("kpis", i, "measure"), f"unknown measure '{k.measure}'; measures are {sorted(measures)}"))
        elif k.scoring in (Scoring.PER_POINT_SHORT, Scoring.RATIO) and measure.kind != "rate":
            problems.append(
                (("kpis", i, "scoring"), f"{k.scoring} needs a rate measure; '{k.measure}' is a {measure.kind}")
            )
        elif k.scoring == Scoring.PER_INCIDENT and measure.kind != "count":
            problems.append(
                (("kpis", i, "scoring"), f"per_incident needs a count measure; '{k.measure}' is a {measure.kind}")
            )
    for g in section.groups:
        if not g.assessed_by and not any(k.group == g.code for k in section.kpis):
            problems.append(
                (("groups", section.groups.index(g), "code"), f"group '{g.code}' has no KPIs and nobody assesses it")
            )
    ledger = section.ledger
    tiers = {t.code for t in ledger.tiers}
    reasons = {r.code for r in ledger.reasons}
    for i, r in enumerate(ledger.reasons):
        if r.tier and r.tier not in tiers:
            problems.append((("ledger", "reasons", i, "tier"), f"unknown tier '{r.tier}'; tiers are {sorted(tiers)}"))
    if ledger.finding_reason and ledger.finding_reason not in reasons:
        problems.append((("ledger", "finding_reason"), f"unknown reason '{ledger.finding_reason}'"))
    for i, c in enumerate(section.consequences):
        if c.reason and c.reason not in reasons:
            problems.append(
                (("consequences", i, "reason"), f"unknown ledger reason '{c.reason}'; reasons are {sorted(reasons)}")
            )
    codes: set[str] = set()
    for i, r in enumerate(section.reports):
        if r.code in codes:
            problems.append((("reports", i, "code"), f"'{r.code}' is used twice"))
        codes.add(r.code)
    return problems
