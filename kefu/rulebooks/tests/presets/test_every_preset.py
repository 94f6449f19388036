"""Every shipped preset passes `kefu rulebook check` (with the site's calendars), and a user can start
from one: copy it, give it a key of its own, adapt a limit, load it — the preset itself is untouched
(docs/rulebooks.md, "Adapting a preset")."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from kefu.rulebooks.models import Rulebook
from kefu.rulebooks.services import PRESET_DIR
from kefu.rulebooks.tests.presets.kit import clock, register, sh

pytestmark = pytest.mark.django_db


def test_every_preset_checks_clean_and_has_its_test(calendars):
    presets = sorted(PRESET_DIR.glob("*.yaml"))
    assert len(presets) >= 15  # the case-shaped regulations of issue 6, plus the apps' own (field-service)
    out, err = StringIO(), StringIO()
    call_command("rulebook", "check", *map(str, presets), stdout=out, stderr=err)
    assert out.getvalue().count(": ok (") == len(presets), err.getvalue()
    # Its test is here, or — for a preset an app ships (field-service) — in that app's tests, naming the file.
    here = Path(__file__).parent
    app_tests = [t.read_text(encoding="utf-8") for t in PRESET_DIR.parents[1].glob("*/tests/**/test_*.py")]
    missing = [
        p.stem
        for p in presets
        if not (here / f"test_{p.stem.replace('-', '_')}.py").exists() and not any(p.name in t for t in app_tests)
    ]
    assert missing == []


def test_copy_and_adapt_a_preset(org, customer, rulebooks, tmp_path):
    """The tobacco preset's 3 working days become 2 in the copy `acme-tobacco`; cases registered under
    the copy get 2 (Wed 09-30 → Fri 10-09 17:30 across 国庆), the shipped preset still gives 3."""
    text = (PRESET_DIR / "tobacco-complaint.yaml").read_text(encoding="utf-8")
    text = text.replace("key: tobacco-complaint", "key: acme-tobacco", 1)
    text = text.replace('pattern: "YT{yy}{mm}{seq:04d}"', 'pattern: "AT{yy}{mm}{seq:04d}"', 1)
    text = text.replace("          within: 3 working_days\n", "          within: 2 working_days\n", 1)
    copy = tmp_path / "acme-tobacco.yaml"
    copy.write_text(text, encoding="utf-8")
    out = StringIO()
    call_command("rulebook", "load", str(copy), stdout=out)
    assert "loaded as acme-tobacco v1" in out.getvalue()
    assert Rulebook.objects.get(key="tobacco-complaint").versions.count() == 1
    t0 = sh(2026, 9, 30, 10, 0)
    mine = register(t0, org=org, customer=customer, rulebook="acme-tobacco", case_type="complaint", category="order")
    theirs = register(
        t0, org=org, customer=customer, rulebook="tobacco-complaint", case_type="complaint", category="order"
    )
    assert mine.number.startswith("AT2609")
    assert clock(mine, "handle").deadline == sh(2026, 10, 9, 17, 30)
    assert clock(theirs, "handle").deadline == sh(2026, 10, 10, 17, 30)
