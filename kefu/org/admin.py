from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop, ngettext
from knox.models import AuthToken

from kefu.org.models import Delegation, OrgUnit, User
from kefu.org.services import token_revoke, token_revoke_all, unit_create, unit_move

# django-axes has no Chinese catalog: naming its admin labels here puts them in Kefu's catalog, where
# they are translated for the lockout pages administrators use to unlock people (docs/operations.md).
AXES_ADMIN_LABELS = (
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
    gettext_noop("Access lock out"),
    gettext_noop("Attempt Time"),
    gettext_noop("Failed Logins"),
    gettext_noop("Form Data"),
    gettext_noop("GET Data"),
    gettext_noop("HTTP Accept"),
    gettext_noop("IP Address"),
    gettext_noop("Locked Out"),
    gettext_noop("Logout Time"),
    gettext_noop("Meta Data"),
    gettext_noop("Path"),
    gettext_noop("POST Data"),
    gettext_noop("Session key hash (sha256)"),
    gettext_noop("User Agent"),
    gettext_noop("Username"),
)

# API tokens are managed per person on the staff page (below), where they are revoked, not created.
if admin.site.is_registered(AuthToken):
    admin.site.unregister(AuthToken)


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


class ApiTokenInline(admin.TabularInline):
    """The person's API tokens; ticking "delete" and saving revokes one (tokens are never shown)."""

    model = AuthToken
    verbose_name = _("API token")
    verbose_name_plural = _("API tokens")
    fields = ("token_key", "created", "expiry")
    readonly_fields = fields
    extra = 0

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


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
    inlines = [ApiTokenInline]
    actions = ["revoke_api_tokens"]

    @admin.action(description=_("Revoke all API tokens of the selected staff"), permissions=["change"])
    def revoke_api_tokens(self, request, queryset) -> None:
        count = sum(token_revoke_all(user=user, actor=request.user, reason="admin") for user in queryset)
        message = ngettext("%(count)d API token revoked.", "%(count)d API tokens revoked.", count)
        self.message_user(request, message % {"count": count}, messages.SUCCESS)

    def save_formset(self, request, form, formset, change) -> None:
        if formset.model is AuthToken:
            formset.save(commit=False)
            for token in formset.deleted_objects:
                token_revoke(token=token, actor=request.user)
            return
        super().save_formset(request, form, formset, change)

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
