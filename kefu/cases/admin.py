from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from kefu.cases import events
from kefu.cases.models import Case, CaseEvent
from kefu.cases.selectors import IdentityRedactor, anonymous_label


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
    """Read-only. Staff who are not superusers see only the cases `visible_to` them, and an anonymous
    case's complainant and texts as everywhere else ("匿名投诉人"; 001 篇10 第十九条)."""

    list_display = ("number", "case_type", "admin_title", "stage", "status", "owner", "responsible_unit", "received_at")
    list_filter = ("status", "case_type", "channel")
    search_fields = ("number", "title")
    list_select_related = ("owner", "responsible_unit", "customer")
    raw_id_fields = ("customer", "contact", "parent", "merged_into")
    show_full_result_count = False  # no COUNT(*) over millions of cases
    inlines = [EventInline]

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return qs if request.user.is_superuser else qs.visible_to(request.user)

    @admin.display(description=_("title"), ordering="title")
    def admin_title(self, obj: Case) -> str:
        return obj.title if not obj.is_anonymous else IdentityRedactor.for_case(obj, brief=True).text(obj.title)

    @admin.display(description=_("customer"))
    def complainant(self, obj: Case) -> str:
        return anonymous_label()

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        if obj is not None and obj.is_anonymous and not request.user.is_superuser:
            hidden = {"customer", "contact", "title", "description", "customer_request", "reply", "return_visit_note"}
            fields = ["complainant", *(f for f in fields if f not in hidden)]
        return fields

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "complainant"]

    def get_inlines(self, request, obj):
        # Event messages may name an anonymous complainant; staff read the history on the case page.
        if obj is not None and obj.is_anonymous and not request.user.is_superuser:
            return []
        return super().get_inlines(request, obj)


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

    def get_queryset(self, request):
        # Staff who are not superusers: the history of the cases they may see, without anonymous ones.
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        cases = Case.objects.visible_to(request.user).filter(is_anonymous=False)
        return qs.filter(case__in=cases)

    show_full_result_count = False
    actions = ["retry_delivery"]

    @admin.action(description=_("Retry delivery to subscribers"))
    def retry_delivery(self, request, queryset) -> None:
        count = queryset.filter(dispatched_at__isnull=True).update(dispatch_attempts=0, dispatch_retry_at=None)
        events.request_dispatch()
        self.message_user(request, _("%(n)s event(s) will be delivered again.") % {"n": count})
