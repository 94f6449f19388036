"""Admin: work orders change only through the services (history, versions, clocks), so the admin
reads them; equipment is customer data the admin may correct."""

from typing import Any

from django.contrib import admin

from kefu.workorders.models import (
    DailyReport,
    Equipment,
    MaintenanceContract,
    PartLine,
    RegisterDay,
    RepairExtension,
    WorkOrder,
    WorkOrderEvent,
)


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False


class PartInline(_ReadOnlyInline):
    model = PartLine
    fields = ("code", "name", "quantity", "unit_price", "added_by", "created_at")
    readonly_fields = fields


class EventInline(_ReadOnlyInline):
    model = WorkOrderEvent
    fields = ("version", "kind", "actor", "from_status", "to_status", "note", "created_at")
    readonly_fields = fields


@admin.register(WorkOrder)
class WorkOrderAdmin(admin.ModelAdmin):
    list_display = ("number", "kind", "service_type", "status", "customer", "unit", "technician", "arrival_due_at")
    list_filter = ("status", "kind", "service_type", "urgent")
    search_fields = ("number", "customer__name", "address")
    list_select_related = ("customer", "unit", "technician")
    inlines = (PartInline, EventInline)
    exclude = ("signature",)

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Equipment)
class EquipmentAdmin(admin.ModelAdmin):
    list_display = ("model_name", "serial_no", "terminal_no", "sim_no", "customer", "warranty_end")
    search_fields = ("serial_no", "terminal_no", "sim_no", "customer__name")
    raw_id_fields = ("customer",)

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(MaintenanceContract)
class MaintenanceContractAdmin(admin.ModelAdmin):
    list_display = ("number", "customer", "unit", "starts_on", "ends_on", "parts_free", "notice_sent_at")
    search_fields = ("number", "customer__name")
    raw_id_fields = ("customer", "equipment", "renewal_order")
    readonly_fields = ("notice_sent_at", "renewal_order", "created_by", "renewed_from")

    def has_add_permission(self, request: Any) -> bool:
        return False  # through contract_create (checks and the supervisor's right)

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


# Take-back repairs, photos and contractor requests: read here, written by the services.
from kefu.workorders.models import (  # noqa: E402
    Contractor,
    ContractorRequest,
    GoodsMovement,
    OrderPhoto,
    RepairEntry,
    TakeBack,
)


class MovementInline(_ReadOnlyInline):
    model = GoodsMovement
    fk_name = "takeback"
    fields = ("seq", "kind", "note", "corrects", "actor", "at")
    readonly_fields = fields


class RepairInline(_ReadOnlyInline):
    model = RepairEntry
    fields = ("technician", "minutes", "findings", "created_at")
    readonly_fields = fields


class _ReadOnlyAdmin(admin.ModelAdmin):
    """Take-back repairs, photos, contractor requests, extensions, register days and daily reports change
    only through their services (history rows)."""

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(TakeBack)
class TakeBackAdmin(_ReadOnlyAdmin):
    list_display = ("number", "order", "status", "promised_on", "late_at", "returned_at")
    list_filter = ("status",)
    search_fields = ("number", "order__number")
    exclude = ("customer_signature",)
    inlines = (RepairInline, MovementInline)


@admin.register(OrderPhoto)
class OrderPhotoAdmin(_ReadOnlyAdmin):
    list_display = ("name", "order", "kind", "size", "uploaded_by", "created_at")
    search_fields = ("order__number", "name")
    exclude = ("file",)


@admin.register(ContractorRequest)
class ContractorRequestAdmin(_ReadOnlyAdmin):
    list_display = ("order", "contractor", "status", "requested_by", "decided_by", "decided_at")
    list_filter = ("status",)


@admin.register(Contractor)
class ContractorAdmin(admin.ModelAdmin):
    """Contact details and the active flag may be corrected here; contractors are added by a supervisor."""

    list_display = ("name", "unit", "contact_name", "phone", "active")
    list_filter = ("active",)
    search_fields = ("name", "contact_name")
    readonly_fields = ("unit", "created_by")

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(RepairExtension)
class RepairExtensionAdmin(_ReadOnlyAdmin):
    list_display = ("order", "status", "was", "until", "requested_by", "decided_by")
    list_filter = ("status",)
    list_select_related = ("order", "requested_by", "decided_by")


@admin.register(RegisterDay)
class RegisterDayAdmin(_ReadOnlyAdmin):
    list_display = ("day", "registered", "dispatched", "carried_over", "made_at")


@admin.register(DailyReport)
class DailyReportAdmin(_ReadOnlyAdmin):
    list_display = ("day", "kind", "unit", "person", "status", "submitted_by", "reviewed_by")
    list_filter = ("kind", "status")
    list_select_related = ("unit", "person", "submitted_by", "reviewed_by")
