from django.urls import path

from kefu.workorders import daily_views, register_views, views

app_name = "workorders"
urlpatterns = [
    path("", views.today, name="today"),
    path("register/", register_views.register, name="register"),
    path("daily/", daily_views.daily, name="daily"),
    path("daily/xlsx/", daily_views.daily_xlsx, name="daily_xlsx"),
    path("daily/<int:pk>/", daily_views.report_detail, name="daily_report"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/<slug:step>/", views.step, name="step"),
]
