"""Fixtures of the return-visit tests: the service-complaint preset with the `visits` section appended."""

from __future__ import annotations

from pathlib import Path

import pytest

from kefu.rulebooks.services import PRESET_DIR, rulebook_load

VISITS_SECTION = Path(__file__).resolve().parent.parent / "presets" / "visits.yaml"


def rulebook_text(*replace: tuple[str, str]) -> str:
    """service-complaint.yaml + kefu/visits/presets/visits.yaml, with (old, new) text replacements."""
    section = VISITS_SECTION.read_text(encoding="utf-8")
    for old, new in replace:
        assert old in section, old
        section = section.replace(old, new, 1)
    return (PRESET_DIR / "service-complaint.yaml").read_text(encoding="utf-8") + "\n" + section


@pytest.fixture
def load_visits(rulebooks):
    """`load_visits(("sample_percent: 10", "sample_percent: 100"))` loads the section as the active version."""

    def load(*replace: tuple[str, str]):
        version, _ = rulebook_load(text=rulebook_text(*replace), source="service-complaint+visits.yaml")
        return version

    return load


@pytest.fixture
def visits_rulebook(load_visits):
    """Every closed repair or complaint is called back (sample 100%), none on site."""
    return load_visits(("sample_percent: 10", "sample_percent: 100"), ("on_site_percent: 30", "on_site_percent: 0"))
