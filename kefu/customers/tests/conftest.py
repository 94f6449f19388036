"""Fixtures of the customer-file tests: the service-complaint preset with kefu/customers/presets/customers.yaml."""

from __future__ import annotations

from pathlib import Path

import pytest

from kefu.rulebooks.services import PRESET_DIR, rulebook_load

SECTIONS = Path(__file__).resolve().parent.parent / "presets" / "customers.yaml"


def rulebook_text(*replace: tuple[str, str]) -> str:
    section = SECTIONS.read_text(encoding="utf-8")
    for old, new in replace:
        assert old in section, old
        section = section.replace(old, new, 1)
    return (PRESET_DIR / "service-complaint.yaml").read_text(encoding="utf-8") + "\n" + section


@pytest.fixture
def load_customer_rules(rulebooks):
    def load(*replace: tuple[str, str]):
        version, _ = rulebook_load(text=rulebook_text(*replace), source="service-complaint+customers.yaml")
        return version

    return load


@pytest.fixture
def customer_rules(load_customer_rules):
    return load_customer_rules()
