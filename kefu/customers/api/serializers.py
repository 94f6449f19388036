"""Customer API serializers."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from kefu.customers.choices import CustomerGrade, CustomerType, Region
from kefu.customers.masking import mask_email, mask_id_number, mask_phone
from kefu.customers.models import Address, Contact, Customer, ResidentUnit
from kefu.customers.validators import validate_phone

__all__ = ("CustomerSerializer", "CustomerCreateSerializer", "TimelineEntrySerializer", "TimelinePageSerializer")


def _revealed(serializer: serializers.Serializer) -> bool:
    # Full values only in the answer of a logged "show" (the reveal endpoints set this).
    return bool(serializer.context.get("reveal"))


@extend_schema_field({"oneOf": [{"type": "string", "format": "email"}, {"type": "string", "maxLength": 0}]})
class _OptionalEmailField(serializers.CharField):
    """An e-mail address, or "" when none is known (format: email alone would forbid "")."""


class ContactSerializer(serializers.ModelSerializer):
    email = _OptionalEmailField(read_only=True, help_text="Empty when no address is known.")
    birthday = serializers.DateField(
        read_only=True, allow_null=True, help_text="The full date only in the answer of a logged reveal; else null."
    )
    birthday_month_day = serializers.SerializerMethodField(
        help_text="MM-DD of the birthday (what a greeting needs), or null when none is known."
    )

    class Meta:
        model = Contact
        fields = ["id", "name", "role", "phone", "email", "birthday", "birthday_month_day"]
        read_only_fields = fields

    def get_birthday_month_day(self, instance: Contact) -> str | None:
        return f"{instance.birthday:%m-%d}" if instance.birthday else None

    def to_representation(self, instance: Contact) -> dict:
        data = super().to_representation(instance)
        if not _revealed(self):
            data["phone"] = mask_phone(data["phone"])
            data["email"] = mask_email(data["email"])
            data["birthday"] = None
        return data


class ResidentUnitSerializer(serializers.ModelSerializer):
    documents = serializers.ListField(
        child=serializers.CharField(max_length=100), read_only=True, help_text="Names of the documents the file holds."
    )

    class Meta:
        model = ResidentUnit
        fields = ["id", "estate", "building", "unit", "room", "documents"]
        read_only_fields = fields


class AddressSerializer(serializers.ModelSerializer):
    class Meta:
        model = Address
        fields = ["id", "kind", "province", "city", "district", "line", "postcode"]
        read_only_fields = fields


class CustomerSerializer(serializers.ModelSerializer):
    contacts = ContactSerializer(many=True, read_only=True)
    addresses = AddressSerializer(many=True, read_only=True)
    units = ResidentUnitSerializer(many=True, read_only=True)
    tags = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name", help_text="Tag names.")
    tier = serializers.CharField(read_only=True, help_text="Code of the tier the rulebook's customer_tiers gave.")
    tier_label = serializers.CharField(read_only=True, help_text="Its name, e.g. VIP客户.")
    tier_reason = serializers.CharField(read_only=True, help_text="Why, in words.")

    class Meta:
        model = Customer
        fields = [
            "id",
            "code",
            "name",
            "customer_type",
            "grade",
            "region",
            "is_overseas",
            "notes",
            "is_active",
            "id_number",
            "contacts",
            "addresses",
            "units",
            "tags",
            "owner",
            "annual_revenue",
            "tier",
            "tier_label",
            "tier_reason",
            "created_at",
        ]
        read_only_fields = fields

    def to_representation(self, instance: Customer) -> dict:
        data = super().to_representation(instance)
        if not _revealed(self):
            data["id_number"] = mask_id_number(data["id_number"])
        return data


class CustomerCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    phone = serializers.CharField(max_length=40)
    contact_name = serializers.CharField(max_length=80, required=False, allow_blank=True, default="")
    customer_type = serializers.ChoiceField(choices=CustomerType.choices, default=CustomerType.INDIVIDUAL)
    grade = serializers.ChoiceField(choices=CustomerGrade.choices, default=CustomerGrade.C)
    region = serializers.ChoiceField(choices=Region.choices, default=Region.URBAN)
    is_overseas = serializers.BooleanField(required=False, default=False)
    address = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    id_number = serializers.RegexField(
        r"^[0-9A-Za-z]{6,30}$", max_length=30, required=False, allow_blank=True, default=""
    )

    def validate_name(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError("This field may not be blank.")
        return value

    def validate_phone(self, value: str) -> str:
        # Checked here as well as in the service so the error is reported against the `phone` field.
        try:
            validate_phone(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages)
        return value


class TimelineEntrySerializer(serializers.Serializer):
    when = serializers.DateTimeField(read_only=True)
    kind = serializers.ChoiceField(
        read_only=True,
        choices=["file", "case", "case_event", "work_order", "visit", "survey_answer"],
        help_text="What the entry is (the apps may add kinds).",
    )
    source = serializers.CharField(read_only=True, help_text="The registered source that gave it.")
    title = serializers.CharField(read_only=True)
    detail = serializers.CharField(read_only=True, help_text="Status, who did it, or the answer's verdict.")
    url = serializers.CharField(read_only=True, help_text="The staff page of the record; empty when there is none.")


class TimelinePageSerializer(serializers.Serializer):
    results = TimelineEntrySerializer(many=True, read_only=True)
    next = serializers.CharField(
        read_only=True, allow_null=True, help_text="Pass as `before` for the next (older) page; null on the last page."
    )
