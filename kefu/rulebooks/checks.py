"""Cross-reference checks of format v2: conditions type-checked against the case type's vocabulary,
form fields, required input, approval chains (measures, conditional steps, passes), promised deadlines,
extension tiers, channels, retention. Each problem is (path in the document, message), like
`schema._semantic_problems`, which calls `format_v2_problems` once the structure is valid.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from kefu.rulebooks.choices import StateKind, TransitionAction
from kefu.rulebooks.conditions import Condition, compile_condition
from kefu.rulebooks.expressions import BOOL, NUMBER, ExpressionError

if TYPE_CHECKING:
    from kefu.rulebooks.clocks import ClockDef
    from kefu.rulebooks.schema import CaseTypeDef, RulebookDoc

__all__ = ("format_v2_problems",)

Found = list[tuple[tuple[Any, ...], str]]
_APPROVAL_ACTIONS = (TransitionAction.APPROVE, TransitionAction.DECLINE)
# Units whose lengths can be compared without a calendar (minutes of wall-clock time per unit).
_WALL_MINUTES = {"minutes": 1, "hours": 60, "calendar_days": 1440}


def _expression(
    out: Found, path: tuple[Any, ...], doc: RulebookDoc, case_type: str, text: Any, result: str = BOOL
) -> None:
    try:
        compile_condition(doc, case_type, text, result=result)
    except ExpressionError as exc:
        out.append((path, f"{'condition' if result == BOOL else 'measure'}: {exc}"))


def format_v2_problems(doc: RulebookDoc) -> Found:
    out: Found = []
    _channels(out, doc)
    used_chains: dict[str, list[str]] = {}
    for code, ct in doc.case_types.items():
        base = ("case_types", code)
        _fields(out, base, ct)
        _transitions(out, base, doc, code, ct, used_chains)
        if ct.channels is not None:
            known = doc.channel_codes()
            for i, channel in enumerate(ct.channels):
                if channel not in known:
                    out.append(((*base, "channels", i), f"unknown channel '{channel}' (channels: {', '.join(known)})"))
        if ct.sla is not None:
            for i, clock in enumerate(ct.sla.clocks):
                _clock(out, (*base, "sla", "clocks", i), doc, code, clock)
        if ct.retention is not None:
            for j, variant in enumerate(ct.retention.variants):
                _expression(out, (*base, "retention", "variants", j, "when"), doc, code, variant.when)
            if not any(s.kind == StateKind.ARCHIVED for s in ct.states.values()):
                out.append(
                    ((*base, "retention"), "retention archives closed cases: the case type needs an archived state")
                )
    _chains(out, doc, used_chains)
    return out


def _channels(out: Found, doc: RulebookDoc) -> None:
    seen: set[str] = set()
    for i, channel in enumerate(doc.channels or []):
        if channel.code in seen:
            out.append((("channels", i, "code"), f"duplicate channel code '{channel.code}'"))
        seen.add(channel.code)
        if not channel.is_global and not channel.label:
            out.append((("channels", i, "label"), f"'{channel.code}' is not one of Kefu's channels: give it a label"))


def _fields(out: Found, base: tuple[Any, ...], ct: CaseTypeDef) -> None:
    names = {t.name for t in ct.transitions}
    seen: set[str] = set()
    for i, definition in enumerate(ct.fields):
        fpath = (*base, "fields", i)
        if definition.key in seen:
            out.append(((*fpath, "key"), f"duplicate field key '{definition.key}'"))
        seen.add(definition.key)
        for name in definition.required_before:
            if name not in names:
                out.append(((*fpath, "required_before"), f"unknown transition '{name}'"))
        codes = [o.code for o in definition.options or []]
        for code in {c for c in codes if codes.count(c) > 1}:
            out.append(((*fpath, "options"), f"duplicate option code '{code}'"))


def _transitions(
    out: Found, base: tuple[Any, ...], doc: RulebookDoc, code: str, ct: CaseTypeDef, used: dict[str, list[str]]
) -> None:
    field_keys = {f.key for f in ct.fields}
    if ct.approval_chain and ct.approval_chain in doc.approval_chains:
        used.setdefault(ct.approval_chain, []).append(code)
    passes: dict[str, str] = {}
    for i, tr in enumerate(ct.transitions):
        tpath = (*base, "transitions", i)
        if tr.when is not None:
            _expression(out, (*tpath, "when"), doc, code, tr.when)
        for key in tr.requires.fields if tr.requires else []:
            if key not in field_keys:
                out.append(
                    (
                        (*tpath, "requires", "fields"),
                        f"unknown field '{key}' (fields: {', '.join(field_keys) or 'none'})",
                    )
                )
        approving = tr.action in _APPROVAL_ACTIONS
        if (tr.approval_chain or tr.approval_pass) and not approving:
            out.append(((*tpath, "approval_chain"), "only approve and decline transitions belong to an approval pass"))
        if tr.approval_chain is not None:
            if tr.approval_chain not in doc.approval_chains:
                out.append(((*tpath, "approval_chain"), f"unknown approval chain '{tr.approval_chain}'"))
            else:
                used.setdefault(tr.approval_chain, []).append(code)
        if approving:
            chain = tr.approval_chain or ct.approval_chain or ""
            earlier = passes.setdefault(tr.approval_pass, chain)
            if earlier != chain:
                out.append(
                    (
                        (*tpath, "approval_pass"),
                        f"approval pass '{tr.approval_pass or '(default)'}' already climbs chain '{earlier}'; "
                        "one pass, one chain",
                    )
                )


def _clock(out: Found, cpath: tuple[Any, ...], doc: RulebookDoc, code: str, clock: ClockDef) -> None:
    if isinstance(clock.when, str):
        _expression(out, (*cpath, "when"), doc, code, clock.when)
    for j, variant in enumerate(clock.variants):
        if not isinstance(variant.when, Condition):
            _expression(out, (*cpath, "variants", j, "when"), doc, code, variant.when)
    if clock.escalate_from == "start" and clock.ladder is None:
        out.append(((*cpath, "escalate_from"), "escalate_from: start needs a ladder"))
    extension = clock.extension
    if extension is not None:
        epath = (*cpath, "extension")
        if extension.when is not None:
            _expression(out, (*epath, "when"), doc, code, extension.when)
        if extension.tiers is not None:
            for j in range(1, len(extension.tiers)):
                pair = [extension.tiers[j - 1].up_to, extension.tiers[j].up_to]
                _increasing(out, (*epath, "tiers", j, "up_to"), pair, "tiers must grow (up_to)")
    if clock.promise is not None:
        _increasing(out, (*cpath, "promise"), [clock.promise.min, clock.promise.max], "min must be less than max")


def _increasing(out: Found, path: tuple[Any, ...], durations: Iterable[Any], message: str) -> None:
    durations = list(durations)
    if len({d.unit for d in durations}) == 1:
        amounts = [d.amount for d in durations]
    elif all(d.unit in _WALL_MINUTES for d in durations):
        amounts = [d.amount * _WALL_MINUTES[d.unit] for d in durations]
    else:
        out.append((path, f"use one unit here (or minutes, hours and calendar_days) so the lengths compare: {message}"))
        return
    if any(b <= a for a, b in zip(amounts, amounts[1:], strict=False)):
        out.append((path, message))


def _chains(out: Found, doc: RulebookDoc, used: dict[str, list[str]]) -> None:
    for name, chain in doc.approval_chains.items():
        cpath = ("approval_chains", name)
        steps = chain.steps
        if not steps:
            out.append((cpath, "an approval chain needs at least one step"))
            continue
        for i, step in enumerate(steps[:-1]):
            if step.limit is None and step.when is None:
                out.append(((*cpath, "steps", i, "limit"), "only the last step may have no limit"))
        previous = None
        for i, step in enumerate(steps):
            if step.limit is None:
                continue
            if previous is not None and step.limit <= previous:
                # Reported at the step that does not rise (e.g. 2000 after 2000, seed-002 Doc 2's boundary).
                out.append(((*cpath, "steps", i, "limit"), "limits must increase along the chain"))
            previous = step.limit
        for case_type in sorted(set(used.get(name, []))) or [None]:
            # A measure or step condition is checked against every case type that uses the chain
            # (one of them may lack a field the other has).
            where = [] if case_type is None else [f" (for case type '{case_type}')"]
            found: Found = []
            _expression(found, (*cpath, "measure"), doc, case_type or "", chain.measure, NUMBER)
            for i, step in enumerate(steps):
                if step.when is not None:
                    _expression(found, (*cpath, "steps", i, "when"), doc, case_type or "", step.when)
            out.extend((path, message + "".join(where)) for path, message in found)
    max_steps = max((len(c.steps) for c in doc.approval_chains.values()), default=0)
    for i, sev in enumerate(doc.severities):
        if doc.approval_chains and sev.approval_min_step > max_steps:
            out.append((("severities", i, "approval_min_step"), f"the longest approval chain has {max_steps} step(s)"))
