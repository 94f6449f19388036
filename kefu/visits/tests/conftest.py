"""Fixtures of the return-visit tests: the service-complaint preset, whose `visits` section the tests
load as shipped or with some numbers changed (e.g. sample 100% so every closed case is called back)."""

from __future__ import annotations

import pytest

from kefu.rulebooks.services import PRESET_DIR, rulebook_load

# Where the preset's `visits` section (with its comment block) begins.
SECTION_MARK = "\n# Return visits (kefu.visits"


def preset_parts(key: str = "service-complaint") -> tuple[str, str]:
    """(the preset without its visits section, the section with its comments)."""
    text = (PRESET_DIR / f"{key}.yaml").read_text(encoding="utf-8")
    head, mark, section = text.partition(SECTION_MARK)
    assert mark, f"{key}.yaml has no visits section"
    return head, mark + section


def rulebook_text(*replace: tuple[str, str]) -> str:
    """service-complaint.yaml with (old, new) text replacements inside its visits section."""
    head, section = preset_parts()
    for old, new in replace:
        assert old in section, old
        section = section.replace(old, new, 1)
    return head + section


def rulebook_text_without_visits() -> str:
    return preset_parts()[0]


@pytest.fixture
def load_visits(rulebooks):
    """`load_visits(("sample_percent: 10", "sample_percent: 100"))` loads the section as the active version."""

    def load(*replace: tuple[str, str]):
        version, _ = rulebook_load(text=rulebook_text(*replace), source="service-complaint (test)")
        return version

    return load


@pytest.fixture
def no_visits(rulebooks):
    """The service-complaint rulebook without its visits section, as the active version."""
    version, _ = rulebook_load(text=rulebook_text_without_visits(), source="service-complaint without visits")
    return version


@pytest.fixture
def visits_rulebook(load_visits):
    """Every closed repair or complaint is called back (sample 100%), none on site."""
    return load_visits(("sample_percent: 10", "sample_percent: 100"), ("on_site_percent: 30", "on_site_percent: 0"))
