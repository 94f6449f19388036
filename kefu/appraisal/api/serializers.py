"""Appraisal API serializers."""

from __future__ import annotations

from rest_framework import serializers

from kefu.appraisal.choices import PeriodKind
from kefu.appraisal.models import DailyReport, LedgerEntry, Scorecard, ScoreItem, ScoreRun
from kefu.core.inputs import TEXT_LONG, TEXT_SHORT
from kefu.org.models import OrgUnit, User

__all__ = (
    "ComputeInputSerializer",
    "CorrectInputSerializer",
    "DailyReportInputSerializer",
    "DailyReportSerializer",
    "DailyReviewInputSerializer",
    "DecideInputSerializer",
    "LedgerEntrySerializer",
    "ProposeInputSerializer",
    "ScoreRunDetailSerializer",
    "ScoreRunSerializer",
)


class _AppraisalPerson(serializers.ModelSerializer):
    name = serializers.CharField(source="__str__", read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "name"]


class LedgerEntrySerializer(serializers.ModelSerializer):
    person = _AppraisalPerson(read_only=True)
    proposed_by = _AppraisalPerson(read_only=True)
    decided_by = _AppraisalPerson(read_only=True, allow_null=True)
    case = serializers.SlugRelatedField(slug_field="number", read_only=True, allow_null=True)
    amount = serializers.DecimalField(
        max_digits=10, decimal_places=2, read_only=True, help_text="Yuan; negative on a correction."
    )
    points = serializers.DecimalField(max_digits=7, decimal_places=2, read_only=True)

    class Meta:
        model = LedgerEntry
        fields = [
            "id",
            "person",
            "kind",
            "reason",
            "reason_label",
            "tier",
            "amount",
            "points",
            "note",
            "source",
            "case",
            "scorecard",
            "corrects",
            "status",
            "proposed_by",
            "created_at",
            "decided_by",
            "decided_at",
            "decision_note",
        ]
        read_only_fields = fields


class ProposeInputSerializer(serializers.Serializer):
    person = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True))
    reason = serializers.CharField(max_length=40, help_text="A reason code of the rulebook's appraisal.ledger.reasons.")
    amount = serializers.DecimalField(
        max_digits=10,
        decimal_places=2,
        min_value=0,
        max_value=1_000_000,
        required=False,
        allow_null=True,
        help_text="Yuan; default: the reason's or its tier's amount.",
    )
    points = serializers.DecimalField(
        max_digits=7, decimal_places=2, min_value=0, max_value=1000, required=False, allow_null=True
    )
    note = serializers.CharField(max_length=TEXT_SHORT, required=False, allow_blank=True, default="")


class DecideInputSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    note = serializers.CharField(
        max_length=TEXT_SHORT, required=False, allow_blank=True, default="", help_text="Required to reject."
    )


class CorrectInputSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=TEXT_SHORT)


class ComputeInputSerializer(serializers.Serializer):
    period = serializers.ChoiceField(choices=PeriodKind.choices)
    day = serializers.DateField(help_text="Any day of the period.")
    unit = serializers.PrimaryKeyRelatedField(queryset=OrgUnit.objects.all())


class ScoreRunSerializer(serializers.ModelSerializer):
    unit = serializers.SlugRelatedField(slug_field="code", read_only=True)
    approved_by = _AppraisalPerson(read_only=True, allow_null=True)

    class Meta:
        model = ScoreRun
        fields = ["id", "period_kind", "period_start", "unit", "status", "version", "approved_by", "approved_at"]
        read_only_fields = fields


class _Item(serializers.ModelSerializer):
    class Meta:
        model = ScoreItem
        fields = [
            "kpi",
            "label",
            "group",
            "measure",
            "numerator",
            "denominator",
            "value",
            "target",
            "points",
            "max_points",
        ]
        read_only_fields = fields


class _Card(serializers.ModelSerializer):
    person = _AppraisalPerson(read_only=True, allow_null=True)
    unit = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    items = _Item(many=True, read_only=True)

    class Meta:
        model = Scorecard
        fields = ["id", "person", "unit", "total", "rank", "rectification_due", "flagged", "items"]
        read_only_fields = fields


class ScoreRunDetailSerializer(ScoreRunSerializer):
    scorecards = _Card(many=True, read_only=True)

    class Meta(ScoreRunSerializer.Meta):
        fields = [*ScoreRunSerializer.Meta.fields, "scorecards"]
        read_only_fields = fields


class _DailyFigures(serializers.Serializer):
    received = serializers.IntegerField(help_text="Cases the person received that day.")
    closed = serializers.IntegerField(help_text="Cases the person closed that day (as owner).")
    steps = serializers.IntegerField(help_text="Steps the person recorded on cases that day.")


class DailyReportSerializer(serializers.ModelSerializer):
    person = _AppraisalPerson(read_only=True)
    figures = _DailyFigures(read_only=True, help_text="Taken from the records when the report was last saved.")
    reviewed_by = _AppraisalPerson(read_only=True, allow_null=True)

    class Meta:
        model = DailyReport
        fields = ["id", "person", "day", "text", "figures", "reviewed_by", "reviewed_at", "review", "created_at"]
        read_only_fields = fields


class DailyReportInputSerializer(serializers.Serializer):
    day = serializers.DateField(help_text="The day reported on; today or earlier.")
    text = serializers.CharField(max_length=TEXT_LONG, help_text="What I did (篇3 每日工作报告).")


class DailyReviewInputSerializer(serializers.Serializer):
    review = serializers.CharField(max_length=TEXT_SHORT, allow_blank=True, required=False, default="")
