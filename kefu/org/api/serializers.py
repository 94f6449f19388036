"""Organisation API serializers (read-only: pickers and labels)."""

from __future__ import annotations

from rest_framework import serializers

from kefu.org.models import OrgUnit, User

__all__ = ("OrgUnitSerializer", "StaffSerializer")


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
