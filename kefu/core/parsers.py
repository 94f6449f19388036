"""DRF parsers that refuse what the database cannot store, in one place for every endpoint.

A parsed body is walked once: a string (or key) with a NUL character or a lone UTF-16 surrogate is a
400 naming its field (`data.reason`, `remedies[0].description`), so it never reaches a query; a body
nested deeper than 32 levels is refused too. Malformed JSON is a 400 in the client's language with
the line and column, instead of DRF's untranslated "JSON parse error".
"""

from __future__ import annotations

import json
from typing import Any

from django.utils.translation import gettext as _
from rest_framework import parsers, serializers
from rest_framework.exceptions import ParseError

from kefu.core.inputs import bad_text, find_bad_text

__all__ = ("FormParser", "JSONParser", "MultiPartParser")


def _check(data: Any, files: Any = None) -> None:
    if hasattr(data, "lists"):  # a QueryDict: every value of every key
        data = {key: values[0] if len(values) == 1 else values for key, values in data.lists()}
    found = find_bad_text(data)
    if found is None and files is not None:  # file names too, reported against the file field
        found = next(
            ((key, message) for key, items in files.lists() for f in items if (message := bad_text(f.name or ""))),
            None,
        )
    if found is not None:
        raise serializers.ValidationError({found[0]: [found[1]]})


class JSONParser(parsers.JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: dict | None = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except ParseError as exc:
            cause = exc.__cause__ or exc.__context__
            if isinstance(cause, json.JSONDecodeError):
                raise ParseError(
                    _("The request body is not valid JSON (line %(line)s, column %(column)s).")
                    % {"line": cause.lineno, "column": cause.colno}
                )
            if isinstance(cause, UnicodeDecodeError):
                raise ParseError(_("The request body is not valid UTF-8."))
            raise ParseError(_("The request body is not valid JSON."))
        except RecursionError:
            raise ParseError(_("The data is nested too deeply."))
        _check(data)
        return data


class FormParser(parsers.FormParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: dict | None = None) -> Any:
        data = super().parse(stream, media_type, parser_context)
        _check(data)
        return data


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: dict | None = None) -> Any:
        try:
            result = super().parse(stream, media_type, parser_context)
        except ParseError:
            raise ParseError(_("The multipart form could not be read."))
        _check(result.data, result.files)
        return result
