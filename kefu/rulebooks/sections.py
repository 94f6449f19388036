"""Rulebook sections contributed by the apps built on the case engine.

A regulation says more than how cases move: how technicians are dispatched, how customers are
called back, how staff are appraised. Those rules belong in the same rulebook (one regulation, one
document, one version history), but their format belongs to the app that runs them. So an app
registers a *section* — a top-level key of the rulebook with a pydantic model of its own — and the
rulebook parser validates it like the core document, with the same `FILE:LINE: PATH: MESSAGE` errors:

    # kefu/visits/apps.py
    class VisitsConfig(AppConfig):
        def ready(self) -> None:
            from kefu.rulebooks.sections import register_section
            from kefu.visits.rules import VisitsSection, check_visits

            register_section("visits", VisitsSection, check=check_visits)

    # a rulebook
    visits:
      call_backs: [...]

    # the app reads it from the case's pinned version
    section = case.rulebook.section("visits")   # a VisitsSection, or None when the rulebook has none

The model should be strict like the core (`extra="forbid"`, frozen); `check(doc, section)` returns
cross-reference problems as `(path inside the section, message)` pairs, e.g. a case type or role the
core document does not have. A key no app registered is refused as an unknown field, as before.
Registered sections are stored in the version's document under their key, so open cases keep the
section of the version they were opened under.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

if TYPE_CHECKING:
    from kefu.rulebooks.schema import RulebookDoc

__all__ = ("SectionCheck", "SectionSpec", "register_section", "registered_sections", "unregister_section")

SectionCheck = Callable[["RulebookDoc", Any], list[tuple[tuple[Any, ...], str]]]


@dataclass(frozen=True)
class SectionSpec:
    key: str
    model: type[BaseModel]
    check: SectionCheck | None = None


_sections: dict[str, SectionSpec] = {}


def register_section(key: str, model: type[BaseModel], *, check: SectionCheck | None = None) -> None:
    """Make `key` a valid top-level rulebook key validated by `model` (call from AppConfig.ready())."""
    from kefu.rulebooks.schema import RulebookDoc

    if key in RulebookDoc.model_fields:
        raise ValueError(f"'{key}' is a field of the core rulebook document")
    _sections[key] = SectionSpec(key=key, model=model, check=check)


def unregister_section(key: str) -> None:
    _sections.pop(key, None)


def registered_sections() -> dict[str, SectionSpec]:
    return dict(_sections)
