"""Format v2 at load time: each new part validated with the path and line of every mistake, and the
loading defects of issue 13 (missing calendars, duplicate keys, syntax lines, encodings, several files)."""

import os
import re
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from kefu.rulebooks.models import Rulebook, RulebookVersion
from kefu.rulebooks.schema import RulebookError, doc_from_document, doc_to_document, parse_rulebook
from kefu.rulebooks.services import PRESET_DIR, rulebook_load, rulebook_load_files

V2 = Path(__file__).with_name("format_v2.yaml")
V2_TEXT = V2.read_text(encoding="utf-8")


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), start=1) if needle in line)


def problems(text: str, **kwargs) -> list[tuple[str, int | None, str]]:
    with pytest.raises(RulebookError) as err:
        parse_rulebook(text, source="v2.yaml", **kwargs)
    return [(p.path, p.line, p.message) for p in err.value.problems]


def edit(old: str, new: str) -> str:
    assert old in V2_TEXT, old
    return V2_TEXT.replace(old, new, 1)


def test_the_v2_example_uses_every_part_and_round_trips_through_storage():
    doc = parse_rulebook(V2_TEXT, source="v2.yaml")
    claim = doc.case_type("quality_claim")
    assert [f.type for f in claim.fields][:4] == ["text", "text", "integer", "money"]
    assert claim.transition("to_rnd").when.startswith("fields.defective_qty > 100")
    assert doc.chain("data").measure == "fields.record_count"
    assert doc.chain("claim").steps[0].limit == 5000  # a v1 list reads as a chain
    assert doc.channel_codes("quality_claim") == ["hotline", "letter", "authority"]
    assert doc.channel_label("authority") == "上级机关转办" and doc.channel_label("letter") == "Letter"
    again = doc_from_document(doc_to_document(doc))
    assert again == doc


def test_documents_stored_before_format_v2_still_read():
    """Versions stored by the previous release (chains as lists, `when` as mappings) read unchanged."""
    for path in sorted(PRESET_DIR.glob("*.yaml")):
        doc = parse_rulebook(path.read_text(encoding="utf-8"))
        stored = doc_to_document(doc)
        for name in stored["approval_chains"]:
            stored["approval_chains"][name] = stored["approval_chains"][name]["steps"]  # the v1 shape
        assert doc_from_document(stored) == doc


