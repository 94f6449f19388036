"""The outbox the default SMS backend writes (read-only: what was sent stays as it was sent)."""

from django.contrib import admin

from kefu.portal.models import OutboxMessage


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ("created_at", "channel", "to", "body", "case")
    list_filter = ("channel",)
    search_fields = ("to", "case__number")
    list_select_related = ("case",)
    date_hierarchy = "created_at"
    readonly_fields = ("created_at", "channel", "to", "body", "case")

    def has_add_permission(self, request):  # noqa: ANN001
        return False

    def has_change_permission(self, request, obj=None):  # noqa: ANN001
        return False

    def has_delete_permission(self, request, obj=None):  # noqa: ANN001
        return False
