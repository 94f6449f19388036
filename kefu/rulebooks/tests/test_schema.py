"""The rulebook format: every preset validates, and each kind of mistake is reported with its path and line."""

from pathlib import Path

import pytest

from kefu.rulebooks.schema import RulebookError, parse_rulebook, render_number_prefix
from kefu.rulebooks.services import PRESET_DIR

PRESETS = sorted(PRESET_DIR.glob("*.yaml"))

# A small valid rulebook; each test breaks one line of it. Line numbers below refer to this text.
BASE = """\
key: mini
name: 小制度
numbering:
  pattern: "T{yy}{mm}{seq:03d}"
severities:
  - {code: normal, label: 一般}
categories:
  - {code: other, label: 其他}
approval_chains:
  money:
    - {role: manager, limit: 1000}
    - {role: general_manager}
case_types:
  complaint:
    label: 投诉
    kind: complaint
    approval_chain: money
    initial: open
    states:
      open: {label: 受理}
      approving: {label: 审批}
      closed: {label: 结案, kind: closed}
    transitions:
      - {name: propose, label: 方案, action: remedy, from: [open], to: approving, roles: [agent]}
      - {name: approve, label: 批准, action: approve, from: [approving], to: closed, roles: [manager]}
"""


def problems_of(text: str) -> list[tuple[str, int | None, str]]:
    with pytest.raises(RulebookError) as err:
        parse_rulebook(text, source="mini.yaml")
    return [(p.path, p.line, p.message) for p in err.value.problems]


def broken(old: str, new: str) -> str:
    assert old in BASE, old
    return BASE.replace(old, new, 1)


def test_base_document_is_valid():
    doc = parse_rulebook(BASE)
    assert doc.case_type("complaint").transition("approve").from_ == ["approving"]


@pytest.mark.parametrize("path", PRESETS, ids=[p.stem for p in PRESETS])
def test_every_preset_validates(path: Path):
    doc = parse_rulebook(path.read_text(encoding="utf-8"), source=str(path))
    assert doc.key == path.stem
    for code, ct in doc.case_types.items():
        assert ct.label and ct.label_en, code
        assert all(s.label_en for s in ct.states.values()), code
        assert all(t.label_en for t in ct.transitions), code


def test_presets_cover_the_requested_case_types():
    docs = {p.stem: parse_rulebook(p.read_text(encoding="utf-8")) for p in PRESETS}
    quality = docs["quality-claim"].case_type("quality_claim")
    assert quality.kind == "quality_claim"
    assert docs["quality-claim"].numbering_for("quality_claim").pattern == "{yy}{mm}{seq:02d}"
    close = next(c for c in quality.sla.clocks if c.key == "close")
    assert (close.within.amount, close.within.unit, close.resolution) == (15, "calendar_days", True)
    assert [(v.when.overseas, v.within.amount) for v in close.variants] == [(True, 20)]
    power = docs["power-supply"]
    assert {power.case_type("complaint").kind, power.case_type("report").kind} == {"complaint", "report"}
    power_close = power.case_type("complaint").sla.clocks[0]
    assert (power_close.within.amount, power_close.within.unit) == (5, "working_days")
    assert power.case_type("complaint").state("stored_pending").kind == "closed"


def test_problems_render_as_file_line_path_message():
    with pytest.raises(RulebookError) as err:
        parse_rulebook(broken("to: approving, roles: [agent]", "to: aproving, roles: [agent]"), source="mini.yaml")
    first = str(err.value).splitlines()[0]
    assert first.startswith("mini.yaml:24: case_types.complaint.transitions.0.to: unknown state 'aproving'")


def test_unknown_state_in_from():
    assert (
        "case_types.complaint.transitions.1.from",
        25,
        "unknown state 'aproving' (states: approving, closed, open)",
    ) in problems_of(broken("from: [approving]", "from: [aproving]"))


def test_unknown_state_in_to():
    found = problems_of(broken("to: closed, roles", "to: done, roles"))
    assert ("case_types.complaint.transitions.1.to", 25, "unknown state 'done' (states: approving, closed, open)") in (
        found
    )


