"""Customer API serializers."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from kefu.customers.choices import CustomerGrade, CustomerType, Region
from kefu.customers.masking import mask_email, mask_id_number, mask_phone
from kefu.customers.models import Address, Contact, Customer
from kefu.customers.validators import validate_phone

__all__ = ("CustomerSerializer", "CustomerCreateSerializer")


def _revealed(serializer: serializers.Serializer) -> bool:
    # Full values only in the answer of a logged "show" (the reveal endpoints set this).
    return bool(serializer.context.get("reveal"))


@extend_schema_field({"oneOf": [{"type": "string", "format": "email"}, {"type": "string", "maxLength": 0}]})
class _OptionalEmailField(serializers.CharField):
    """An e-mail address, or "" when none is known (format: email alone would forbid "")."""


class ContactSerializer(serializers.ModelSerializer):
    email = _OptionalEmailField(read_only=True, help_text="Empty when no address is known.")

    class Meta:
        model = Contact
        fields = ["id", "name", "role", "phone", "email"]
        read_only_fields = fields

    def to_representation(self, instance: Contact) -> dict:
        data = super().to_representation(instance)
        if not _revealed(self):
            data["phone"] = mask_phone(data["phone"])
            data["email"] = mask_email(data["email"])
        return data


class AddressSerializer(serializers.ModelSerializer):
    class Meta:
        model = Address
        fields = ["id", "kind", "province", "city", "district", "line", "postcode"]
        read_only_fields = fields


class CustomerSerializer(serializers.ModelSerializer):
    contacts = ContactSerializer(many=True, read_only=True)
    addresses = AddressSerializer(many=True, read_only=True)

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
