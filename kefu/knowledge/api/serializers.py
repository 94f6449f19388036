"""Knowledge API serializers: output shapes, and input checks of type and reference only."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from kefu.cases.models import Case
from kefu.knowledge.choices import ArticleStatus, TemplatePurpose, Visibility
from kefu.knowledge.models import Article, ArticleVersion, CallScript, CallScriptStep, Category, ReplyTemplate

__all__ = (
    "ArticleInputSerializer",
    "ArticleListSerializer",
    "ArticleSerializer",
    "ArticleSolvedInputSerializer",
    "ArticleUpdateSerializer",
    "ArticleVersionSerializer",
    "CallScriptSerializer",
    "CategorySerializer",
    "GreetingSerializer",
    "OverrideCountSerializer",
    "RenderedTemplateSerializer",
    "ReplyTemplateSerializer",
    "TabooCheckInputSerializer",
    "TextFindingSerializer",
)


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "code", "name", "case_category"]


class ArticleListSerializer(serializers.ModelSerializer):
    category = CategorySerializer(read_only=True, allow_null=True)
    owner = serializers.CharField(source="owner.__str__", read_only=True)
    stale = serializers.SerializerMethodField()

    class Meta:
        model = Article
        fields = [
            "id",
            "title",
            "summary",
            "category",
            "visibility",
            "status",
            "owner",
            "review_due",
            "stale",
            "version",
            "solved_count",
            "updated_at",
        ]

    def get_stale(self, article: Article) -> bool:
        """The review date has passed."""
        today = self.context.get("today")
        return bool(article.review_due and today and article.review_due < today)


class ArticleSerializer(ArticleListSerializer):
    tags = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)

    class Meta(ArticleListSerializer.Meta):
        fields = [*ArticleListSerializer.Meta.fields, "body", "tags", "published_at", "created_at"]


class ArticleInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    summary = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    body = serializers.CharField(max_length=50_000)
    category = serializers.PrimaryKeyRelatedField(
        queryset=Category.objects.all(), required=False, allow_null=True, default=None
    )
    tags = serializers.ListField(
        child=serializers.CharField(max_length=40), required=False, default=list, max_length=20
    )
    visibility = serializers.ChoiceField(choices=Visibility.choices, default=Visibility.INTERNAL)
    status = serializers.ChoiceField(choices=ArticleStatus.choices, default=ArticleStatus.PUBLISHED)
    review_due = serializers.DateField(required=False, allow_null=True, default=None)
    change_note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class ArticleUpdateSerializer(serializers.Serializer):
    """Only the fields sent change; `version` is the version the client edited (409 when stale)."""

    version = serializers.IntegerField(min_value=1)
    title = serializers.CharField(max_length=200, required=False)
    summary = serializers.CharField(max_length=500, required=False, allow_blank=True)
    body = serializers.CharField(max_length=50_000, required=False)
    category = serializers.PrimaryKeyRelatedField(queryset=Category.objects.all(), required=False, allow_null=True)
    tags = serializers.ListField(child=serializers.CharField(max_length=40), required=False, max_length=20)
    visibility = serializers.ChoiceField(choices=Visibility.choices, required=False)
    status = serializers.ChoiceField(choices=ArticleStatus.choices, required=False)
    review_due = serializers.DateField(required=False, allow_null=True)
    change_note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class ArticleVersionSerializer(serializers.ModelSerializer):
    edited_by = serializers.CharField(source="edited_by.__str__", read_only=True)

    class Meta:
        model = ArticleVersion
        fields = [
            "number",
            "title",
            "summary",
            "body",
            "category_name",
            "tag_names",
            "visibility",
            "status",
            "edited_by",
            "change_note",
            "created_at",
        ]


class ArticleSolvedInputSerializer(serializers.Serializer):
    case = serializers.PrimaryKeyRelatedField(queryset=Case.objects.none())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["case"].queryset = Case.objects.visible_to(request.user)


class ReplyTemplateSerializer(serializers.ModelSerializer):
    purpose = serializers.ChoiceField(choices=TemplatePurpose.choices, default=TemplatePurpose.ANY)

    class Meta:
        model = ReplyTemplate
        fields = ["id", "name", "body", "purpose", "rulebook", "case_type", "stage", "sort", "is_active", "updated_at"]
        read_only_fields = ["id", "updated_at"]


class RenderedTemplateSerializer(serializers.Serializer):
    text = serializers.CharField(help_text="The template with the case's values filled in.")
    missing = serializers.ListField(
        child=serializers.CharField(), help_text="Variables without a value, left as 【name】 for the sender."
    )


class CallScriptStepSerializer(serializers.ModelSerializer):
    class Meta:
        model = CallScriptStep
        fields = ["order", "question", "field", "required", "read_back"]


class CallScriptSerializer(serializers.ModelSerializer):
    steps = CallScriptStepSerializer(many=True, read_only=True)
    opening_today = serializers.SerializerMethodField()

    class Meta:
        model = CallScript
        fields = [
            "id",
            "code",
            "name",
            "rulebook",
            "case_type",
            "category",
            "opening",
            "opening_today",
            "closing",
            "steps",
        ]

    def get_opening_today(self, script: CallScript) -> str:
        """The opening line as it is said today (holiday greeting included), for the requesting agent."""
        from kefu.knowledge.services import script_opening

        return script_opening(script=script, actor=self.context["request"].user)


class TabooCheckInputSerializer(serializers.Serializer):
    case = serializers.PrimaryKeyRelatedField(queryset=Case.objects.none())
    text = serializers.CharField(max_length=20_000)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["case"].queryset = Case.objects.visible_to(request.user)


class TextFindingSerializer(serializers.Serializer):
    check = serializers.CharField()
    start = serializers.IntegerField(help_text="Offset of the first character (0-based) in the text as sent.")
    end = serializers.IntegerField(help_text="Offset after the last character.")
    text = serializers.CharField()
    message = serializers.CharField()
    suggestion = serializers.CharField()


class GreetingSerializer(serializers.Serializer):
    date = serializers.DateField()
    rulebook = serializers.CharField()
    greeting = serializers.CharField()


class OverrideCountSerializer(serializers.Serializer):
    actor = serializers.IntegerField()
    username = serializers.CharField(source="actor__username")
    name = serializers.CharField(source="actor__display_name")
    unit = serializers.CharField(source="actor__unit__name", allow_null=True)
    sent = serializers.IntegerField(help_text="Customer texts sent despite a warning.")
    phrases = serializers.IntegerField(help_text="Taboo phrases in them.")
