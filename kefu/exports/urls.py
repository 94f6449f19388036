from django.urls import path

from kefu.exports import views

app_name = "exports"
urlpatterns = [
    path("", views.home, name="home"),
    path("import/", views.import_page, name="import"),
    path("import/<int:pk>/commit/", views.import_commit_view, name="import_commit"),
    path("customers/", views.customers_export, name="customers"),
    path("requests/<int:pk>/", views.request_detail, name="request"),
    path("requests/<int:pk>/decide/", views.request_decide, name="request_decide"),
    path("requests/<int:pk>/download/", views.request_download, name="request_download"),
]
