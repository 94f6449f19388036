from pathlib import PurePath

from django.contrib import admin
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from kefu.rulebooks.models import Rulebook, RulebookVersion
from kefu.rulebooks.readable import rulebook_summary_html
from kefu.rulebooks.selectors import rulebook_doc


class VersionInline(admin.TabularInline):
    model = RulebookVersion
    # Who loaded it and from which file, in words: no server path, no hash (issue 7).
    fields = ("number", "loaded_at", "loader", "source_file")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("loaded by"))
    def loader(self, obj: RulebookVersion) -> str:
        return str(obj.loaded_by) if obj.loaded_by_id else _("the system (command line or setup)")

    @admin.display(description=_("loaded from"))
    def source_file(self, obj: RulebookVersion) -> str:
        return PurePath(obj.source_name).name if obj.source_name else "—"


@admin.register(Rulebook)
class RulebookAdmin(admin.ModelAdmin):
    """Rulebooks are loaded from YAML (`kefu rulebook load`), which validates them; here only the
    default flag and the active version can be changed."""

    list_display = ("key", "name", "active_version", "is_default")
    fields = ("key", "name", "is_default", "active_version", "summary")
    readonly_fields = ("key", "name", "summary")
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

    @admin.display(description=_("what the active version says"))
    def summary(self, obj: Rulebook) -> str:
        if obj is None or obj.active_version_id is None:
            return "—"
        return mark_safe(rulebook_summary_html(rulebook_doc(obj.active_version)))  # rendered by a template (escaped)
