"""Admin: categories, tags and call scripts are configuration; articles and templates are written
through the services (versions, checks); records of calls and overrides are read-only."""

from typing import Any

from django.contrib import admin, messages

from kefu.core.exceptions import ApplicationError
from kefu.knowledge.models import (
    Article,
    ArticleVersion,
    CallScript,
    CallScriptStep,
    Category,
    ReplyTemplate,
    ScriptRun,
    Tag,
    TextCheckOverride,
)
from kefu.knowledge.services import article_create, article_update, reply_template_save


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "case_category", "sort", "is_active")
    list_editable = ("sort", "is_active")
    search_fields = ("name", "code")

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False  # deactivate instead: articles keep their category


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ("name",)

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


class VersionInline(admin.TabularInline):
    model = ArticleVersion
    fields = ("number", "title", "edited_by", "change_note", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    """Saving here goes through article_create / article_update: every save is a new version."""

    list_display = ("title", "category", "status", "visibility", "owner", "review_due", "version", "solved_count")
    list_filter = ("status", "visibility", "category")
    search_fields = ("title",)
    list_select_related = ("category", "owner")
    fields = ("title", "summary", "body", "category", "visibility", "status", "owner", "review_due")
    readonly_fields = ("version", "solved_count")
    inlines = [VersionInline]
    show_full_result_count = False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def save_model(self, request: Any, obj: Article, form: Any, change: bool) -> None:
        values = {name: form.cleaned_data.get(name) for name in self.fields}
        try:
            if change:
                saved = article_update(article=obj, expected_version=None, actor=request.user, **values)
            else:
                saved = article_create(actor=request.user, **values)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            raise
        obj.pk, obj.version = saved.pk, saved.version

    def save_related(self, request: Any, form: Any, formsets: Any, change: bool) -> None:
        pass  # versions are written by the service


@admin.register(ReplyTemplate)
class ReplyTemplateAdmin(admin.ModelAdmin):
    list_display = ("name", "purpose", "rulebook", "case_type", "stage", "sort", "is_active")
    list_filter = ("purpose", "is_active", "case_type")
    search_fields = ("name", "body")
    fields = ("name", "body", "purpose", "rulebook", "case_type", "stage", "sort", "is_active")

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def save_model(self, request: Any, obj: ReplyTemplate, form: Any, change: bool) -> None:
        saved = reply_template_save(
            actor=request.user, template=obj if change else None, **{f: form.cleaned_data[f] for f in self.fields}
        )
        obj.pk = saved.pk


class StepInline(admin.TabularInline):
    model = CallScriptStep
    fields = ("order", "question", "field", "required", "read_back")
    extra = 1


@admin.register(CallScript)
class CallScriptAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "rulebook", "case_type", "category", "is_active")
    fields = ("name", "code", "rulebook", "case_type", "category", "opening", "closing", "is_active")
    inlines = [StepInline]

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def save_model(self, request: Any, obj: CallScript, form: Any, change: bool) -> None:
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(ScriptRun)
class ScriptRunAdmin(_ReadOnly):
    list_display = ("created_at", "script", "agent", "case")
    list_select_related = ("script", "agent", "case")


@admin.register(TextCheckOverride)
class TextCheckOverrideAdmin(_ReadOnly):
    list_display = ("occurred_at", "actor", "case", "phrases", "hits")
    list_select_related = ("actor", "case")
    list_filter = ("occurred_at",)
    search_fields = ("actor__username", "case__number")
