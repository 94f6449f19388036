"""/api/v1/: one router for every app's viewsets."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from kefu.appraisal.api.views import DailyReportViewSet, LedgerEntryViewSet, ScoreRunViewSet
from kefu.cases.api.views import CaseViewSet, RulebookViewSet
from kefu.customers.api.views import CustomerViewSet
from kefu.duty.api.views import (
    HandoverViewSet,
    OnDutyView,
    RosterViewSet,
    ShiftPatternViewSet,
    ShiftViewSet,
    SwapViewSet,
)
from kefu.exports.api.views import CustomerExportView, CustomerImportView, ExportRequestViewSet
from kefu.knowledge.api.views import (
    ArticleViewSet,
    CallScriptViewSet,
    CategoryViewSet,
    GreetingView,
    OverrideCountsView,
    ReplyTemplateViewSet,
    TabooCheckView,
)
from kefu.org.api.views import OrgUnitViewSet, StaffViewSet, TokensView, TokenView
from kefu.reports.api import MonthlyReportView
from kefu.sla.api import BoardView, CaseClockExtendView, CaseClockPromiseView, CaseClocksView, NotificationViewSet
from kefu.visits.api.views import SurveyRoundViewSet, VisitTaskViewSet
from kefu.workorders.api.contracts import ContractViewSet
from kefu.workorders.api.offsite import ContractorViewSet, OrderOffsiteViewSet
from kefu.workorders.api.views import WorkOrderViewSet


class KefuRouter(DefaultRouter):
    """Numeric ids only, unless a viewset says otherwise (`lookup_value_regex`, or a lookup field that
    is not the primary key): `/api/v1/…/null,null/` is a plain 404, never a crash in a lookup."""

    def get_lookup_regex(self, viewset, lookup_prefix: str = "") -> str:
        if not hasattr(viewset, "lookup_value_regex") and getattr(viewset, "lookup_field", "pk") in ("pk", "id"):
            viewset.lookup_value_regex = "[0-9]+"
        return super().get_lookup_regex(viewset, lookup_prefix)


router = KefuRouter()
router.register("cases", CaseViewSet, basename="case")
router.register("customers", CustomerViewSet, basename="customer")
router.register("units", OrgUnitViewSet, basename="unit")
router.register("staff", StaffViewSet, basename="staff")
router.register("rulebooks", RulebookViewSet, basename="rulebook")
router.register("notifications", NotificationViewSet, basename="notification")
router.register("knowledge/articles", ArticleViewSet, basename="knowledge-article")
router.register("knowledge/categories", CategoryViewSet, basename="knowledge-category")
router.register("knowledge/templates", ReplyTemplateViewSet, basename="knowledge-template")
router.register("knowledge/scripts", CallScriptViewSet, basename="knowledge-script")
router.register("duty/patterns", ShiftPatternViewSet, basename="duty-pattern")
router.register("duty/rosters", RosterViewSet, basename="duty-roster")
router.register("duty/shifts", ShiftViewSet, basename="duty-shift")
router.register("duty/swaps", SwapViewSet, basename="duty-swap")
router.register("duty/handovers", HandoverViewSet, basename="duty-handover")
router.register("appraisal/ledger", LedgerEntryViewSet, basename="appraisal-ledger")
router.register("appraisal/scorecards", ScoreRunViewSet, basename="appraisal-scorecards")
router.register("appraisal/daily-reports", DailyReportViewSet, basename="appraisal-daily-reports")
router.register("visits/tasks", VisitTaskViewSet, basename="visits-task")
router.register("visits/survey-rounds", SurveyRoundViewSet, basename="visits-survey-round")
router.register("workorders/contracts", ContractViewSet, basename="workorder-contract")
router.register("workorders/contractors", ContractorViewSet, basename="workorder-contractor")
router.register("workorders", WorkOrderViewSet, basename="workorder")
router.register("workorders", OrderOffsiteViewSet, basename="workorder-offsite")
router.register("exports/requests", ExportRequestViewSet, basename="exports-request")

urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("auth/tokens/", TokensView.as_view(), name="api-tokens"),
    path("cases/<str:pk>/clocks/", CaseClocksView.as_view(), name="case-clocks"),
    path("cases/<str:pk>/clocks/<int:clock_id>/extend/", CaseClockExtendView.as_view(), name="case-clock-extend"),
    path("cases/<str:pk>/clocks/<int:clock_id>/promise/", CaseClockPromiseView.as_view(), name="case-clock-promise"),
    path("board/", BoardView.as_view(), name="board"),
    path("knowledge/taboo-check/", TabooCheckView.as_view(), name="knowledge-taboo-check"),
    path("knowledge/greeting/", GreetingView.as_view(), name="knowledge-greeting"),
    path("knowledge/overrides/", OverrideCountsView.as_view(), name="knowledge-overrides"),
    path("duty/on-duty/", OnDutyView.as_view(), name="duty-on-duty"),
    path("reports/monthly/", MonthlyReportView.as_view(), name="reports-monthly"),
    # Before the router: "imports" would otherwise be read as a customer id (and refused as not numeric).
    path("customers/imports/", CustomerImportView.as_view(), name="customers-import"),
    path("exports/customers/", CustomerExportView.as_view(), name="exports-customers"),
    *router.urls,
]
