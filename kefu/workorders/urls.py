from django.urls import path

from kefu.workorders import offsite_views, views

app_name = "workorders"
urlpatterns = [
    path("", views.today, name="today"),
    path("contracts/", offsite_views.contract_list, name="contracts"),
    path("contracts/<int:pk>/", offsite_views.contract_detail, name="contract"),
    path("<int:pk>/photos/", offsite_views.photo_upload, name="photo_upload"),
    path("<int:pk>/photos/<int:photo_pk>/", offsite_views.photo_download, name="photo"),
    path("<int:pk>/receipt/", offsite_views.takeback_receipt, name="receipt"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/<slug:step>/", views.step, name="step"),
]
