"""/api/v1/: one router for every app's viewsets."""

from django.urls import path
from rest_framework.authtoken.views import obtain_auth_token
from rest_framework.routers import DefaultRouter

from kefu.cases.api.views import CaseViewSet, RulebookViewSet
from kefu.customers.api.views import CustomerViewSet
from kefu.org.api.views import OrgUnitViewSet, StaffViewSet
from kefu.sla.api import BoardView, CaseClockExtendView, CaseClockPromiseView, CaseClocksView, NotificationViewSet

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
    path("cases/<str:pk>/clocks/<int:clock_id>/promise/", CaseClockPromiseView.as_view(), name="case-clock-promise"),
    path("board/", BoardView.as_view(), name="board"),
    *router.urls,
]
