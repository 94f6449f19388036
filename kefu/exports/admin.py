"""The logs of customer data in and out, read-only: nothing here is edited or deleted."""

from django.contrib import admin

from kefu.exports.models import ExportDownload, ExportRecord, ExportRequest, ImportBatch


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor", "file_name", "row_count", "created_count", "sha256")
    search_fields = ("file_name", "sha256", "actor__username")
    date_hierarchy = "at"


@admin.register(ExportRecord)
class ExportRecordAdmin(ReadOnlyAdmin):
    list_display = ("at", "exporter", "file_format", "row_count", "masked", "file_name", "request")
    list_filter = ("masked", "file_format")
    search_fields = ("file_name", "sha256", "exporter__username")
    date_hierarchy = "at"


@admin.register(ExportRequest)
class ExportRequestAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "requested_at",
        "requester",
        "row_count",
        "approver_role",
        "status",
        "decided_by",
        "expires_at",
    )
    list_filter = ("status", "approver_role")
    search_fields = ("requester__username", "reason", "sha256")
    exclude = ("content",)


@admin.register(ExportDownload)
class ExportDownloadAdmin(ReadOnlyAdmin):
    list_display = ("at", "user", "request", "surface")
    search_fields = ("user__username",)
