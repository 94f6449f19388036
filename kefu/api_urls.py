"""/api/v1/: one router for every app's viewsets."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from kefu.cases.api.views import CaseViewSet, RulebookViewSet
from kefu.customers.api.views import CustomerViewSet
from kefu.org.api.views import OrgUnitViewSet, StaffViewSet, TokensView, TokenView
from kefu.sla.api import BoardView, CaseClockExtendView, CaseClocksView, NotificationViewSet

router = DefaultRouter()
router.register("cases", CaseViewSet, basename="case")
router.register("customers", CustomerViewSet, basename="customer")
router.register("units", OrgUnitViewSet, basename="unit")
router.register("staff", StaffViewSet, basename="staff")
router.register("rulebooks", RulebookViewSet, basename="rulebook")
router.register("notifications", NotificationViewSet, basename="notification")

urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("auth/tokens/", TokensView.as_view(), name="api-tokens"),
    path("cases/<str:pk>/clocks/", CaseClocksView.as_view(), name="case-clocks"),
    path("cases/<str:pk>/clocks/<int:clock_id>/extend/", CaseClockExtendView.as_view(), name="case-clock-extend"),
    path("board/", BoardView.as_view(), name="board"),
    *router.urls,
]
