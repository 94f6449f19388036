"""Duty API serializers."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from kefu.duty.models import CheckIn, HandoverEntry, Roster, Shift, ShiftPattern, SwapRequest
from kefu.org.models import OrgUnit, User

__all__ = (
    "CheckInSerializer",
    "HandoverInputSerializer",
    "HandoverSerializer",
    "OnDutySerializer",
    "RosterInputSerializer",
    "RosterSerializer",
    "RotationInputSerializer",
    "ShiftInputSerializer",
    "ShiftPatternSerializer",
    "ShiftSerializer",
    "SwapDecisionSerializer",
    "SwapInputSerializer",
    "SwapSerializer",
)


class _Person(serializers.ModelSerializer):
    name = serializers.CharField(source="__str__", read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "name"]


@extend_schema_field({"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$", "example": "08:00"})
class _ClockTime(serializers.TimeField):
    """A time of day as people write it ("08:00"): OpenAPI's `time` format would demand a UTC offset."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%H:%M", **kwargs)


class ShiftPatternSerializer(serializers.ModelSerializer):
    start = _ClockTime(read_only=True)

    class Meta:
        model = ShiftPattern
        fields = ["id", "code", "name", "start", "duration_minutes", "description"]


class RosterSerializer(serializers.ModelSerializer):
    unit = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Roster
        fields = ["id", "unit", "month", "status", "note", "published_at"]


class RosterInputSerializer(serializers.Serializer):
    unit = serializers.PrimaryKeyRelatedField(queryset=OrgUnit.objects.filter(is_active=True))
    month = serializers.DateField(help_text="Any day of the month.")
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class CheckInSerializer(serializers.ModelSerializer):
    class Meta:
        model = CheckIn
        fields = ["checked_in_at", "due_by", "minutes_late"]


class ShiftSerializer(serializers.ModelSerializer):
    person = _Person(read_only=True)
    pattern = serializers.SlugRelatedField(slug_field="code", read_only=True)
    unit = serializers.SlugRelatedField(slug_field="code", read_only=True)
    check_in = serializers.SerializerMethodField()

    class Meta:
        model = Shift
        fields = ["id", "roster", "unit", "pattern", "person", "day", "starts_at", "ends_at", "status", "check_in"]

    def get_check_in(self, shift: Shift) -> dict[str, Any] | None:
        try:
            return CheckInSerializer(shift.check_in).data
        except Shift.check_in.RelatedObjectDoesNotExist:
            return None


class ShiftInputSerializer(serializers.Serializer):
    pattern = serializers.PrimaryKeyRelatedField(queryset=ShiftPattern.objects.all())
    person = serializers.PrimaryKeyRelatedField(queryset=User.objects.all())
    day = serializers.DateField()


class RotationInputSerializer(serializers.Serializer):
    pattern = serializers.PrimaryKeyRelatedField(queryset=ShiftPattern.objects.all())
    people = serializers.PrimaryKeyRelatedField(queryset=User.objects.all(), many=True, help_text="In turn order.")
    first_day = serializers.DateField(required=False, allow_null=True, default=None)
    last_day = serializers.DateField(required=False, allow_null=True, default=None)


class SwapSerializer(serializers.ModelSerializer):
    requester = _Person(read_only=True)
    counterpart = _Person(read_only=True)

    class Meta:
        model = SwapRequest
        fields = [
            "id",
            "shift",
            "requester",
            "counterpart",
            "counterpart_shift",
            "reason",
            "status",
            "decided_at",
            "decision_note",
            "created_at",
        ]


class SwapInputSerializer(serializers.Serializer):
    shift = serializers.PrimaryKeyRelatedField(queryset=Shift.objects.all(), help_text="Your shift.")
    counterpart = serializers.PrimaryKeyRelatedField(queryset=User.objects.all())
    counterpart_shift = serializers.PrimaryKeyRelatedField(
        queryset=Shift.objects.all(), required=False, allow_null=True, default=None
    )
    reason = serializers.CharField(max_length=300)


class SwapDecisionSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class HandoverSerializer(serializers.ModelSerializer):
    author = _Person(read_only=True)
    received_by = _Person(read_only=True, allow_null=True)
    unit = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = HandoverEntry
        fields = ["id", "unit", "shift", "author", "body", "open_items", "received_by", "received_at", "created_at"]


class HandoverInputSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=4000)
    open_items = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class OnDutySerializer(serializers.Serializer):
    unit = serializers.IntegerField()
    at = serializers.DateTimeField()
    people = _Person(many=True)
