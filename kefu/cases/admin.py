from django.contrib import admin

from kefu.cases.models import Case, CaseEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    """Cases change only through the case services (history, locks, rules); the admin only reads."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class EventInline(admin.TabularInline):
    model = CaseEvent
    fields = ("created_at", "kind", "transition", "actor", "from_stage", "to_stage", "message")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = ("number", "case_type", "title", "stage", "status", "owner", "responsible_unit", "received_at")
    list_filter = ("status", "case_type", "channel")
    search_fields = ("number", "title")
    list_select_related = ("owner", "responsible_unit")
    raw_id_fields = ("customer", "contact", "parent", "merged_into")
    show_full_result_count = False  # no COUNT(*) over millions of cases
    inlines = [EventInline]
