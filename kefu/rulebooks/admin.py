from pathlib import PurePath

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kefu.rulebooks.models import Rulebook, RulebookVersion
from kefu.rulebooks.readable import rulebook_summary_html
from kefu.rulebooks.schema import Problem, RulebookError, parse_rulebook
from kefu.rulebooks.selectors import rulebook_doc
from kefu.rulebooks.services import rulebook_load, site_calendars
from kefu.rulebooks.yamltext import YamlProblem, decode_rulebook_bytes

# A rulebook file is a few hundred lines; the largest preset is well under 100 KB.
UPLOAD_MAX_BYTES = 1_000_000


class _Refused(Exception):
    """The upload's problems, after everything it wrote was rolled back."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems


class RulebookUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Rulebook file (YAML)"),
        help_text=_("The whole rulebook, as `kefu rulebook load` reads it. Its key must be this rulebook's."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > UPLOAD_MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 1 MB; a rulebook is far smaller."))
        return upload


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
    """Rulebooks are loaded from YAML, which is validated: with `kefu rulebook load`, or here by
    uploading a new version of a rulebook (all or nothing). The default flag and the active version
    can be changed."""

    list_display = ("key", "name", "active_version", "is_default")
    # The change page gets an "upload a new version" object tool.
    change_form_template = "admin/rulebooks/rulebook_change_form.html"
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

    def get_urls(self):
        upload = self.admin_site.admin_view(self.upload_view)
        return [path("<int:pk>/upload/", upload, name="rulebooks_rulebook_upload"), *super().get_urls()]

    def upload_view(self, request, pk: int):
        """Upload a new version of this rulebook: the validator's problems are listed line by line and
        nothing changes; a valid file becomes the active version (`rulebook_load`, one transaction)."""
        rulebook = get_object_or_404(Rulebook, pk=pk)
        if not self.has_change_permission(request, rulebook):
            raise PermissionDenied
        problems: list[Problem] = []
        form = RulebookUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            name = PurePath(upload.name).name[:200]
            try:
                version, created = self._load(rulebook, upload.read(), name, request.user)
            except _Refused as refused:
                problems = refused.problems
            else:
                if created:
                    text = gettext(
                        "Version %(number)s of %(name)s is loaded and active: new cases follow it; open cases keep their version."
                    )
                else:
                    text = gettext(
                        "%(name)s already follows exactly this text (version %(number)s); nothing was loaded."
                    )
                messages.success(request, text % {"number": version.number, "name": rulebook.name})
                return HttpResponseRedirect(reverse("admin:rulebooks_rulebook_change", args=[rulebook.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": rulebook,
            "title": gettext("Upload a new version of %(name)s") % {"name": rulebook.name},
            "form": form,
            "problems": problems,
        }
        return TemplateResponse(request, "admin/rulebooks/upload.html", context)

    @staticmethod
    def _load(rulebook: Rulebook, data: bytes, name: str, actor) -> tuple[RulebookVersion, bool]:
        """All or nothing: decode, validate (the site's calendars), check the key, store."""
        try:
            with transaction.atomic():
                text = decode_rulebook_bytes(data)
                doc = parse_rulebook(text, source=name, calendars=site_calendars())
                if doc.key != rulebook.key:
                    message = gettext(
                        "This file is the rulebook '%(other)s', not '%(key)s'. Upload it on that rulebook's "
                        "page, or load a new rulebook with `kefu rulebook load`."
                    ) % {"other": doc.key, "key": rulebook.key}
                    raise _Refused([Problem("key", message, None)])
                return rulebook_load(text=text, source=name, actor=actor)
        except YamlProblem as exc:
            raise _Refused([Problem("", message, line) for line, message in exc.problems]) from exc
        except RulebookError as exc:
            raise _Refused(exc.problems) from exc
