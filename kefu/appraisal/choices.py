from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = (
    "EntryKind",
    "EntrySource",
    "EntryStatus",
    "PeriodKind",
    "ReportContent",
    "ReportPeriod",
    "RunStatus",
    "Scoring",
)


class PeriodKind(models.TextChoices):
    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")
    YEAR = "year", _("Year")


class Scoring(models.TextChoices):
    # −k points per percentage point under the target, floor 0 (seed-004 D15: 每低于考核目标值一个百分点扣1分，扣完为止)
    PER_POINT_SHORT = "per_point_short", _("Points off per percentage point under target")
    # −k points per incident (D15 扣分项: 每次扣1分), floor 0
    PER_INCIDENT = "per_incident", _("Points off per incident")
    # the rate itself scaled to the item's points (a 100-point item: rate × 100)
    RATIO = "ratio", _("Rate × points")


class RunStatus(models.TextChoices):
    COMPUTED = "computed", _("Computed")
    APPROVED = "approved", _("Approved")


class EntryKind(models.TextChoices):
    REWARD = "reward", _("Reward")
    PENALTY = "penalty", _("Penalty")


class EntrySource(models.TextChoices):
    CASE = "case", _("Case")
    SCORECARD = "scorecard", _("Scorecard")
    MANUAL = "manual", _("Entered by hand")
    CORRECTION = "correction", _("Correction")
    # Drafted from another app's records by a registered ledger source (work orders: 返修, 未签收).
    RECORDS = "records", _("Service records")


class EntryStatus(models.TextChoices):
    DRAFT = "draft", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class ReportPeriod(models.TextChoices):
    DAY = "day", _("Daily")
    WEEK = "week", _("Weekly")
    MONTH = "month", _("Monthly")
    HALF_YEAR = "half_year", _("Half-yearly")
    YEAR = "year", _("Annual")


class ReportContent(models.TextChoices):
    """The fixed vocabulary of what a scheduled report contains (rulebook `appraisal.reports[].contents`)."""

    STATISTICS = "statistics", _("Complaint statistics")
    SCORECARDS = "scorecards", _("Scorecards")
    LEDGER = "ledger", _("Rewards and penalties")
    TREND = "trend", _("On-time trend")
