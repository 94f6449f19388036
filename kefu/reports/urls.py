from django.urls import path

from kefu.reports import views

app_name = "reports"
urlpatterns = [
    path("monthly/", views.monthly, name="monthly"),
    path("monthly.xlsx", views.monthly_xlsx, name="monthly_xlsx"),
]
