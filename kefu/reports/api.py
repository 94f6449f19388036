"""The monthly statistics over REST: the same numbers as the page and the Excel export
(`kefu.reports.selectors.monthly_report`), over the cases the requesting person may see."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kefu.core.api import ERROR_400
from kefu.reports.selectors import Month, monthly_report

__all__ = ("MonthlyReportView",)


class CountsSerializer(serializers.Serializer):
    received = serializers.IntegerField(help_text="Received in the month.")
    closed = serializers.IntegerField(
        help_text="Closed (or closed and archived) in the month, whenever received; complaints that did not stand "
        "are not counted here but in `not_established`."
    )
    in_time = serializers.IntegerField(
        allow_null=True,
        source="in_time_display",
        help_text="Of `closed`, those whose resolution deadline was not missed; null where no closed case has one.",
    )
    in_time_applicable = serializers.IntegerField(help_text="Of `closed`, those with a resolution deadline.")
    established = serializers.IntegerField(help_text="Closed in the month, and the complaint stood (立案/成立).")
    not_established = serializers.IntegerField(
        help_text="Closed in the month because the complaint did not stand (投诉不成立)."
    )


class RowSerializer(CountsSerializer):
    key = serializers.CharField(help_text="`rulebook:code` for case types and categories; an id or code otherwise.")
    label = serializers.CharField()
    group = serializers.CharField(help_text="The rulebook's name (case types and categories); empty otherwise.")


class BreakdownSerializer(serializers.Serializer):
    code = serializers.RegexField(
        r"^(case_type|category|unit|responsibility|channel|field:[-\w]+:[-\w]+:[-\w]+)$",
        help_text=(
            "`case_type`, `category`, `unit`, `responsibility`, `channel`, or "
            "`field:<rulebook>:<case type>:<field>` for a choice form field."
        ),
    )
    title = serializers.CharField()
    rows = RowSerializer(many=True)


class MonthlyReportSerializer(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM, a month of the site's time zone (Asia/Shanghai).")
    counted_at = serializers.DateTimeField(
        allow_null=True,
        help_text="When the figures were counted: the time of the statistics rollup the worker refreshes every "
        "10 minutes (organisation-wide readers); null when they were counted live for this request.",
    )
    total = CountsSerializer()
    breakdowns = BreakdownSerializer(many=True)


class MonthlyReportView(APIView):
    @extend_schema(
        summary="Monthly statistics (客诉案件统计表) over the cases you may see",
        parameters=[
            OpenApiParameter(
                "month", OpenApiTypes.STR, pattern=r"^\d{4}-\d{2}$", description="YYYY-MM; default: last month."
            )
        ],
        responses={200: MonthlyReportSerializer, 400: ERROR_400},
    )
    def get(self, request: Request) -> Response:
        month, ok = Month.parse(request.query_params.get("month"), default=Month.last())
        if not ok:
            raise ValidationError({"month": [_("A month as YYYY-MM, between 2000-01 and 2999-12.")]})
        report = monthly_report(user=request.user, month=month)
        body: dict[str, Any] = {
            "month": str(report.month),
            "counted_at": report.counted_at,
            "total": report.total,
            "breakdowns": [{"code": b.code, "title": b.title, "rows": b.rows} for b in report.breakdowns],
        }
        return Response(MonthlyReportSerializer(body).data)
