"""/portal/: the customer self-service pages (no staff login; docs/portal.md)."""

from django.urls import path

from kefu.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("new/<slug:case_type>/", views.file_case, name="file"),
    path("filed/", views.filed, name="filed"),
    path("track/", views.track, name="track"),
    path("t/<str:token>/", views.link, name="link"),
    path("case/<str:number>/", views.case_page, name="case"),
    path("case/<str:number>/answer/", views.answer, name="answer"),
    path("survey/", views.survey, name="survey"),
]
