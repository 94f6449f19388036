"""The rulebook document: its structure (pydantic) and the cross-references a structure cannot check.

`parse_rulebook(text, source=...)` is the single way a rulebook enters Kefu. It either returns a
validated `RulebookDoc` or raises `RulebookError` listing every problem with the file, the path in
the document, the line, and what is wrong. docs/rulebooks.md is the reference for this format.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import yaml
from pydantic import BaseModel, Field, PrivateAttr, ValidationError, field_validator

from kefu.org.choices import Role
from kefu.rulebooks.approval import ApprovalChainDef, ApprovalStepDef
from kefu.rulebooks.base import CODE, DURATION_UNITS, ROLES, Duration, check_roles
from kefu.rulebooks.base import Strict as _Strict
from kefu.rulebooks.choices import Channel, Operation, StateKind, TransitionAction
from kefu.rulebooks.clocks import (
    ClockDef,
    ExtensionDef,
    ExtensionTierDef,
    LadderStepDef,
    PromiseDef,
    SlaDef,
    VariantDef,
)
from kefu.rulebooks.conditions import TAG_MARK, Condition
from kefu.rulebooks.fields import FieldDef
from kefu.rulebooks.policies import ChannelDef, RequiresDef, RetentionDef, SealedDef
from kefu.rulebooks.yamltext import YamlProblem, load_yaml

__all__ = (
    "RulebookDoc",
    "CaseTypeDef",
    "TransitionDef",
    "RulebookError",
    "Problem",
    "doc_from_document",
    "doc_to_document",
    "parse_rulebook",
    "render_number_prefix",
    "CASE_KINDS",
    "DURATION_UNITS",
    "ApprovalChainDef",
    "ApprovalStepDef",
    "ClockDef",
    "Condition",
    "Duration",
    "ExtensionDef",
    "ExtensionTierDef",
    "FieldDef",
    "LadderStepDef",
    "PromiseDef",
    "SlaDef",
    "ConfidentialityDef",
    "VariantDef",
)

# The kinds of case the engine knows; a rulebook's case types each say which kind they are.
CASE_KINDS = ("inquiry", "suggestion", "complaint", "quality_claim", "repair", "praise", "report")
_PLACEHOLDER = re.compile(r"\{(yyyy|yy|mm|dd|type|seq(?::0(\d)d)?)\}")
_check_roles = check_roles


class Labelled(_Strict):
    code: str = Field(pattern=CODE)
    label: str = Field(min_length=1)
    label_en: str = ""


class SeverityDef(Labelled):
    # The approval chain must climb at least to this step (1-based) for cases of this severity.
    approval_min_step: int = Field(default=1, ge=1)


class NumberingDef(_Strict):
    pattern: str

    @field_validator("pattern")
    @classmethod
    def _pattern_ends_with_seq(cls, value: str) -> str:
        unknown = [m for m in re.findall(r"\{([^}]*)\}", value) if not _PLACEHOLDER.fullmatch("{" + m + "}")]
        if unknown:
            raise ValueError(f"unknown placeholder(s) {unknown}; allowed: yyyy yy mm dd type seq seq:0Nd")
        if not re.search(r"\{seq(?::0\dd)?\}$", value):
            raise ValueError("the pattern must end with {seq} or {seq:0Nd}, so numbers stay unique")
        return value


class StateDef(_Strict):
    label: str = Field(min_length=1)
    label_en: str = ""
    kind: StateKind = StateKind.OPEN


class TransitionDef(_Strict):
    name: str = Field(pattern=CODE)
    label: str = Field(min_length=1)
    label_en: str = ""
    action: TransitionAction = TransitionAction.ADVANCE
    from_: list[str] = Field(alias="from", min_length=1)
    to: str
    roles: list[str] = Field(min_length=1)
    # Format v2 (docs/rulebooks.md): the transition is offered and allowed only when `when` holds;
    # it cannot be taken without the input in `requires`.
    when: str | None = None
    requires: RequiresDef | None = None
    # approve / decline: the chain this approval pass climbs (default: the case type's) and the
    # pass's name, so one round can hold several passes (篇9: routing, then the final 核决).
    approval_chain: str | None = None
    approval_pass: str = Field(default="", pattern=r"^([a-z][a-z0-9_]*)?$", max_length=40)

    @field_validator("roles")
    @classmethod
    def _known_roles(cls, value: list[str]) -> list[str]:
        return _check_roles(value)


class CaseTypeDef(_Strict):
    label: str = Field(min_length=1)
    label_en: str = ""
    kind: str
    numbering: NumberingDef | None = None
    categories: list[str] | None = None
    approval_chain: str | None = None
    initial: str
    reopen_to: str | None = None
    states: dict[str, StateDef] = Field(min_length=2)
    transitions: list[TransitionDef] = Field(min_length=1)
    sla: SlaDef | None = None
    # Format v2 (docs/rulebooks.md): form fields, allowed channels, sealing, retention.
    fields: list[FieldDef] = Field(default_factory=list)
    channels: list[str] | None = None
    sealed: SealedDef | None = None
    retention: RetentionDef | None = None

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, value: str) -> str:
        if value not in CASE_KINDS:
            raise ValueError(f"unknown case kind '{value}'; kinds are {', '.join(CASE_KINDS)}")
        return value

    def state(self, code: str) -> StateDef:
        return self.states[code]

    def transition(self, name: str) -> TransitionDef | None:
        return next((t for t in self.transitions if t.name == name), None)

    def transitions_from(self, state: str) -> list[TransitionDef]:
        return [t for t in self.transitions if state in t.from_]

    def field(self, key: str) -> FieldDef | None:
        return next((f for f in self.fields if f.key == key), None)


class ConfidentialityDef(_Strict):
    """Who may see the identity of an anonymous complainant (001 篇10 第十九条: 严禁泄露投诉举报人的姓名、单位、住址等情况).

    Everyone else who may see an anonymous case sees "匿名投诉人" in place of the customer; those named
    here see the identity only when they ask for it, and each time is logged. Default: the receiving
    agent (who took the contact), quality and the general manager.
    """

    identity_roles: list[str] = Field(default_factory=lambda: [Role.QUALITY.value, Role.GENERAL_MANAGER.value])
    receiver_sees_identity: bool = True

    @field_validator("identity_roles")
    @classmethod
    def _known_roles(cls, value: list[str]) -> list[str]:
        return _check_roles(value)


class RulebookDoc(_Strict):
    key: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    name: str = Field(min_length=1)
    name_en: str = ""
    description: str = ""
    source: str = ""
    numbering: NumberingDef
    severities: list[SeverityDef] = Field(min_length=1)
    categories: list[Labelled] = Field(min_length=1)
    # A chain is a list of steps (v1) or {measure, steps} (v2); both read as ApprovalChainDef.
    approval_chains: dict[str, ApprovalChainDef] = Field(default_factory=dict)
    operations: dict[Operation, list[str]] = Field(default_factory=dict)
    # The working calendar clocks use unless a clock names its own (a WorkCalendar key).
    calendar: str = "office"
    escalation_ladders: dict[str, list[LadderStepDef]] = Field(default_factory=dict)
    case_types: dict[str, CaseTypeDef] = Field(min_length=1)
    confidentiality: ConfidentialityDef = Field(default_factory=ConfidentialityDef)
    # The rulebook's channels (format v2): omitted = Kefu's global list (kefu.rulebooks.choices.Channel).
    channels: list[ChannelDef] | None = None
    # Sections registered by other apps (kefu.rulebooks.sections), validated by their own models.
    _sections: dict[str, BaseModel] = PrivateAttr(default_factory=dict)

    def section(self, key: str) -> Any:
        """The validated section `key` of this rulebook (an app's model instance), or None."""
        return self._sections.get(key)

    def case_type(self, code: str) -> CaseTypeDef:
        return self.case_types[code]

    def numbering_for(self, case_type: str) -> NumberingDef:
        return self.case_types[case_type].numbering or self.numbering

    def categories_for(self, case_type: str) -> list[Labelled]:
        allowed = self.case_types[case_type].categories
        return [c for c in self.categories if allowed is None or c.code in allowed]

    def category_label(self, code: str) -> str:
        return next((c.label for c in self.categories if c.code == code), code)

    def severity_label(self, code: str) -> str:
        return next((s.label for s in self.severities if s.code == code), code)

    def severity(self, code: str) -> SeverityDef | None:
        return next((s for s in self.severities if s.code == code), None)

    def operation_roles(self, op: str) -> list[str]:
        return self.operations.get(Operation(op), [])

    def chain(self, name: str) -> ApprovalChainDef:
        return self.approval_chains[name]

    def channel_codes(self, case_type: str | None = None) -> list[str]:
        """The channels a case (of `case_type`) may come in by, in the rulebook's order."""
        codes = [c.code for c in self.channels] if self.channels is not None else list(Channel.values)
        allowed = self.case_types[case_type].channels if case_type in self.case_types else None
        return [c for c in codes if allowed is None or c in allowed]

    def channel_label(self, code: str, english: bool = False) -> str:
        own = next((c for c in self.channels or [] if c.code == code), None)
        if own is not None and (own.label_en if english else own.label):
            return own.label_en if english else own.label
        if code in Channel.values:
            return str(Channel(code).label)
        return own.label if own is not None and own.label else code


@dataclass(frozen=True)
class Problem:
    path: str
    message: str
    line: int | None = None

    def render(self, source: str) -> str:
        where = f"{source}:{self.line}" if self.line else source
        return f"{where}: {self.path or '(document)'}: {self.message}"


class RulebookError(Exception):
    """A rulebook file was refused. `problems` lists every error, each with its path and line."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source = source
        self.problems = problems
        super().__init__("\n".join(p.render(source) for p in problems))


def render_number_prefix(pattern: str, *, when: Any, type_code: str) -> tuple[str, int]:
    """Render everything before {seq}; return (prefix, zero-pad width)."""
    head, _, seq = pattern.rpartition("{seq")
    width = int(seq[2]) if seq.startswith(":0") else 0
    prefix = (
        head.replace("{yyyy}", f"{when:%Y}")
        .replace("{yy}", f"{when:%y}")
        .replace("{mm}", f"{when:%m}")
        .replace("{dd}", f"{when:%d}")
        .replace("{type}", type_code.upper())
    )
    return prefix, width


# --------------------------------------------------------------------------------------------------
# Parsing and cross-reference checks


def _locate(root: yaml.Node | None, path: tuple[Any, ...]) -> tuple[int | None, str]:
    """Follow `path` through the composed YAML node tree: (1-based line it starts on, dotted path as
    written). A key of the format that the file left out — `steps` of an approval chain written as a
    plain list (format v1) — is dropped from the path shown."""
    node = root
    shown: list[str] = []
    lost = False
    for part in path:
        if lost:
            shown.append(str(part))
        elif isinstance(node, yaml.MappingNode):
            match = next((v for k, v in node.value if k.value == str(part)), None)
            shown.append(str(part))
            if match is None:
                lost = True
                continue
            node = match
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            shown.append(str(part))
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, str):
            continue  # a list read as a mapping (a v1 approval chain is its `steps`)
        else:
            shown.append(str(part))
            lost = True
    return (node.start_mark.line + 1 if node is not None else None), ".".join(shown)


def _line_of(root: yaml.Node | None, path: tuple[Any, ...]) -> int | None:
    return _locate(root, path)[0]


def _problem(root: yaml.Node | None, path: tuple[Any, ...], message: str) -> Problem:
    line, shown = _locate(root, path)
    return Problem(shown, message, line)


def _semantic_problems(doc: RulebookDoc) -> list[tuple[tuple[Any, ...], str]]:
    out: list[tuple[tuple[Any, ...], str]] = []
    category_codes = {c.code for c in doc.categories}
    for field, items, label in (("categories", doc.categories, "category"), ("severities", doc.severities, "severity")):
        seen: set[str] = set()
        for i, item in enumerate(items):
            if item.code in seen:
                out.append(((field, i, "code"), f"duplicate {label} code '{item.code}'"))
            seen.add(item.code)
    for op, roles in doc.operations.items():
        bad = [r for r in roles if r not in ROLES]
        if bad:
            out.append((("operations", op.value), f"unknown role(s) {bad}"))
    for code, ct in doc.case_types.items():
        base = ("case_types", code)
        if not re.match(CODE, code):
            out.append((base, f"case type code '{code}' must be lower_snake_case"))
        states = set(ct.states)
        known = ", ".join(sorted(states))
        if ct.initial not in states:
            out.append(((*base, "initial"), f"unknown state '{ct.initial}' (states: {known})"))
        elif ct.states[ct.initial].kind != StateKind.OPEN:
            out.append(((*base, "initial"), "the initial state must be an open state"))
        if ct.reopen_to is not None and ct.reopen_to not in states:
            out.append(((*base, "reopen_to"), f"unknown state '{ct.reopen_to}' (states: {known})"))
        for cat in ct.categories or []:
            if cat not in category_codes:
                out.append(
                    (
                        (*base, "categories"),
                        f"unknown category '{cat}' (categories: {', '.join(sorted(category_codes))})",
                    )
                )
        if ct.approval_chain is not None and ct.approval_chain not in doc.approval_chains:
            out.append(((*base, "approval_chain"), f"unknown approval chain '{ct.approval_chain}'"))
        names: set[str] = set()
        reachable = {ct.initial}
        for i, tr in enumerate(ct.transitions):
            tpath = (*base, "transitions", i)
            if tr.name in names:
                out.append(((*tpath, "name"), f"duplicate transition name '{tr.name}'"))
            names.add(tr.name)
            for src in tr.from_:
                if src not in states:
                    out.append(((*tpath, "from"), f"unknown state '{src}' (states: {known})"))
                elif ct.states[src].kind == StateKind.ARCHIVED:
                    out.append(((*tpath, "from"), f"state '{src}' is archived: nothing leaves it"))
            if tr.to not in states:
                out.append(((*tpath, "to"), f"unknown state '{tr.to}' (states: {known})"))
                continue
            kind = ct.states[tr.to].kind
            if tr.action in (TransitionAction.CLOSE, TransitionAction.NOT_ESTABLISHED) and kind != StateKind.CLOSED:
                out.append(((*tpath, "to"), f"action '{tr.action.value}' must lead to a closed state"))
            if tr.action == TransitionAction.ARCHIVE and kind != StateKind.ARCHIVED:
                out.append(((*tpath, "to"), "action 'archive' must lead to an archived state"))
            if tr.action in (TransitionAction.APPROVE, TransitionAction.DECLINE) and not (
                tr.approval_chain or ct.approval_chain
            ):
                out.append(((*tpath, "action"), "approval transitions need the case type to name an approval_chain"))
        if ct.sla is not None:
            spath = (*base, "sla")
            for i, state in enumerate(ct.sla.pause_in):
                if state not in states:
                    out.append(((*spath, "pause_in", i), f"unknown state '{state}' (states: {known})"))
            keys: set[str] = set()
            for i, clock in enumerate(ct.sla.clocks):
                cpath = (*spath, "clocks", i)
                if clock.key in keys:
                    out.append(((*cpath, "key"), f"duplicate clock key '{clock.key}'"))
                keys.add(clock.key)
                for field_name in ("starts_on", "stops_on"):
                    for state in getattr(clock, field_name):
                        if state not in states and not (field_name == "starts_on" and state == "registered"):
                            out.append(((*cpath, field_name), f"unknown state '{state}' (states: {known})"))
                if clock.ladder is not None and clock.ladder not in doc.escalation_ladders:
                    out.append(((*cpath, "ladder"), f"unknown escalation ladder '{clock.ladder}'"))
                conditions = [((*cpath, "when"), clock.when)] if clock.when else []
                conditions += [((*cpath, "variants", j, "when"), v.when) for j, v in enumerate(clock.variants)]
                for cond_path, cond in conditions:
                    if not isinstance(cond, Condition):
                        continue  # expressions are type-checked with the rest of format v2 (checks.py)
                    for cat in cond.category or []:
                        if cat not in category_codes:
                            out.append(((*cond_path, "category"), f"unknown category '{cat}'"))
                    for sev in cond.severity or []:
                        if doc.severity(sev) is None:
                            out.append(((*cond_path, "severity"), f"unknown severity '{sev}'"))
        if not any(s.kind == StateKind.CLOSED for s in ct.states.values()):
            out.append(((*base, "states"), "a case type needs at least one closed state"))
        # Reachability: every state should be reachable from the initial state. Skipped when a
        # transition names an unknown state: that one typo would otherwise report a dozen states.
        if any(tr.to not in states or not set(tr.from_) <= states for tr in ct.transitions):
            continue
        changed = True
        while changed:
            changed = False
            for tr in ct.transitions:
                if tr.to in states and tr.to not in reachable and reachable.intersection(tr.from_):
                    reachable.add(tr.to)
                    changed = True
        for state in sorted(states - reachable):
            out.append(((*base, "states", state), f"state '{state}' cannot be reached from '{ct.initial}'"))
    from kefu.rulebooks.checks import format_v2_problems  # checks.py reads the classes defined here

    return out + format_v2_problems(doc)


def _split_sections(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    from kefu.rulebooks.sections import registered_sections

    specs = registered_sections()
    core = {k: v for k, v in data.items() if k not in specs}
    return core, {k: v for k, v in data.items() if k in specs}


def _problems_of(exc: ValidationError, root: yaml.Node | None, prefix: tuple[Any, ...] = ()) -> list[Problem]:
    problems = []
    for err in exc.errors():
        # Drop the tags of tagged unions (a clock's `when` is a mapping or an expression).
        loc = tuple(p for p in (*prefix, *err["loc"]) if not (isinstance(p, str) and p.startswith(TAG_MARK)))
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            message = "unknown field (check the spelling against docs/rulebooks.md)"
        problems.append(_problem(root, loc, message))
    return problems


def _calendar_problems(doc: RulebookDoc, calendars: Collection[str]) -> list[tuple[tuple[Any, ...], str]]:
    """Clocks must count on calendars this site has: otherwise every registration would fail."""
    out: list[tuple[tuple[Any, ...], str]] = []
    known = ", ".join(sorted(calendars)) or "none"
    hint = "create it (`kefu calendar create-defaults` makes office and 24x7) or name one that exists"
    default_used = False
    for code, ct in doc.case_types.items():
        for i, clock in enumerate(ct.sla.clocks if ct.sla else []):
            if clock.calendar is None:
                default_used = True
            elif clock.calendar not in calendars:
                out.append(
                    (
                        ("case_types", code, "sla", "clocks", i, "calendar"),
                        f"unknown working calendar '{clock.calendar}' (this site has: {known}); {hint}",
                    )
                )
    if default_used and doc.calendar not in calendars:
        out.append(
            (
                ("calendar",),
                f"the clocks count on the working calendar '{doc.calendar}', which this site does not have "
                f"(it has: {known}); {hint}",
            )
        )
    return out


def parse_rulebook(text: str, *, source: str = "<rulebook>", calendars: Collection[str] | None = None) -> RulebookDoc:
    """Parse and validate a rulebook; raise RulebookError naming every problem.

    With `calendars` (the working calendar keys of the site), the calendars the clocks use are checked
    too; without, they are not (no database at hand)."""
    from kefu.rulebooks.sections import registered_sections

    try:
        data, root = load_yaml(text)
    except YamlProblem as exc:
        raise RulebookError(source, [Problem("", message, line) for line, message in exc.problems])
    if not isinstance(data, dict):
        raise RulebookError(source, [Problem("", "a rulebook must be a mapping with key, name, case_types, …")])
    core, raw_sections = _split_sections(data)
    specs = registered_sections()
    problems: list[Problem] = []
    doc = None
    try:
        doc = RulebookDoc.model_validate(core)
    except ValidationError as exc:
        problems += _problems_of(exc, root)
    sections: dict[str, BaseModel] = {}
    for key, value in raw_sections.items():
        try:
            sections[key] = specs[key].model.model_validate(value)
        except ValidationError as exc:
            problems += _problems_of(exc, root, (key,))
    if problems or doc is None:
        raise RulebookError(source, problems)
    semantic = [(path, msg) for path, msg in _semantic_problems(doc)]
    if calendars is not None:
        semantic += _calendar_problems(doc, calendars)
    doc._sections = sections
    for key, section in sections.items():
        check = specs[key].check
        if check is not None:
            semantic += [((key, *path), msg) for path, msg in check(doc, section)]
    if semantic:
        raise RulebookError(source, [_problem(root, path, msg) for path, msg in semantic])
    return doc


def doc_to_document(doc: RulebookDoc) -> dict[str, Any]:
    """The JSON stored on a RulebookVersion: the core document plus each section under its key."""
    document = doc.model_dump(mode="json", by_alias=True)
    for key, section in doc._sections.items():
        document[key] = section.model_dump(mode="json", by_alias=True)
    order: dict[str, list[str]] = {}
    _record_key_order(document, "", order)
    document[KEY_ORDER] = order
    return document


# PostgreSQL stores a JSONField as jsonb, which keeps no key order (shorter keys come first), while the
# order of case types and stages is the rulebook author's: the intake lists 投诉 first because the file
# does. So the stored document carries the order of every mapping, and reading restores it.
KEY_ORDER = "_key_order"


def _pointer(path: str, key: str) -> str:
    return f"{path}/{key.replace('~', '~0').replace('/', '~1')}"


def _record_key_order(value: Any, path: str, out: dict[str, list[str]]) -> None:
    if isinstance(value, dict):
        if len(value) > 1:
            out[path] = list(value)
        for key, item in value.items():
            _record_key_order(item, _pointer(path, key), out)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _record_key_order(item, f"{path}/{index}", out)


def _restore_key_order(value: Any, path: str, order: dict[str, list[str]]) -> Any:
    if isinstance(value, dict):
        keys = order.get(path)
        if keys is not None and len(keys) == len(value) and set(keys) == set(value):
            value = {key: value[key] for key in keys}
        return {key: _restore_key_order(item, _pointer(path, key), order) for key, item in value.items()}
    if isinstance(value, list):
        return [_restore_key_order(item, f"{path}/{index}", order) for index, item in enumerate(value)]
    return value


def doc_from_document(document: dict[str, Any]) -> RulebookDoc:
    """Read a stored document back (already validated when it was loaded). A section whose app is not
    installed on this site is ignored; the version keeps it for a site that has the app."""
    from kefu.rulebooks.sections import registered_sections

    specs = registered_sections()
    order = document.get(KEY_ORDER)
    if order:  # versions loaded before the order was kept read as their database gives them
        document = _restore_key_order({k: v for k, v in document.items() if k != KEY_ORDER}, "", order)
    fields = {f.alias or name for name, f in RulebookDoc.model_fields.items()}
    doc = RulebookDoc.model_validate({k: v for k, v in document.items() if k in fields})
    doc._sections = {key: specs[key].model.model_validate(value) for key, value in document.items() if key in specs}
    return doc
