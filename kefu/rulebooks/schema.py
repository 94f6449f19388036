"""The rulebook document: its structure (pydantic) and the cross-references a structure cannot check.

`parse_rulebook(text, source=...)` is the single way a rulebook enters Kefu. It either returns a
validated `RulebookDoc` or raises `RulebookError` listing every problem with the file, the path in
the document, the line, and what is wrong. docs/rulebooks.md is the reference for this format.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator

from kefu.org.choices import Role
from kefu.rulebooks.choices import Operation, StateKind, TransitionAction

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
    "ClockDef",
    "Duration",
    "LadderStepDef",
    "SlaDef",
    "ConfidentialityDef",
)

CODE = r"^[a-z][a-z0-9_]*$"
ROLES = [r.value for r in Role]
# The kinds of case the engine knows; a rulebook's case types each say which kind they are.
CASE_KINDS = ("inquiry", "suggestion", "complaint", "quality_claim", "repair", "praise", "report")
_PLACEHOLDER = re.compile(r"\{(yyyy|yy|mm|dd|type|seq(?::0(\d)d)?)\}")


def _check_roles(value: list[str]) -> list[str]:
    bad = [r for r in value if r not in ROLES]
    if bad:
        raise ValueError(f"unknown role(s) {bad}; roles are {', '.join(ROLES)}")
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


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


class ApprovalStepDef(_Strict):
    role: str
    label: str = ""
    # Authority limit in yuan: this step can finally approve a total up to `limit`; none = unlimited.
    limit: Decimal | None = Field(default=None, ge=0)

    @field_validator("role")
    @classmethod
    def _known_role(cls, value: str) -> str:
        if value not in ROLES:
            raise ValueError(f"unknown role '{value}'; roles are {', '.join(ROLES)}")
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

    @field_validator("roles")
    @classmethod
    def _known_roles(cls, value: list[str]) -> list[str]:
        return _check_roles(value)


# --------------------------------------------------------------------------------------------------
# Deadlines (SLA clocks) and escalation ladders

DURATION_UNITS = (
    "minutes",
    "hours",
    "working_minutes",
    "working_hours",
    "working_days",
    "calendar_days",
    "same_working_day",
    "nth_of_next_month",
)
_DURATION = re.compile(r"^\s*(\d+)\s+([a-z_]+)\s*$")


class Duration(_Strict):
    """'3 working_days', '10 minutes', '0 same_working_day' — the units of docs/calendars.md."""

    amount: int = Field(ge=0)
    unit: str

    @field_validator("unit")
    @classmethod
    def _known_unit(cls, value: str) -> str:
        if value not in DURATION_UNITS:
            raise ValueError(f"unknown unit '{value}'; units are {', '.join(DURATION_UNITS)}")
        return value

    @classmethod
    def parse(cls, value: Any) -> Any:
        if isinstance(value, str):
            match = _DURATION.match(value)
            if not match:
                raise ValueError(f"'{value}' is not a duration like '2 working_days' or '30 minutes'")
            return {"amount": int(match.group(1)), "unit": match.group(2)}
        if isinstance(value, int):
            raise ValueError(f"{value} has no unit; write e.g. '{value} working_days'")
        return value

    def __str__(self) -> str:
        return f"{self.amount} {self.unit}"


class Condition(_Strict):
    """When a clock variant applies. Every listed key must match; lists mean 'any of'."""

    category: list[str] | None = None
    severity: list[str] | None = None
    channel: list[str] | None = None
    customer_grade: list[str] | None = None
    region: list[str] | None = None
    overseas: bool | None = None
    anonymous: bool | None = None


class VariantDef(_Strict):
    when: Condition
    within: Duration

    @field_validator("within", mode="before")
    @classmethod
    def _parse_within(cls, value: Any) -> Any:
        return Duration.parse(value)


class ExtensionDef(_Strict):
    # The deadline can be moved, in total, by at most `max` (counted like the clock), by these roles.
    max: Duration
    roles: list[str] = Field(min_length=1)

    @field_validator("max", mode="before")
    @classmethod
    def _parse_max(cls, value: Any) -> Any:
        return Duration.parse(value)

    @field_validator("roles")
    @classmethod
    def _known_roles(cls, value: list[str]) -> list[str]:
        return _check_roles(value)


class ClockDef(_Strict):
    key: str = Field(pattern=CODE)
    label: str = Field(min_length=1)
    label_en: str = ""
    # The clock starts at registration ('registered') or when the case enters one of `starts_on`,
    # and only for cases matching `when` (e.g. only emergencies get the 3-minute clock).
    starts_on: list[str] = Field(default_factory=lambda: ["registered"])
    when: Condition | None = None
    # Entering any of these states stops the clock: met if before the deadline, late otherwise.
    stops_on: list[str] = Field(min_length=1)
    within: Duration
    variants: list[VariantDef] = Field(default_factory=list)
    calendar: str | None = None
    warn_at: int = Field(default=75, ge=1, le=99)
    ladder: str | None = None
    extension: ExtensionDef | None = None
    # The clock the monthly report's "closed in time" counts.
    resolution: bool = False

    @field_validator("within", mode="before")
    @classmethod
    def _parse_within(cls, value: Any) -> Any:
        return Duration.parse(value)


class SlaDef(_Strict):
    # States in which every running clock of the case pauses (waiting on the customer, parts, a third party).
    pause_in: list[str] = Field(default_factory=list)
    clocks: list[ClockDef] = Field(default_factory=list)


class LadderStepDef(_Strict):
    # Fires `after` this long past the deadline (counted on the clock's calendar); '0 minutes' = at the deadline.
    after: Duration
    notify: list[str] = Field(min_length=1)
    label: str = ""

    @field_validator("after", mode="before")
    @classmethod
    def _parse_after(cls, value: Any) -> Any:
        return Duration.parse(value)

    @field_validator("notify")
    @classmethod
    def _known_targets(cls, value: list[str]) -> list[str]:
        allowed = {"owner", "assignee", "receiver", *ROLES}
        bad = [t for t in value if t not in allowed]
        if bad:
            raise ValueError(f"unknown recipient(s) {bad}; use owner, assignee, receiver or a role")
        return value


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
    approval_chains: dict[str, list[ApprovalStepDef]] = Field(default_factory=dict)
    operations: dict[Operation, list[str]] = Field(default_factory=dict)
    # The working calendar clocks use unless a clock names its own (a WorkCalendar key).
    calendar: str = "office"
    escalation_ladders: dict[str, list[LadderStepDef]] = Field(default_factory=dict)
    case_types: dict[str, CaseTypeDef] = Field(min_length=1)
    confidentiality: ConfidentialityDef = Field(default_factory=ConfidentialityDef)
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


def _line_of(root: yaml.Node | None, path: tuple[Any, ...]) -> int | None:
    """Follow `path` through the composed YAML node tree and return the 1-based line it starts on."""
    node = root
    for part in path:
        if isinstance(node, yaml.MappingNode):
            match = next((v for k, v in node.value if k.value == str(part)), None)
            if match is None:
                break
            node = match
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
        else:
            break
    return node.start_mark.line + 1 if node is not None else None


def _semantic_problems(doc: RulebookDoc) -> list[tuple[tuple[Any, ...], str]]:
    out: list[tuple[tuple[Any, ...], str]] = []
    category_codes = {c.code for c in doc.categories}
    for field, items, label in (("categories", doc.categories, "category"), ("severities", doc.severities, "severity")):
        seen: set[str] = set()
        for i, item in enumerate(items):
            if item.code in seen:
                out.append(((field, i, "code"), f"duplicate {label} code '{item.code}'"))
            seen.add(item.code)
    for name, steps in doc.approval_chains.items():
        if not steps:
            out.append((("approval_chains", name), "an approval chain needs at least one step"))
        limits = [s.limit for s in steps]
        for i, step in enumerate(steps[:-1]):
            if step.limit is None:
                out.append((("approval_chains", name, i, "limit"), "only the last step may have no limit"))
        numeric = [x for x in limits if x is not None]
        if numeric != sorted(numeric):
            out.append((("approval_chains", name), "limits must increase along the chain"))
    max_steps = max((len(s) for s in doc.approval_chains.values()), default=0)
    for i, sev in enumerate(doc.severities):
        if doc.approval_chains and sev.approval_min_step > max_steps:
            out.append((("severities", i, "approval_min_step"), f"the longest approval chain has {max_steps} step(s)"))
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
            if tr.action in (TransitionAction.APPROVE, TransitionAction.DECLINE) and not ct.approval_chain:
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
    return out


def _split_sections(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    from kefu.rulebooks.sections import registered_sections

    specs = registered_sections()
    core = {k: v for k, v in data.items() if k not in specs}
    return core, {k: v for k, v in data.items() if k in specs}


def _problems_of(exc: ValidationError, root: yaml.Node | None, prefix: tuple[Any, ...] = ()) -> list[Problem]:
    problems = []
    for err in exc.errors():
        loc = (*prefix, *err["loc"])
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            message = "unknown field (check the spelling against docs/rulebooks.md)"
        problems.append(Problem(".".join(str(p) for p in loc), message, _line_of(root, loc)))
    return problems


def parse_rulebook(text: str, *, source: str = "<rulebook>") -> RulebookDoc:
    """Parse and validate a rulebook; raise RulebookError naming every problem."""
    from kefu.rulebooks.sections import registered_sections

    try:
        root = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise RulebookError(
            source, [Problem("", f"not valid YAML: {getattr(exc, 'problem', exc)}", mark.line + 1 if mark else None)]
        )
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
    doc._sections = sections
    for key, section in sections.items():
        check = specs[key].check
        if check is not None:
            semantic += [((key, *path), msg) for path, msg in check(doc, section)]
    if semantic:
        raise RulebookError(
            source, [Problem(".".join(str(p) for p in path), msg, _line_of(root, path)) for path, msg in semantic]
        )
    return doc


def doc_to_document(doc: RulebookDoc) -> dict[str, Any]:
    """The JSON stored on a RulebookVersion: the core document plus each section under its key."""
    document = doc.model_dump(mode="json", by_alias=True)
    for key, section in doc._sections.items():
        document[key] = section.model_dump(mode="json", by_alias=True)
    return document


def doc_from_document(document: dict[str, Any]) -> RulebookDoc:
    """Read a stored document back (already validated when it was loaded). A section whose app is not
    installed on this site is ignored; the version keeps it for a site that has the app."""
    from kefu.rulebooks.sections import registered_sections

    specs = registered_sections()
    fields = {f.alias or name for name, f in RulebookDoc.model_fields.items()}
    doc = RulebookDoc.model_validate({k: v for k, v in document.items() if k in fields})
    doc._sections = {key: specs[key].model.model_validate(value) for key, value in document.items() if key in specs}
    return doc