@pytest.mark.parametrize(
    ("old", "new", "path", "message"),
    [
        (
            'when: "fields.defective_qty > 100 or',
            'when: "fields.defective_qty >> 100 or',
            "case_types.quality_claim.transitions.1.when",
            "condition: the operator in",
        ),
        (
            "{key: part_no, type: text,",
            "{key: part_no, type: barcode,",
            "case_types.quality_claim.fields.1.type",
            "unknown field type 'barcode'",
        ),
        (
            "{when: customer.overseas, within: 20 calendar_days}",
            '{when: fields.destination == "overseas", within: 20 calendar_days}',
            "case_types.quality_claim.sla.clocks.0.variants.0.when",
            "condition: unknown name 'fields.destination'",
        ),
        (
            'when: severity == "special"',
            'when: severity == "very_special"',
            "case_types.quality_claim.sla.clocks.0.extension.when",
            "unknown severity 'very_special'",
        ),
        (
            "{role: manager, label: 部门经理, when: 'subject.role != \"manager\"'}",
            "{role: manager, label: 部门经理, when: 'subject.role != \"boss\"'}",
            "approval_chains.penalty.steps.0.when",
            "unknown role 'boss' for subject.role",
        ),
        (
            "measure: fields.record_count",
            "measure: fields.records",
            "approval_chains.data.measure",
            "measure: unknown name 'fields.records'",
        ),
        (
            "requires: {comment: true, fields: [penalty]}",
            "requires: {comment: true, fields: [penalty_type]}",
            "case_types.quality_claim.transitions.7.requires.fields",
            "unknown field 'penalty_type'",
        ),
        (
            "channels: [hotline, letter, authority]",
            "channels: [hotline, letter, fax]",
            "case_types.quality_claim.channels.2",
            "unknown channel 'fax'",
        ),
        (
            "- {code: authority, label: 上级机关转办, label_en: Forwarded by an authority}",
            "- {code: authority}",
            "channels.3.label",
            "is not one of Kefu's channels: give it a label",
        ),
        (
            "{role: deputy_gm, label: 副总经理, limit: 2000}",
            "{role: deputy_gm, label: 副总经理, limit: 2000}\n      - {role: deputy_gm, label: 副总经理二, limit: 2000}",
            "approval_chains.data.steps.1.limit",
            "limits must increase along the chain",
        ),
        (
            "promise: {min: 1 hours, max: 72 hours",
            "promise: {min: 72 hours, max: 1 hours",
            "case_types.quality_claim.sla.clocks.1.promise",
            "min must be less than max",
        ),
        (
            "escalate_from: start",
            "escalate_from: start\n          warn_at: 100",
            "case_types.emergency.sla.clocks.0.warn_at",
            "Input should be less than or equal to 99",
        ),
        (
            "- {up_to: 15 calendar_days, roles: [general_manager]}",
            "- {up_to: 3 calendar_days, roles: [general_manager]}",
            "case_types.quality_claim.sla.clocks.0.extension.tiers.1.up_to",
            "tiers must grow",
        ),
        (
            "sealed: {roles: [general_manager]}",
            "sealed: {roles: [auditor]}",
            "case_types.report.sealed.roles",
            "unknown role(s) ['auditor']",
        ),
        (
            "archive_after: 1 years",
            "archive_after: 1 year",
            "case_types.quality_claim.retention.archive_after",
            "is not a period like '1 years'",
        ),
        (
            "{after: 10 minutes, notify: [general_manager], reassign: supervisor,",
            "{after: 10 minutes, notify: [general_manager], reassign: owner,",
            "escalation_ladders.emergency.1.reassign",
            "unknown role 'owner'",
        ),
    ],
)
def test_format_v2_mistakes_name_path_and_line(old, new, path, message):
    text = edit(old, new)
    found = problems(text)
    line = line_of(text, new.splitlines()[-1].strip())
    assert any(p == path and msg.find(message) >= 0 for p, _line, msg in found), found
    assert any(p == path and ln == line for p, ln, _msg in found), (found, line)


def test_an_attachment_cannot_be_required_at_registration():
    text = edit(
        "{key: test_report, type: attachment, label: 检验报告,",
        "{key: test_report, type: attachment, required: true, label: 检验报告,",
    )
    [(path, line, message)] = problems(text)
    assert path == "case_types.quality_claim.fields.11"
    assert line == line_of(text, "key: test_report")
    assert "cannot be required at registration" in message


# --------------------------------------------------------------------------------------------------
# Issue 13: loading


def test_equal_approval_limits_are_refused():
    """docs/rulebooks.md says limits must increase: 2000 then 2000 (seed-002 Doc 2's boundary twice)."""
    text = (PRESET_DIR / "quality-claim.yaml").read_text(encoding="utf-8").replace("limit: 50000", "limit: 5000")
    [(path, line, message)] = problems(text)
    assert (path, message) == ("approval_chains.claim.1.limit", "limits must increase along the chain")
    assert line == line_of(text, "role: deputy_gm, label: 副总经理, limit: 5000")


def test_duplicate_keys_are_refused_with_both_lines():
    text = V2_TEXT.replace(
        '  pattern: "FV{yy}{mm}{seq:04d}"\n', '  pattern: "FV{yy}{mm}{seq:04d}"\n  pattern: "FW{seq}"\n'
    )
    [(path, line, message)] = problems(text)
    first = line_of(text, 'pattern: "FV')
    assert line == first + 1
    assert message == f"duplicate key 'pattern' (first on line {first}, again on line {first + 1}); keep one"


def test_a_syntax_error_is_reported_where_it_is_not_at_the_end_of_the_file():
    lines = V2_TEXT.splitlines()
    broken_at = line_of(V2_TEXT, "name_en: Format v2 test rulebook")
    lines[broken_at - 1] = 'name_en: "Format v2 test rulebook'  # an opening quote never closed
    [(path, line, message)] = problems("\n".join(lines) + "\n")
    assert line == broken_at
    assert "is its closing quote missing?" in message and len(lines) > broken_at + 100
    # The quote is the last one in the file: the parser reaches the end of the file.
    lines = V2_TEXT.splitlines()
    lines[-1] = lines[-1].replace("[general_manager]}", "[general_manager]} '")
    [(path, line, message)] = problems("\n".join(lines + ["# trailing", "# comments"]) + "\n")
    assert line == len(lines)
    assert "the quoted scalar that starts here is never closed" in message


