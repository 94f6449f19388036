from django.contrib import admin

from kefu.rulebooks.models import Rulebook, RulebookVersion


class VersionInline(admin.TabularInline):
    model = RulebookVersion
    fields = ("number", "loaded_at", "loaded_by", "source_name", "sha256")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Rulebook)
class RulebookAdmin(admin.ModelAdmin):
    """Rulebooks are loaded from YAML (`kefu rulebook load`), which validates them; here only the
    default flag and the active version can be changed."""

    list_display = ("key", "name", "active_version", "is_default")
    fields = ("key", "name", "is_default", "active_version")
    readonly_fields = ("key", "name")
    inlines = [VersionInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "active_version":
            object_id = request.resolver_match.kwargs.get("object_id")
            kwargs["queryset"] = RulebookVersion.objects.filter(rulebook_id=object_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
