"""django-helpdesk at the root (its REST API at /api/tickets/), and DRF's token view at Kefu's token
path so bench/intake.py's `get_token` works against either side."""

from django.urls import include, path
from rest_framework.authtoken.views import obtain_auth_token

urlpatterns = [
    path("api/v1/auth/token/", obtain_auth_token),
    path("", include("helpdesk.urls", namespace="helpdesk")),
]