def test_a_file_that_is_not_utf8_gets_a_message_not_a_traceback(calendars, tmp_path):
    path = tmp_path / "gbk.yaml"
    path.write_bytes(V2_TEXT.encode("gb18030"))
    err = StringIO()
    with pytest.raises(CommandError, match="nothing was changed"):
        call_command("rulebook", "load", str(path), stderr=err)
    assert f"{path}:1: (document): the file is not UTF-8 text" in err.getvalue() or "not UTF-8" in err.getvalue()
    assert "iconv" in err.getvalue()


def test_a_missing_calendar_is_refused_at_load_and_at_check(calendars, tmp_path):
    text = edit("          calendar: 24x7\n          variants:", "          calendar: 24x5\n          variants:")
    path = tmp_path / "cal.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RulebookError) as err:
        rulebook_load(text=text, source="cal.yaml")
    [problem] = err.value.problems
    assert problem.path == "case_types.quality_claim.sla.clocks.0.calendar"
    assert problem.line == line_of(text, "calendar: 24x5")
    assert "unknown working calendar '24x5' (this site has: 24x7, office)" in problem.message
    err_out = StringIO()
    with pytest.raises(CommandError):
        call_command("rulebook", "check", str(path), stderr=err_out)
    assert "unknown working calendar '24x5'" in err_out.getvalue()
    assert not Rulebook.objects.filter(key="format-v2").exists()


def test_the_default_calendar_must_exist_when_clocks_use_it(db):
    """On a site without calendars, a rulebook whose clocks count on `office` is refused (issue 13:
    it used to load, and then every registration under it failed)."""
    with pytest.raises(RulebookError) as err:
        rulebook_load(text=(PRESET_DIR / "power-supply.yaml").read_text(encoding="utf-8"), source="p.yaml")
    assert [p.path for p in err.value.problems] == ["calendar"]
    assert "working calendar 'office', which this site does not have" in err.value.problems[0].message


def test_check_without_a_database_says_calendars_were_not_checked(tmp_path):
    """`kefu rulebook check` on a machine with no database: the file is checked, and the calendar
    check is said to be skipped (a real process whose database cannot be opened)."""
    path = tmp_path / "v2.yaml"
    path.write_text(V2_TEXT, encoding="utf-8")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path}/no/such/dir/kefu.sqlite3",
    }
    done = subprocess.run(
        [sys.executable, "manage.py", "rulebook", "check", str(path)],
        cwd=Path(settings.BASE_DIR),
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert f"{path}: ok (format-v2, 5 case types)" in done.stdout
    assert "working calendars the clocks name were not checked (no database" in done.stderr


def test_loading_several_files_is_all_or_nothing(calendars, tmp_path):
    good = tmp_path / "good.yaml"
    good.write_text(V2_TEXT, encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(edit("kind: quality_claim", "kind: quality"), encoding="utf-8")
    err = StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("rulebook", "load", str(good), str(bad), stderr=err)
    assert str(exc.value) == (
        f"rulebook refused: {bad}; nothing was changed; not loaded either: {good} (valid, but a load is all or nothing)"
    )
    assert re.search(rf"^{re.escape(str(bad))}:\d+: case_types.quality_claim.kind: unknown case kind", err.getvalue())
    assert not RulebookVersion.objects.exists()
    out = StringIO()
    call_command("rulebook", "load", str(good), str(PRESET_DIR / "power-supply.yaml"), "--default", stdout=out)
    assert out.getvalue().splitlines() == [
        f"{good}: loaded as format-v2 v1",
        f"{PRESET_DIR / 'power-supply.yaml'}: loaded as power-supply v1",
        "default for new cases: power-supply",
    ]


def test_load_files_service_reports_every_bad_file(calendars, tmp_path):
    paths = []
    for i in range(2):
        path = tmp_path / f"bad{i}.yaml"
        path.write_text(edit("numbering:\n  pattern", "numbering:\n  patern"), encoding="utf-8")
        paths.append(path)
    from kefu.rulebooks.services import RulebooksRefused

    with pytest.raises(RulebooksRefused) as err:
        rulebook_load_files(paths=paths)
    assert [e.source for e in err.value.errors] == [str(p) for p in paths]
