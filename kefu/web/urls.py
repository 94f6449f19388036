from django.urls import path

from kefu.web import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="queue"),
]
