"""API token authentication: django-rest-knox tokens that say why they were refused."""

from __future__ import annotations

from hmac import compare_digest

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from knox.auth import TokenAuthentication
from knox.crypto import hash_token
from knox.models import AuthToken
from knox.settings import CONSTANTS
from rest_framework.exceptions import AuthenticationFailed

from kefu.core.hotpath import CompiledQuery

__all__ = ("ExpiringTokenAuthentication", "ExpiringTokenScheme")


# Every API request reads its token: the statement is compiled once per process (kefu.core.hotpath).
# The user's unit comes along: registration records it as the receiving unit.
_CANDIDATES = CompiledQuery(
    lambda key: AuthToken.objects.filter(token_key=key).select_related("user__unit"), "\x00token-key-sample"
)


class ExpiringTokenAuthentication(TokenAuthentication):
    """Knox's `Authorization: Token …` scheme with a 401 that tells an expired token from an unknown one.

    Knox deletes an expired token when it is presented and then calls it invalid; here the token is
    kept until its owner gets a new one (kefu.org.api.views.TokenView), so a client keeps being told
    that its token expired, and when, instead of guessing.
    """

    def authenticate_credentials(self, token: bytes):
        text = token.decode("utf-8", errors="replace")
        digest = hash_token(text)
        for auth_token in _CANDIDATES.all(text[: CONSTANTS.TOKEN_KEY_LENGTH]):
            if not compare_digest(digest, auth_token.digest):
                continue
            if auth_token.expiry is not None and auth_token.expiry <= timezone.now():
                when = formats.date_format(timezone.localtime(auth_token.expiry), "Y-m-d H:i")
                raise AuthenticationFailed(
                    _("This token expired at %(time)s. Get a new one with POST /api/v1/auth/token/.") % {"time": when}
                )
            if not auth_token.user.is_active:
                raise AuthenticationFailed(_("This account is deactivated; its tokens no longer work."))
            return (auth_token.user, auth_token)
        raise AuthenticationFailed(_("Unknown or revoked token. Get a new one with POST /api/v1/auth/token/."))


class ExpiringTokenScheme(OpenApiAuthenticationExtension):
    """How the OpenAPI schema describes the token scheme: `Authorization: Token <token>`."""

    target_class = "kefu.org.tokens.ExpiringTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(header_name="Authorization", token_prefix="Token")
