"""Serializers of take-back repairs, photos, outside contractors and maintenance contracts."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from kefu.workorders.api.serializers import (
    PartInputSerializer,
    VersionSerializer,
    WorkOrderEquipmentSerializer,
    WorkOrderPerson,
)
from kefu.workorders.choices import OrderKind
from kefu.workorders.models import (
    Contractor,
    ContractorRequest,
    GoodsMovement,
    MaintenanceContract,
    MovementKind,
    OrderPhoto,
    PhotoKind,
    RepairEntry,
    TakeBack,
    WorkOrder,
)

__all__ = (
    "ContractCreateSerializer",
    "ContractListSerializer",
    "ContractRenewSerializer",
    "ContractSerializer",
    "ContractorCreateSerializer",
    "ContractorDecideSerializer",
    "ContractorRequestInputSerializer",
    "ContractorRequestSerializer",
    "ContractorSerializer",
    "MoveSerializer",
    "PhotoSerializer",
    "PhotoUploadSerializer",
    "RepairInputSerializer",
    "ReturnSerializer",
    "InspectSerializer",
    "TakeBackReceiveSerializer",
    "TakeBackSerializer",
)

SIGNATURE = {"max_length": 300_000, "help_text": "data:image/png;base64,… drawn by the customer"}


# --------------------------------------------------------------------------------------- take-back


class MovementSerializer(serializers.ModelSerializer):
    actor = WorkOrderPerson(read_only=True)
    corrects = serializers.IntegerField(source="corrects.seq", read_only=True, allow_null=True, default=None)

    class Meta:
        model = GoodsMovement
        fields = ["seq", "kind", "note", "corrects", "actor", "at"]
        read_only_fields = fields


class RepairEntrySerializer(serializers.ModelSerializer):
    technician = WorkOrderPerson(read_only=True)

    class Meta:
        model = RepairEntry
        fields = ["id", "technician", "minutes", "findings", "created_at"]
        read_only_fields = fields


class TakeBackSerializer(serializers.ModelSerializer):
    order = serializers.CharField(source="order.number", read_only=True)
    order_version = serializers.IntegerField(source="order.version", read_only=True)
    received_by = WorkOrderPerson(read_only=True)
    inspected_by = WorkOrderPerson(read_only=True, allow_null=True)
    movements = MovementSerializer(many=True, read_only=True)
    repairs = RepairEntrySerializer(many=True, read_only=True)
    repair_minutes = serializers.SerializerMethodField()
    fee_total = serializers.DecimalField(source="order.fee_total", max_digits=12, decimal_places=2, read_only=True)
    invoice_no = serializers.CharField(source="order.invoice_no", read_only=True)
    invoice_date = serializers.DateField(source="order.invoice_date", read_only=True, allow_null=True)

    class Meta:
        model = TakeBack
        fields = [
            "number",
            "order",
            "order_version",
            "status",
            "items",
            "condition",
            "accessories",
            "promised_on",
            "received_by",
            "late_at",
            "failed_inspections",
            "inspected_by",
            "inspected_at",
            "returned_at",
            "receipt_cancelled_at",
            "fee_total",
            "invoice_no",
            "invoice_date",
            "repair_minutes",
            "repairs",
            "movements",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.IntegerField())
    def get_repair_minutes(self, takeback: TakeBack) -> int:
        return sum(r.minutes for r in takeback.repairs.all())


class TakeBackReceiveSerializer(VersionSerializer):
    items = serializers.CharField(max_length=1000, help_text="What is taken (型号, 序列号 …)")
    condition = serializers.CharField(max_length=500, help_text="Its condition when taken")
    accessories = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    reason = serializers.CharField(max_length=300, help_text="Why it cannot be repaired on site")
    signature = serializers.CharField(**SIGNATURE)


class MoveSerializer(VersionSerializer):
    kind = serializers.ChoiceField(
        choices=MovementKind.choices,
        help_text="to_supplier, from_supplier or correction (the others are written by the steps themselves)",
    )
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    corrects = serializers.IntegerField(
        min_value=1,
        max_value=2**31 - 1,
        required=False,
        allow_null=True,
        default=None,
        help_text="For a correction: the register line it corrects",
    )


class RepairInputSerializer(VersionSerializer):
    minutes = serializers.IntegerField(min_value=1, max_value=24 * 60)
    findings = serializers.CharField(max_length=2000)
    parts = PartInputSerializer(many=True, required=False, max_length=50)
    finished = serializers.BooleanField(required=False, default=False, help_text="Send to the supervisor's inspection")

    def to_service(self) -> dict[str, Any]:
        data = dict(self.validated_data)
        data.pop("version")
        data["parts"] = [
            {**p, "unit_price": "" if p.get("unit_price") is None else p["unit_price"]} for p in data.pop("parts", [])
        ]
        return data


class InspectSerializer(VersionSerializer):
    passed = serializers.BooleanField()
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class ReturnSerializer(VersionSerializer):
    signature = serializers.CharField(**SIGNATURE)
    fee_collected = serializers.DecimalField(max_digits=9, decimal_places=2, min_value=0, default=0)
    invoice_no = serializers.CharField(
        max_length=40, required=False, allow_blank=True, default="", help_text="Dated the day of return (D11 8)"
    )


# ------------------------------------------------------------------------------------------ photos


class PhotoSerializer(serializers.ModelSerializer):
    uploaded_by = WorkOrderPerson(read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = OrderPhoto
        fields = [
            "id",
            "upload_id",
            "kind",
            "caption",
            "name",
            "size",
            "content_type",
            "sha256",
            "uploaded_by",
            "created_at",
            "url",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField())
    def get_url(self, photo: OrderPhoto) -> str:
        return f"/workorders/{photo.order_id}/photos/{photo.pk}/"


class PhotoUploadSerializer(serializers.Serializer):
    upload_id = serializers.CharField(max_length=64, help_text="Chosen by the phone per photo: a retry is a no-op")
    kind = serializers.ChoiceField(choices=PhotoKind.choices)
    file = serializers.FileField(help_text="JPEG, PNG or WebP")
    size = serializers.IntegerField(
        min_value=0,
        max_value=2**62,
        required=False,
        allow_null=True,
        default=None,
        help_text="The photo's size in bytes as the phone has it: a partial upload is refused",
    )
    sha256 = serializers.RegexField(r"^[0-9a-fA-F]{64}$", required=False, allow_blank=True, default="")
    caption = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


# ------------------------------------------------------------------------------------- contractors


class ContractorSerializer(serializers.ModelSerializer):
    unit = serializers.CharField(source="unit.name", read_only=True)
    areas = serializers.ListField(child=serializers.CharField(max_length=40), read_only=True)
    skills = serializers.ListField(child=serializers.ChoiceField(choices=OrderKind.choices), read_only=True)

    class Meta:
        model = Contractor
        fields = ["id", "name", "unit", "areas", "skills", "contact_name", "phone", "active", "created_at"]
        read_only_fields = fields


class ContractorCreateSerializer(serializers.Serializer):
    unit = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    name = serializers.CharField(max_length=100)
    areas = serializers.ListField(
        child=serializers.CharField(max_length=40), max_length=50, required=False, default=list
    )
    skills = serializers.ListField(
        child=serializers.ChoiceField(choices=OrderKind.choices), max_length=10, required=False, default=list
    )
    contact_name = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")


class ContractorRequestSerializer(serializers.ModelSerializer):
    contractor = ContractorSerializer(read_only=True)
    requested_by = WorkOrderPerson(read_only=True)
    decided_by = WorkOrderPerson(read_only=True, allow_null=True)

    class Meta:
        model = ContractorRequest
        fields = [
            "id",
            "contractor",
            "reason",
            "approver_role",
            "status",
            "requested_by",
            "requested_at",
            "decided_by",
            "decided_at",
            "decision_note",
        ]
        read_only_fields = fields


class ContractorRequestInputSerializer(VersionSerializer):
    contractor = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    reason = serializers.CharField(max_length=300)


class ContractorDecideSerializer(VersionSerializer):
    request = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    approve = serializers.BooleanField()
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


# --------------------------------------------------------------------------------------- contracts


class ContractOrderSerializer(serializers.ModelSerializer):
    technician = WorkOrderPerson(read_only=True, allow_null=True)

    class Meta:
        model = WorkOrder
        fields = ["id", "number", "kind", "status", "service_type", "reported_at", "technician", "fee_total"]
        read_only_fields = fields


class ContractListSerializer(serializers.ModelSerializer):
    customer = serializers.CharField(source="customer.name", read_only=True)
    customer_id = serializers.IntegerField(read_only=True)
    unit = serializers.CharField(source="unit.name", read_only=True)
    renewal_order = serializers.CharField(source="renewal_order.number", read_only=True, allow_null=True, default=None)
    renewal_status = serializers.CharField(source="renewal_order.status", read_only=True, allow_null=True, default=None)
    renewed_by = serializers.SerializerMethodField()
    renews = serializers.CharField(source="renewed_from.number", read_only=True, allow_null=True, default=None)

    class Meta:
        model = MaintenanceContract
        fields = [
            "id",
            "number",
            "customer",
            "customer_id",
            "unit",
            "starts_on",
            "ends_on",
            "service_level",
            "parts_free",
            "notice_sent_at",
            "renewal_order",
            "renewal_status",
            "renews",
            "renewed_by",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_renewed_by(self, contract: MaintenanceContract) -> str | None:
        try:
            return contract.renewal.number
        except MaintenanceContract.DoesNotExist:
            return None


class ContractSerializer(ContractListSerializer):
    equipment = WorkOrderEquipmentSerializer(many=True, read_only=True)
    orders = serializers.SerializerMethodField()

    class Meta(ContractListSerializer.Meta):
        fields = [*ContractListSerializer.Meta.fields, "equipment", "orders"]
        read_only_fields = fields

    @extend_schema_field(ContractOrderSerializer(many=True))
    def get_orders(self, contract: MaintenanceContract) -> list[dict[str, Any]]:
        from kefu.workorders.selectors import contract_orders

        return ContractOrderSerializer(contract_orders(contract)[:200], many=True).data


class ContractCreateSerializer(serializers.Serializer):
    number = serializers.CharField(max_length=40)
    customer = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    unit = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    equipment = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1), max_length=200, required=False, default=list
    )
    service_level = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    parts_free = serializers.BooleanField(required=False, default=False)


class ContractRenewSerializer(serializers.Serializer):
    number = serializers.CharField(max_length=40, help_text="The new contract's number")
    ends_on = serializers.DateField(help_text="It starts the day after the old one ends")
    service_level = serializers.CharField(max_length=200, required=False, allow_null=True, default=None)
    parts_free = serializers.BooleanField(required=False, allow_null=True, default=None)
