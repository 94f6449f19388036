"""Language selection for a Chinese service desk: Simplified Chinese unless the person chose otherwise."""

from django.conf import settings
from django.http import HttpRequest
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class DefaultLanguageLocaleMiddleware(LocaleMiddleware):
    """Like Django's LocaleMiddleware, but ignores the browser's Accept-Language header.

    The language is the one chosen with the header's switch (the language cookie), else
    settings.LANGUAGE_CODE. An English-language browser in a Chinese office still gets Chinese.
    Use it in place of django.middleware.locale.LocaleMiddleware in MIDDLEWARE.
    """

    def process_request(self, request: HttpRequest) -> None:
        if request.path.startswith("/api/"):
            # API clients state their language explicitly with Accept-Language; honour it there.
            super().process_request(request)
            return
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        try:
            language = translation.get_supported_language_variant(chosen) if chosen else settings.LANGUAGE_CODE
        except LookupError:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
