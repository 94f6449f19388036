"""/api/v1/: one router for every app's viewsets."""

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.routers import DefaultRouter

from kefu.cases.api.views import CaseViewSet, RulebookViewSet
from kefu.core.api import ERROR_400
from kefu.customers.api.views import CustomerViewSet
from kefu.org.api.views import OrgUnitViewSet, StaffViewSet
from kefu.reports.api import MonthlyReportView
from kefu.sla.api import BoardView, CaseClockExtendView, CaseClocksView, NotificationViewSet


class _TokenSerializer(serializers.Serializer):
    token = serializers.CharField()


@extend_schema(summary="Get an API token", responses={200: _TokenSerializer, 400: ERROR_400})
class _ObtainAuthToken(ObtainAuthToken):
    """DRF's view, with its answer to wrong credentials in the schema."""


obtain_auth_token = _ObtainAuthToken.as_view()

router = DefaultRouter()
router.register("cases", CaseViewSet, basename="case")
router.register("customers", CustomerViewSet, basename="customer")
router.register("units", OrgUnitViewSet, basename="unit")
router.register("staff", StaffViewSet, basename="staff")
router.register("rulebooks", RulebookViewSet, basename="rulebook")
router.register("notifications", NotificationViewSet, basename="notification")

urlpatterns = [
    path("auth/token/", obtain_auth_token, name="api-token"),
    path("cases/<str:pk>/clocks/", CaseClocksView.as_view(), name="case-clocks"),
    path("cases/<str:pk>/clocks/<int:clock_id>/extend/", CaseClockExtendView.as_view(), name="case-clock-extend"),
    path("board/", BoardView.as_view(), name="board"),
    path("reports/monthly/", MonthlyReportView.as_view(), name="reports-monthly"),
    *router.urls,
]
