from django.urls import path

from kefu.appraisal import views

app_name = "appraisal"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("scorecards/", views.runs, name="runs"),
    path("scorecards/<int:pk>/", views.run_detail, name="run"),
    path("scorecards/<int:pk>/xlsx/", views.run_xlsx, name="run_xlsx"),
    path("scorecards/<int:pk>/approve/", views.run_approve, name="run_approve"),
    path("cards/<int:pk>/assess/", views.card_assess, name="card_assess"),
    path("ledger/", views.ledger, name="ledger"),
    path("ledger/service-points/", views.service_points, name="service_points"),
    path("ledger/<int:pk>/", views.entry_detail, name="entry"),
    path("ledger/<int:pk>/decide/", views.entry_decide, name="entry_decide"),
    path("ledger/<int:pk>/correct/", views.entry_correct, name="entry_correct"),
    path("ledger/<int:pk>/notice/", views.entry_notice, name="notice"),
    path("reports/", views.reports, name="reports"),
    path("reports/<int:pk>/", views.report_detail, name="report"),
    path("reports/<int:pk>/<str:fmt>/", views.report_file, name="report_file"),
    path("daily/", views.daily, name="daily"),
    path("daily/<int:pk>/review/", views.daily_review, name="daily_review"),
]
