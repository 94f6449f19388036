"""Organisation API serializers: pickers and labels (read-only), and API token requests."""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from kefu.org.models import OrgUnit, User

__all__ = (
    "OrgUnitSerializer",
    "StaffSerializer",
    "TokenRequestSerializer",
    "TokenSerializer",
    "TokensRevokedSerializer",
    "LockedOutSerializer",
)


class OrgUnitSerializer(serializers.ModelSerializer):
    depth = serializers.IntegerField(read_only=True)

    class Meta:
        model = OrgUnit
        fields = ["id", "name", "code", "kind", "parent", "path", "depth"]
        read_only_fields = fields


class StaffSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="__str__", read_only=True)
    role_label = serializers.CharField(source="get_role_display", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True, allow_null=True, default=None)

    class Meta:
        model = User
        fields = ["id", "username", "name", "role", "role_label", "unit", "unit_name"]
        read_only_fields = fields


class TokenRequestSerializer(serializers.Serializer):
    """A user name and password, checked through django.contrib.auth (so login lockout applies)."""

    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, trim_whitespace=False, write_only=True)

    def validate(self, attrs: dict) -> dict:
        user = authenticate(request=self.context["request"], username=attrs["username"], password=attrs["password"])
        if user is None:
            raise serializers.ValidationError(
                _("Unable to log in with the user name and password provided."), code="authorization"
            )
        attrs["user"] = user
        return attrs


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(read_only=True, help_text="Send it as `Authorization: Token <token>`.")
    expiry = serializers.DateTimeField(read_only=True, help_text="When the token stops working.")


class TokensRevokedSerializer(serializers.Serializer):
    revoked = serializers.IntegerField(read_only=True, help_text="How many tokens were revoked.")


class LockedOutSerializer(serializers.Serializer):
    detail = serializers.CharField(read_only=True)
    locked_until = serializers.DateTimeField(read_only=True, help_text="When logging in is possible again.")
