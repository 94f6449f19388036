"""Admin: shift patterns are configuration; rosters, shifts, swaps and the handover log change only
through the duty services (history, approvals), so the admin reads them."""

from typing import Any

from django.contrib import admin

from kefu.duty.models import CheckIn, HandoverEntry, Roster, Shift, ShiftEvent, ShiftPattern, SwapRequest


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(ShiftPattern)
class ShiftPatternAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "start", "duration_minutes", "is_active")

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False  # deactivate instead: shifts keep their pattern


@admin.register(Roster)
class RosterAdmin(_ReadOnly):
    list_display = ("unit", "month", "status", "created_by", "published_at")
    list_filter = ("status",)
    list_select_related = ("unit", "created_by")


class EventInline(admin.TabularInline):
    model = ShiftEvent
    fk_name = "shift"
    fields = ("created_at", "kind", "actor", "from_person", "to_person", "note")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Shift)
class ShiftAdmin(_ReadOnly):
    list_display = ("day", "unit", "pattern", "person", "starts_at", "ends_at", "status")
    list_filter = ("status", "pattern")
    list_select_related = ("unit", "pattern", "person")
    date_hierarchy = "day"
    inlines = [EventInline]


@admin.register(CheckIn)
class CheckInAdmin(_ReadOnly):
    list_display = ("checked_in_at", "person", "shift", "due_by", "minutes_late")
    list_select_related = ("person", "shift__pattern")


@admin.register(SwapRequest)
class SwapRequestAdmin(_ReadOnly):
    list_display = ("created_at", "shift", "requester", "counterpart", "status", "decided_by")
    list_filter = ("status",)
    list_select_related = ("shift__pattern", "shift__person", "requester", "counterpart", "decided_by")


@admin.register(HandoverEntry)
class HandoverEntryAdmin(_ReadOnly):
    list_display = ("created_at", "unit", "author", "received_by", "received_at")
    list_select_related = ("unit", "author", "received_by")
