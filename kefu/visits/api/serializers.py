"""Serializers of the return-visit and survey API (kefu/visits/api/views.py)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from kefu.core.inputs import TEXT_LONG
from kefu.customers.masking import mask_phone
from kefu.visits.choices import RescheduleReason, VisitMethod, VisitPurpose, VisitStatus
from kefu.visits.models import SurveyRound, VisitRecord, VisitTask

__all__ = (
    "CancelInputSerializer",
    "RecordInputSerializer",
    "RescheduleInputSerializer",
    "RoundResultSerializer",
    "ScheduleInputSerializer",
    "SurveyRoundSerializer",
    "VisitTaskSerializer",
)


class VisitRecordSerializer(serializers.ModelSerializer):
    follow_up_case_number = serializers.CharField(source="follow_up_case.number", allow_null=True, default=None)
    answers = serializers.JSONField()
    unsatisfied_items = serializers.ListField(child=serializers.CharField())

    class Meta:
        model = VisitRecord
        fields = [
            "visitor",
            "visited_on",
            "written_at",
            "answers",
            "summary",
            "customer_signed",
            "unsatisfied",
            "unsatisfied_items",
            "follow_up_case",
            "follow_up_case_number",
        ]


class VisitTaskSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name")
    phone = serializers.SerializerMethodField(help_text="The customer's first phone number, masked.")
    case_number = serializers.CharField(source="case.number", allow_null=True, default=None)
    questionnaire = serializers.SerializerMethodField()
    record = serializers.SerializerMethodField()
    purpose = serializers.ChoiceField(choices=VisitPurpose.choices)
    method = serializers.ChoiceField(choices=VisitMethod.choices)
    status = serializers.ChoiceField(choices=VisitStatus.choices)

    class Meta:
        model = VisitTask
        fields = [
            "id",
            "customer",
            "customer_name",
            "phone",
            "case",
            "case_number",
            "purpose",
            "method",
            "visitor",
            "unit",
            "due_date",
            "status",
            "attempts",
            "next_attempt_at",
            "plan_rule",
            "questionnaire_code",
            "questionnaire",
            "on_site_signature",
            "note",
            "cancel_reason",
            "version",
            "record",
        ]
        read_only_fields = fields

    def get_phone(self, task: VisitTask) -> str:
        contacts = list(task.customer.contacts.all())
        return mask_phone(contacts[0].phone) if contacts else ""

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_questionnaire(self, task: VisitTask) -> dict[str, Any]:
        return task.questionnaire

    @extend_schema_field(VisitRecordSerializer(allow_null=True))
    def get_record(self, task: VisitTask) -> dict[str, Any] | None:
        record = getattr(task, "record", None) if not task.is_pending else None
        return VisitRecordSerializer(record).data if record is not None else None


class ScheduleInputSerializer(serializers.Serializer):
    customer = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    visitor = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    due_date = serializers.DateField()
    purpose = serializers.ChoiceField(choices=VisitPurpose.choices)
    method = serializers.ChoiceField(choices=VisitMethod.choices, default=VisitMethod.PHONE)
    questionnaire = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class RecordInputSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    answers = serializers.DictField(child=serializers.JSONField(), help_text="Question code → answer.")
    summary = serializers.CharField(max_length=TEXT_LONG, required=False, allow_blank=True, default="")
    customer_signed = serializers.BooleanField(required=False, default=False)


class RescheduleInputSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    reason = serializers.ChoiceField(choices=RescheduleReason.choices)
    try_again_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class CancelInputSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    reason = serializers.CharField(max_length=500)


class SurveyRoundSerializer(serializers.ModelSerializer):
    survey_title = serializers.CharField(source="survey.title")

    class Meta:
        model = SurveyRound
        fields = [
            "id",
            "survey",
            "survey_title",
            "name",
            "unit",
            "period_start",
            "period_end",
            "sample_size",
            "threshold_percent",
            "expires_at",
            "status",
        ]
        read_only_fields = fields


class ItemResultSerializer(serializers.Serializer):
    code = serializers.CharField()
    text = serializers.CharField()
    answers = serializers.IntegerField()
    satisfied = serializers.IntegerField()
    rate = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)


class RoundResultSerializer(serializers.Serializer):
    invited = serializers.IntegerField()
    responded = serializers.IntegerField()
    response_rate = serializers.DecimalField(max_digits=5, decimal_places=2)
    threshold_percent = serializers.DecimalField(max_digits=5, decimal_places=2)
    valid = serializers.BooleanField()
    items = ItemResultSerializer(many=True)
