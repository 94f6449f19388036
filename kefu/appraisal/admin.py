from django.contrib import admin

from kefu.appraisal.models import DailyReport, LedgerEntry, MonthlyRollup, ScoreRun


@admin.register(ScoreRun)
class ScoreRunAdmin(admin.ModelAdmin):
    list_display = ("period_kind", "period_start", "unit", "status", "approved_by", "approved_at")
    list_filter = ("period_kind", "status")
    readonly_fields = [f.name for f in ScoreRun._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(LedgerEntry)
class LedgerEntryAdmin(admin.ModelAdmin):
    """Read-only: entries change only through the services (approval once, corrections as new entries)."""

    list_display = ("created_at", "person", "kind", "reason_label", "amount", "points", "status", "source")
    list_filter = ("kind", "status", "source")
    search_fields = ("person__username", "reason_label")
    readonly_fields = [f.name for f in LedgerEntry._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(MonthlyRollup)
class MonthlyRollupAdmin(admin.ModelAdmin):
    list_display = ("month", "unit", "received", "closed", "clocks", "clocks_met", "breaches", "refreshed_at")
    readonly_fields = [f.name for f in MonthlyRollup._meta.fields]


@admin.register(DailyReport)
class DailyReportAdmin(admin.ModelAdmin):
    list_display = ("day", "person", "reviewed_by", "reviewed_at")
    list_filter = ("day",)
    readonly_fields = [f.name for f in DailyReport._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
