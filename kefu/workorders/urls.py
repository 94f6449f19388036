from django.urls import path

from kefu.workorders import views

app_name = "workorders"
urlpatterns = [
    path("", views.today, name="today"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/<slug:step>/", views.step, name="step"),
]
