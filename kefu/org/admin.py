from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from kefu.org.models import Delegation, OrgUnit, User
from kefu.org.services import unit_create, unit_move


@admin.register(OrgUnit)
class OrgUnitAdmin(admin.ModelAdmin):
    list_display = ("indented_name", "code", "kind", "is_leadership_office", "is_active")
    list_filter = ("kind", "is_leadership_office", "is_active")
    search_fields = ("name", "code")
    readonly_fields = ("path",)

    @admin.display(description=_("name"), ordering="path")
    def indented_name(self, obj: OrgUnit) -> str:
        return "　" * max(obj.depth - 1, 0) + obj.name

    def save_model(self, request, obj: OrgUnit, form, change: bool) -> None:
        # Keep the materialised path right: creation and moves go through the org services.
        if not change:
            created = unit_create(
                name=obj.name,
                code=obj.code,
                kind=obj.kind,
                parent=obj.parent,
                is_leadership_office=obj.is_leadership_office,
            )
            obj.pk, obj.path = created.pk, created.path
        else:
            old_parent_id = OrgUnit.objects.values_list("parent_id", flat=True).get(pk=obj.pk)
            super().save_model(request, obj, form, change)
            if old_parent_id != obj.parent_id:
                unit_move(unit=obj, new_parent=obj.parent)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # deactivate instead: cases point at units


@admin.register(User)
class StaffAdmin(UserAdmin):
    list_display = ("username", "display_name", "role", "unit", "escalation_fallback", "is_active")
    list_filter = ("role", "escalation_fallback", "unit", "is_active", "is_staff")
    search_fields = ("username", "display_name", "first_name", "last_name", "phone", "email")
    fieldsets = (
        *UserAdmin.fieldsets,
        (_("Kefu"), {"fields": ("display_name", "role", "unit", "phone", "escalation_fallback")}),
    )
    add_fieldsets = (*UserAdmin.add_fieldsets, (_("Kefu"), {"fields": ("display_name", "role", "unit")}))

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # deactivate instead: cases keep pointing at their people


@admin.register(Delegation)
class DelegationAdmin(admin.ModelAdmin):
    list_display = ("principal", "deputy", "starts_on", "ends_on", "cases_handed_over")
    readonly_fields = ("cases_handed_over", "created_by")

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj: Delegation, form, change: bool) -> None:
        from kefu.org.services import delegation_create

        created = delegation_create(
            principal=obj.principal,
            deputy=obj.deputy,
            starts_on=obj.starts_on,
            ends_on=obj.ends_on,
            reason=obj.reason,
            actor=request.user,
        )
        obj.pk = created.pk
