"""The monthly statistics rollup: the counts `kefu.reports.counting.month_counts` gives for every case
of a month, kept per dimension and key, refreshed by the worker (`kefu/reports/rollup.py`).

A month's rows come in partitions (`scope`), so that an organisation-wide reader's figures can be
read without counting the month again, less the cases `visible_to` hides from that reader:

* `""` — every case of the month;
* `sealed:<sealed_roles>` — the month's cases of sealed case types, per `Case.sealed_roles` value;
* `about:<user id>:<sealed_roles>` — the month's cases about (`subject_person`) a person whose role
  sees the whole organisation, per `sealed_roles` value.

All partitions of a month are written in one transaction, so they always describe the same moment.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ("MonthlyCount", "ReportRollupState")


class MonthlyCount(models.Model):
    month = models.DateField(help_text="The month's first day (the organisation's months).")
    scope = models.CharField(max_length=240, blank=True, help_text="The partition: see the module.")
    dimension = models.CharField(max_length=100)
    # The group key (e.g. [version id, "complaint"] or [unit id, "售后部"]) as canonical JSON text:
    # equality of text is what the unique constraint needs, on every database.
    key = models.TextField()
    received = models.PositiveIntegerField(default=0)
    closed = models.PositiveIntegerField(default=0)
    in_time = models.PositiveIntegerField(default=0)
    applicable = models.PositiveIntegerField(default=0)
    established = models.PositiveIntegerField(default=0)
    not_established = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("monthly statistics count")
        verbose_name_plural = _("monthly statistics counts")
        constraints = [
            models.UniqueConstraint(fields=["month", "scope", "dimension", "key"], name="report_count_once"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.scope or '*'} {self.dimension} {self.key}"


class ReportRollupState(models.Model):
    """One row: when the rollup was last counted, and for which dimensions and readers."""

    key = models.CharField(max_length=40, unique=True)
    # The moment the last refresh started: every change committed before it is in the counts.
    refreshed_at = models.DateTimeField(null=True, blank=True)
    # A hash of the dimensions (the rulebooks' choice fields add some) and of the people whose cases
    # have an `about:` partition; when it differs from today's, the rollup is recounted in full.
    signature = models.CharField(max_length=64, blank=True)

    def __str__(self) -> str:
        return f"{self.key} {self.refreshed_at}"
