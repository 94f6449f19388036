from __future__ import annotations

from rest_framework import serializers

from kefu.core.inputs import TEXT_LIMITS
from kefu.customers.choices import CustomerGrade, CustomerType, Region
from kefu.exports.choices import ExportFormat
from kefu.exports.models import ExportRequest
from kefu.exports.selectors import EXPORT_FILTERS

__all__ = (
    "CustomerExportSerializer",
    "DecisionSerializer",
    "ExportRequestCreateSerializer",
    "ExportRequestSerializer",
    "ImportInputSerializer",
    "ImportReportSerializer",
    "ImportResultSerializer",
)


class FiltersSerializer(serializers.Serializer):
    """The customer list's filters; all optional, all combined."""

    q = serializers.CharField(
        required=False, allow_blank=True, max_length=TEXT_LIMITS["search"], help_text="Name, number or part of a phone."
    )
    grade = serializers.ChoiceField(choices=CustomerGrade.choices, required=False)
    customer_type = serializers.ChoiceField(choices=CustomerType.choices, required=False)
    region = serializers.ChoiceField(choices=Region.choices, required=False)
    is_active = serializers.BooleanField(required=False, allow_null=True, default=None)


class CustomerExportSerializer(serializers.Serializer):
    filters = FiltersSerializer(required=False, default=dict)
    file_format = serializers.ChoiceField(choices=ExportFormat.choices, default=ExportFormat.XLSX)


class ExportRequestCreateSerializer(CustomerExportSerializer):
    reason = serializers.CharField(max_length=TEXT_LIMITS["reason"], help_text="What the records are needed for.")


class DecisionSerializer(serializers.Serializer):
    note = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=TEXT_LIMITS["comment"], help_text="Required to refuse."
    )
    version = serializers.IntegerField(
        required=False, min_value=1, max_value=2**31 - 1, help_text="The version read; 409 if it changed."
    )


class ExportRequestSerializer(serializers.ModelSerializer):
    requester = serializers.CharField(source="requester.username", read_only=True)
    decided_by = serializers.CharField(source="decided_by.username", read_only=True, allow_null=True, default=None)
    filters = serializers.DictField(read_only=True, help_text=f"Keys among {', '.join(EXPORT_FILTERS)}.")
    may_decide = serializers.SerializerMethodField(help_text="Whether the reader may approve or refuse it now.")
    may_download = serializers.SerializerMethodField(help_text="Whether the reader may download the file now.")

    class Meta:
        model = ExportRequest
        fields = [
            "id",
            "requester",
            "requested_at",
            "kind",
            "file_format",
            "filters",
            "row_count",
            "reason",
            "approver_role",
            "status",
            "decided_by",
            "decided_at",
            "decision_note",
            "produced_at",
            "expires_at",
            "file_name",
            "sha256",
            "version",
            "may_decide",
            "may_download",
        ]
        read_only_fields = fields

    def get_may_decide(self, obj: ExportRequest) -> bool:
        from kefu.exports.choices import RequestStatus
        from kefu.exports.services import may_decide

        user = self.context["request"].user
        return obj.status == RequestStatus.REQUESTED and may_decide(obj, user)

    def get_may_download(self, obj: ExportRequest) -> bool:
        from django.utils import timezone

        from kefu.exports.choices import RequestStatus

        user = self.context["request"].user
        return (
            obj.requester_id == user.pk
            and obj.status in (RequestStatus.PRODUCED, RequestStatus.DOWNLOADED)
            and obj.expires_at is not None
            and obj.expires_at > timezone.now()
        )


class ImportInputSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="An Excel workbook (.xlsx) or CSV (UTF-8 or GBK), at most 5 MB.")
    dry_run = serializers.BooleanField(default=True, help_text="true: check only (the default); false: import.")


class ImportProblemSerializer(serializers.Serializer):
    line = serializers.IntegerField(help_text="The spreadsheet's line (the header is line 1); 0: the whole file.")
    column = serializers.CharField(help_text="The column's heading as written in the file.")
    message = serializers.CharField()


class ImportReportSerializer(serializers.Serializer):
    file_name = serializers.CharField()
    sha256 = serializers.CharField()
    rows = serializers.IntegerField(help_text="Data rows read.")
    bad_lines = serializers.IntegerField(help_text="Rows with at least one problem.")
    clean = serializers.BooleanField(help_text="No problems: the file can be imported.")
    problems = ImportProblemSerializer(many=True)


class ImportResultSerializer(serializers.Serializer):
    batch = serializers.IntegerField(help_text="The import batch's id.")
    created = serializers.IntegerField(help_text="Customers created.")
    customers = serializers.ListField(child=serializers.CharField(), help_text="Their customer numbers.")
