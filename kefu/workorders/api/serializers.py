"""Work order API serializers: the order as read, and the input of each step."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from kefu.org.models import OrgUnit, User
from kefu.workorders.choices import OrderKind, ServiceType
from kefu.workorders.models import Equipment, PartLine, WorkOrder, WorkOrderEvent

__all__ = (
    "BookSerializer",
    "CancelSerializer",
    "CheckInSerializer",
    "CompleteSerializer",
    "DispatchSerializer",
    "PauseSerializer",
    "RecordSerializer",
    "SuggestionSerializer",
    "VersionSerializer",
    "WorkOrderCreateSerializer",
    "WorkOrderSerializer",
)


class WorkOrderPerson(serializers.ModelSerializer):
    name = serializers.CharField(source="__str__", read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "name"]


class WorkOrderEquipmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Equipment
        fields = ["id", "model_name", "serial_no", "terminal_no", "sim_no", "purchase_date", "warranty_end"]


class WorkOrderPartSerializer(serializers.ModelSerializer):
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)

    class Meta:
        model = PartLine
        fields = ["id", "code", "name", "quantity", "unit_price", "amount", "created_at"]


class WorkOrderEventSerializer(serializers.ModelSerializer):
    actor = WorkOrderPerson(read_only=True, allow_null=True)

    class Meta:
        model = WorkOrderEvent
        fields = ["version", "kind", "actor", "from_status", "to_status", "note", "created_at"]


class WorkOrderSerializer(serializers.ModelSerializer):
    customer = serializers.CharField(source="customer.name", read_only=True)
    customer_id = serializers.IntegerField(read_only=True)
    unit = serializers.CharField(source="unit.name", read_only=True)
    technician = WorkOrderPerson(read_only=True, allow_null=True)
    case = serializers.SerializerMethodField()
    equipment = WorkOrderEquipmentSerializer(read_only=True, allow_null=True)
    parts = WorkOrderPartSerializer(many=True, read_only=True)
    events = WorkOrderEventSerializer(many=True, read_only=True)
    signed = serializers.SerializerMethodField()
    repeat_of = serializers.SerializerMethodField()

    class Meta:
        model = WorkOrder
        fields = [
            "id",
            "number",
            "kind",
            "status",
            "service_type",
            "urgent",
            "customer",
            "customer_id",
            "address",
            "district",
            "region",
            "equipment",
            "case",
            "repeat_of",
            "description",
            "unit",
            "technician",
            "reported_at",
            "arrival_due_at",
            "paused_at",
            "pause_reason",
            "late_at",
            "repair_started_at",
            "repair_due_at",
            "repair_limit",
            "repair_late_at",
            "carried_over_on",
            "dispatched_at",
            "accepted_at",
            "booked_for",
            "departed_at",
            "arrived_at",
            "findings",
            "actions",
            "old_terminal_no",
            "new_terminal_no",
            "old_sim_no",
            "new_sim_no",
            "signed",
            "waiver_reason",
            "labour_fee",
            "parts_fee",
            "fee_total",
            "fee_collected",
            "invoice_no",
            "invoice_date",
            "completed_at",
            "closed_at",
            "cancelled_at",
            "cancel_reason",
            "version",
            "parts",
            "events",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_case(self, order: WorkOrder) -> str | None:
        return order.case.number if order.case_id else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_repeat_of(self, order: WorkOrder) -> str | None:
        return order.repeat_of.number if order.repeat_of_id else None

    @extend_schema_field(serializers.BooleanField())
    def get_signed(self, order: WorkOrder) -> bool:
        return bool(order.signature)


class WorkOrderListSerializer(WorkOrderSerializer):
    class Meta(WorkOrderSerializer.Meta):
        fields = [f for f in WorkOrderSerializer.Meta.fields if f not in ("parts", "events", "equipment")]
        read_only_fields = fields


class WorkOrderCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=OrderKind.choices)
    customer = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    description = serializers.CharField(max_length=2000)
    address = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    district = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    service_type = serializers.ChoiceField(choices=ServiceType.choices, required=False, allow_blank=True, default="")
    unit = serializers.IntegerField(min_value=1, max_value=2**63 - 1, required=False, allow_null=True, default=None)
    equipment = serializers.IntegerField(
        min_value=1, max_value=2**63 - 1, required=False, allow_null=True, default=None
    )
    case = serializers.IntegerField(min_value=1, max_value=2**63 - 1, required=False, allow_null=True, default=None)
    urgent = serializers.BooleanField(required=False, default=False)


class VersionSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, max_value=2**31 - 1, help_text="The order's version you saw.")


class DispatchSerializer(VersionSerializer):
    technician = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), required=False, allow_null=True, default=None
    )
    team = serializers.PrimaryKeyRelatedField(
        queryset=OrgUnit.objects.filter(is_active=True), required=False, allow_null=True, default=None
    )
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class BookSerializer(VersionSerializer):
    visit_at = serializers.DateTimeField()
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class CheckInSerializer(VersionSerializer):
    step = serializers.ChoiceField(choices=[("depart", "depart"), ("arrive", "arrive")])


class PartInputSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    unit_price = serializers.DecimalField(
        max_digits=9, decimal_places=2, min_value=0, required=False, allow_null=True, default=None
    )
    quantity = serializers.IntegerField(min_value=-1000, max_value=1000, default=1)


class RecordSerializer(VersionSerializer):
    findings = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    actions = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    parts = PartInputSerializer(many=True, required=False, max_length=50)
    old_terminal_no = serializers.CharField(max_length=40, required=False, allow_blank=True)
    new_terminal_no = serializers.CharField(max_length=40, required=False, allow_blank=True)
    old_sim_no = serializers.CharField(max_length=40, required=False, allow_blank=True)
    new_sim_no = serializers.CharField(max_length=40, required=False, allow_blank=True)

    def to_service(self) -> dict[str, Any]:
        data = dict(self.validated_data)
        parts = [
            {**p, "unit_price": "" if p.get("unit_price") is None else p["unit_price"]} for p in data.pop("parts", [])
        ]
        data.pop("version")
        return {**data, "parts": parts}


class CompleteSerializer(VersionSerializer):
    signature = serializers.CharField(
        max_length=300_000, required=False, allow_blank=True, default="", help_text="data:image/png;base64,…"
    )
    fee_collected = serializers.DecimalField(max_digits=9, decimal_places=2, min_value=0, default=0)
    invoice_no = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    invoice_date = serializers.DateField(required=False, allow_null=True, default=None)


class PauseSerializer(VersionSerializer):
    reason = serializers.CharField(max_length=300)


class CancelSerializer(VersionSerializer):
    reason = serializers.CharField(max_length=300)


class SuggestionSerializer(serializers.Serializer):
    technician = WorkOrderPerson()
    unit = serializers.CharField(source="technician.unit.name")
    score = serializers.IntegerField()
    open_orders = serializers.IntegerField()
    in_area = serializers.BooleanField()
    skilled = serializers.BooleanField()
    on_duty = serializers.BooleanField(allow_null=True)
    reasons = serializers.ListField(child=serializers.CharField())
