from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from kefu.cases import events
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


class _DeliveryFilter(admin.SimpleListFilter):
    title = _("delivery to subscribers")
    parameter_name = "delivery"

    def lookups(self, request, model_admin):
        return [("failing", _("failing (being retried)")), ("stuck", _("stuck (needs a retry)"))]

    def queryset(self, request, queryset):
        undelivered = queryset.filter(dispatched_at__isnull=True)
        if self.value() == "failing":
            return undelivered.filter(dispatch_attempts__gt=0, dispatch_attempts__lt=events.MAX_ATTEMPTS)
        if self.value() == "stuck":
            return undelivered.filter(dispatch_attempts__gte=events.MAX_ATTEMPTS)
        return queryset


@admin.register(CaseEvent)
class CaseEventAdmin(ReadOnlyAdmin):
    """Case history, read-only; the place to see and retry events whose delivery to an app failed."""

    list_display = ("case", "kind", "transition", "actor", "created_at", "dispatch_attempts", "dispatch_error")
    list_filter = (_DeliveryFilter, "kind")
    list_select_related = ("case", "actor")
    raw_id_fields = ("case",)
    show_full_result_count = False
    actions = ["retry_delivery"]

    @admin.action(description=_("Retry delivery to subscribers"))
    def retry_delivery(self, request, queryset) -> None:
        count = queryset.filter(dispatched_at__isnull=True).update(dispatch_attempts=0, dispatch_retry_at=None)
        events.request_dispatch()
        self.message_user(request, _("%(n)s event(s) will be delivered again.") % {"n": count})
