from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from kefu.knowledge.urls import help_urlpatterns
from kefu.web.accounts import AdminLoginForm, LoginView

# The admin login says when a lockout ends, like the web login (kefu.web.accounts).
admin.site.login_form = AdminLoginForm


def api_docs_page(view, **extra: list[str]):
    """A documentation page: for logged-in staff (browser session), styles inline as the libraries need.

    Scripts stay strict: Swagger UI's start script is a separate file (split view), ReDoc's is ours.
    """
    return login_required(csp_update({"style-src": [UNSAFE_INLINE], **extra})(view))


def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    """The site's icon (a static SVG, hashed name resolved at request time)."""
    return HttpResponsePermanentRedirect(static("kefu/favicon.svg"))


urlpatterns = [
    # Browsers ask for /favicon.ico on every page (the admin's too): the site's icon, not a 404.
    path("favicon.ico", favicon, name="favicon"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/login/", LoginView.as_view(), name="login"),
    path("api/v1/", include("kefu.api_urls")),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "api/v1/docs/",
        api_docs_page(SpectacularSwaggerSplitView.as_view(url_name="api-schema", template_name="web/api_docs.html")),
        name="api-docs",
    ),
    path(
        "api/v1/redoc/",
        # ReDoc runs its search index in a web worker that it builds from its own bundle (a blob: URL).
        api_docs_page(
            SpectacularRedocView.as_view(url_name="api-schema", template_name="web/api_redoc.html"),
            **{"worker-src": [SELF, "blob:"]},
        ),
        name="api-redoc",
    ),
    path("reports/", include("kefu.reports.urls")),
    path("knowledge/", include("kefu.knowledge.urls")),
    path("help/", include((help_urlpatterns, "help"))),
    path("duty/", include("kefu.duty.urls")),
    path("workorders/", include("kefu.workorders.urls")),
    path("appraisal/", include("kefu.appraisal.urls")),
    path("visits/", include("kefu.visits.urls")),
    path("exports/", include("kefu.exports.urls")),
    path("s/", include("kefu.visits.public_urls")),
    path("portal/", include("kefu.portal.urls")),
    path("", include("kefu.web.urls")),
]
# Attachments are never served from MEDIA_URL, not even with DEBUG: only the permission-checked
# download views send them (kefu.cases attachment downloads).

# Under /api/ a missing route or a crash answers in the API's JSON error shape (kefu.core.api).
handler404 = "kefu.core.api.page_not_found"
handler500 = "kefu.core.api.server_error"
