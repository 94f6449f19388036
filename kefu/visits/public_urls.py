"""/s/<token>/: the survey answer page, without login (mounted at the site root by config/urls.py)."""

from django.urls import path

from kefu.visits import public_views

app_name = "survey"
urlpatterns = [path("<str:token>/", public_views.answer, name="answer")]
