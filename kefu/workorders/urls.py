from django.urls import path

from kefu.workorders import daily_views, offsite_views, register_views, views

app_name = "workorders"
urlpatterns = [
    path("", views.today, name="today"),
    path("contracts/", offsite_views.contract_list, name="contracts"),
    path("contracts/<int:pk>/", offsite_views.contract_detail, name="contract"),
    path("<int:pk>/photos/", offsite_views.photo_upload, name="photo_upload"),
    path("<int:pk>/photos/<int:photo_pk>/", offsite_views.photo_download, name="photo"),
    path("<int:pk>/receipt/", offsite_views.takeback_receipt, name="receipt"),
    path("register/", register_views.register, name="register"),
    path("daily/", daily_views.daily, name="daily"),
    path("daily/xlsx/", daily_views.daily_xlsx, name="daily_xlsx"),
    path("daily/<int:pk>/", daily_views.report_detail, name="daily_report"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/<slug:step>/", views.step, name="step"),
]