def test_unknown_role_in_transition():
    [(path, line, message)] = problems_of(broken("roles: [agent]", "roles: [clerk]"))
    assert (path, line) == ("case_types.complaint.transitions.0.roles", 24)
    assert message.startswith("unknown role(s) ['clerk']")


def test_unknown_role_in_approval_chain():
    [(path, line, message)] = problems_of(broken("{role: manager, limit: 1000}", "{role: boss, limit: 1000}"))
    assert (path, line) == ("approval_chains.money.0.role", 11)
    assert message.startswith("unknown role 'boss'")


def test_unknown_role_in_operations():
    text = broken("case_types:\n", "operations:\n  transfer: [agent, janitor]\ncase_types:\n")
    assert any(p == "operations.transfer" and line == 14 and "janitor" in m for p, line, m in problems_of(text))


def test_duplicate_transition_name():
    found = problems_of(broken("{name: approve,", "{name: propose,"))
    assert ("case_types.complaint.transitions.1.name", 25, "duplicate transition name 'propose'") in found


def test_unreachable_state():
    text = broken(
        "      closed: {label: 结案, kind: closed}\n",
        "      closed: {label: 结案, kind: closed}\n      limbo: {label: 悬空}\n",
    )
    assert ("case_types.complaint.states.limbo", 23, "state 'limbo' cannot be reached from 'open'") in problems_of(text)


def test_approval_transition_without_chain():
    found = problems_of(broken("    approval_chain: money\n", ""))
    assert (
        "case_types.complaint.transitions.1.action",
        24,
        "approval transitions need the case type to name an approval_chain",
    ) in found


def test_pattern_must_end_with_seq():
    [(path, line, message)] = problems_of(broken('"T{yy}{mm}{seq:03d}"', '"T{seq:03d}{yy}"'))
    assert (path, line) == ("numbering.pattern", 4)
    assert "must end with {seq}" in message


def test_unknown_placeholder():
    [(path, line, message)] = problems_of(broken('"T{yy}{mm}{seq:03d}"', '"T{year}{seq}"'))
    assert (path, line) == ("numbering.pattern", 4)
    assert "unknown placeholder(s) ['year']" in message


def test_unknown_field_is_a_typo():
    [(path, line, message)] = problems_of(broken("    initial: open", "    inital: open\n    initial: open"))
    assert (path, line) == ("case_types.complaint.inital", 18)
    assert message.startswith("unknown field")


def test_bad_yaml_names_the_line():
    [(path, line, message)] = problems_of(broken("  complaint:\n    label: 投诉", "  complaint:\n    label: [投诉"))
    assert path == "" and message.startswith("not valid YAML")
    assert line is not None and line >= 15


def test_limits_must_increase():
    text = broken("    - {role: general_manager}", "    - {role: deputy_gm, limit: 500}\n    - {role: general_manager}")
    assert ("approval_chains.money.1.limit", 12, "limits must increase along the chain") in problems_of(text)


def test_only_the_last_step_may_be_unlimited():
    text = broken("{role: manager, limit: 1000}", "{role: manager}")
    assert ("approval_chains.money.0.limit", 11, "only the last step may have no limit") in problems_of(text)


def test_close_action_to_an_open_state():
    found = problems_of(
        broken("action: approve, from: [approving], to: closed", "action: close, from: [approving], to: open")
    )
    assert ("case_types.complaint.transitions.1.to", 25, "action 'close' must lead to a closed state") in found


def test_every_problem_is_reported_at_once():
    text = broken("from: [approving]", "from: [aproving]").replace("{name: approve,", "{name: propose,")
    paths = {p for p, _, _ in problems_of(text)}
    assert {"case_types.complaint.transitions.1.from", "case_types.complaint.transitions.1.name"} <= paths


def test_document_that_is_not_a_mapping():
    [(path, line, message)] = problems_of("- just\n- a list\n")
    assert path == "" and line is None and "must be a mapping" in message


def test_number_prefix_placeholders():
    import datetime as dt

    when = dt.datetime(2026, 3, 9)
    assert render_number_prefix("{yy}{mm}{seq:02d}", when=when, type_code="quality_claim") == ("2603", 2)
    assert render_number_prefix("KF{yyyy}{mm}{dd}-{type}-{seq}", when=when, type_code="repair") == (
        "KF20260309-REPAIR-",
        0,
    )
