"""Knowledge base (articles with versions, categories, tags, "this solved it" marks), reply templates,
call scripts and the record of overridden 服务忌语 warnings.

Articles carry their search tokens (`search_title`, `search_body`: jieba words joined by spaces,
kefu.knowledge.search); the full-text index over them is database specific and made by migration
0002 (PostgreSQL: a generated tsvector column with a GIN index; SQLite: an FTS5 table kept in step
by triggers).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.core.models import TimeStampedModel
from kefu.knowledge.choices import ArticleStatus, ScriptField, TemplatePurpose, Visibility

__all__ = (
    "Article",
    "ArticleSolved",
    "ArticleVersion",
    "CallScript",
    "CallScriptStep",
    "Category",
    "ReplyTemplate",
    "ScriptRun",
    "Tag",
    "TextCheckOverride",
)

USER = settings.AUTH_USER_MODEL
MAX_BODY = 50_000


class Category(TimeStampedModel):
    """A knowledge-base category. `case_category` ties it to a rulebook category code, so a search
    started from a case (category `fault`, say) is narrowed to the matching articles."""

    name = models.CharField(_("name"), max_length=80)
    code = models.SlugField(_("code"), max_length=60, unique=True)
    case_category = models.SlugField(
        _("case category"), max_length=60, blank=True, help_text=_("The rulebook category code of cases it serves.")
    )
    sort = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("knowledge category")
        verbose_name_plural = _("knowledge categories")
        ordering = ["sort", "name"]

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=40, unique=True)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Article(TimeStampedModel):
    """The current text of a knowledge article; every edit also writes an `ArticleVersion`."""

    title = models.CharField(_("title"), max_length=200)
    summary = models.CharField(_("summary"), max_length=500, blank=True)
    body = models.TextField(_("text"), max_length=MAX_BODY)
    category = models.ForeignKey(
        Category, verbose_name=_("category"), null=True, blank=True, on_delete=models.PROTECT, related_name="articles"
    )
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="articles")
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.INTERNAL
    )
    status = models.CharField(_("status"), max_length=10, choices=ArticleStatus.choices, default=ArticleStatus.DRAFT)
    owner = models.ForeignKey(USER, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="+")
    review_due = models.DateField(_("review by"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    solved_count = models.PositiveIntegerField(_("solved cases"), default=0)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    # jieba words joined by spaces (title + tags + category; summary + text): what the full-text index reads.
    search_title = models.TextField(editable=False, default="")
    search_body = models.TextField(editable=False, default="")

    class Meta:
        verbose_name = _("knowledge article")
        verbose_name_plural = _("knowledge articles")
        ordering = ["-updated_at", "-id"]
        indexes = [
            models.Index(fields=["status", "visibility"], name="knowledge_article_state"),
            models.Index(fields=["review_due"], name="knowledge_article_review"),
        ]

    def __str__(self) -> str:
        return self.title


class ArticleVersion(models.Model):
    """One saved text of an article. Never changed; restoring an old text makes a new version."""

    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=200)
    summary = models.CharField(_("summary"), max_length=500, blank=True)
    body = models.TextField(_("text"), max_length=MAX_BODY)
    category_name = models.CharField(_("category"), max_length=80, blank=True)
    tag_names = models.JSONField(_("tags"), default=list)
    visibility = models.CharField(_("visibility"), max_length=10, choices=Visibility.choices)
    status = models.CharField(_("status"), max_length=10, choices=ArticleStatus.choices)
    edited_by = models.ForeignKey(USER, verbose_name=_("edited by"), on_delete=models.PROTECT, related_name="+")
    change_note = models.CharField(_("what changed"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("saved at"), auto_now_add=True)

    class Meta:
        verbose_name = _("article version")
        verbose_name_plural = _("article versions")
        ordering = ["article", "-number"]
        constraints = [models.UniqueConstraint(fields=["article", "number"], name="knowledge_version_unique")]

    def __str__(self) -> str:
        return f"{self.title} v{self.number}"


class ArticleSolved(models.Model):
    """ "This article solved it": once per article and case."""

    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="solved")
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")
    marked_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("solved case")
        verbose_name_plural = _("solved cases")
        constraints = [models.UniqueConstraint(fields=["article", "case"], name="knowledge_solved_once")]

    def __str__(self) -> str:
        return f"{self.article_id} → {self.case_id}"


class ReplyTemplate(TimeStampedModel):
    """A canned reply or note with variables ({customer_name}, {case_number}, …; kefu.knowledge.replies).
    Empty `rulebook`, `case_type` or `stage` means "any"."""

    name = models.CharField(_("name"), max_length=80)
    body = models.TextField(_("text"), max_length=5000)
    purpose = models.CharField(
        _("used for"), max_length=10, choices=TemplatePurpose.choices, default=TemplatePurpose.ANY
    )
    rulebook = models.SlugField(_("rulebook"), max_length=60, blank=True)
    case_type = models.SlugField(_("case type"), max_length=40, blank=True)
    stage = models.SlugField(_("stage"), max_length=40, blank=True)
    sort = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    updated_by = models.ForeignKey(USER, verbose_name=_("changed by"), on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("reply template")
        verbose_name_plural = _("reply templates")
        ordering = ["sort", "name"]

    def __str__(self) -> str:
        return self.name


class CallScript(TimeStampedModel):
    """A call script (接听脚本): the opening (its {greeting} follows the holidays), the mandatory
    questions, each read back to the caller (跟读确认), and the closing (seed-004 D6 四.1)."""

    name = models.CharField(_("name"), max_length=80)
    code = models.SlugField(_("code"), max_length=60, unique=True)
    rulebook = models.SlugField(_("rulebook"), max_length=60, blank=True, help_text=_("Empty: the default rulebook."))
    case_type = models.SlugField(_("case type"), max_length=40)
    category = models.SlugField(_("category"), max_length=60, blank=True)
    opening = models.CharField(_("opening"), max_length=500)
    closing = models.CharField(_("closing"), max_length=500, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    updated_by = models.ForeignKey(USER, verbose_name=_("changed by"), on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("call script")
        verbose_name_plural = _("call scripts")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CallScriptStep(models.Model):
    """One question of a script. The script is configuration: its steps are edited with it."""

    script = models.ForeignKey(CallScript, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    question = models.CharField(_("question"), max_length=300)
    field = models.CharField(_("goes to"), max_length=20, choices=ScriptField.choices, blank=True)
    required = models.BooleanField(_("mandatory"), default=True)
    read_back = models.BooleanField(_("read back to confirm"), default=True)

    class Meta:
        verbose_name = _("script question")
        verbose_name_plural = _("script questions")
        ordering = ["script", "order", "id"]

    def __str__(self) -> str:
        return self.question


class ScriptRun(models.Model):
    """A call taken with a script: the answers, which were read back, the greeting used, the case."""

    script = models.ForeignKey(CallScript, on_delete=models.PROTECT, related_name="runs")
    agent = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    greeting = models.CharField(_("greeting"), max_length=500)
    answers = models.JSONField(_("answers"), default=list)  # [{question, answer, confirmed}]
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("scripted call")
        verbose_name_plural = _("scripted calls")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.script} {self.created_at:%Y-%m-%d %H:%M}"


class TextCheckOverride(models.Model):
    """A customer-visible text sent despite 服务忌语 warnings: one row per sending (case event), for
    the appraisal of the person who sent it."""

    event = models.OneToOneField("cases.CaseEvent", on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")
    actor = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    phrases = models.JSONField(_("phrases"), default=list)
    hits = models.PositiveSmallIntegerField(_("hits"), default=1)
    occurred_at = models.DateTimeField(_("sent at"))

    class Meta:
        verbose_name = _("override of a phrase warning")
        verbose_name_plural = _("overrides of phrase warnings")
        ordering = ["-occurred_at"]
        indexes = [models.Index(fields=["actor", "occurred_at"], name="knowledge_override_actor")]

    def __str__(self) -> str:
        return f"{self.actor_id} {self.occurred_at:%Y-%m-%d}"
