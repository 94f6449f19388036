"""Demo values for the rulebooks' form fields (format v2), by field type, with realistic values for
the fields the presets use (篇9's order and part numbers, quantities, loss amounts). Used by both
demo paths: the service path passes them to `case_register` / `case_transition`, the bulk path
writes them into `Case.fields` as the engine would store them."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from django.utils import timezone

from kefu.rulebooks.fields import FieldDef, clean_value

__all__ = ("demo_channel", "demo_field_values", "demo_value")

_KNOWN_TEXT = {
    "order_no": lambda rng, at: f"SO{at:%y%m}-{rng.randrange(1, 9999):04d}",
    "part_no": lambda rng, at: f"{rng.choice('ABCDHKMPT')}{rng.randrange(100, 999)}-{rng.randrange(10, 99)}",
    "terminal_no": lambda rng, at: f"GT{rng.randrange(10**7, 10**8)}",
    "sim_no": lambda rng, at: f"1064{rng.randrange(10**9, 10**10)}",
}


def _choice_weights(n: int) -> list[float]:
    # The first option is the common one (e.g. "no penalty"), the others rarer and rarer.
    return [6.0 / (i + 1) ** 1.3 for i in range(n)]


def demo_value(definition: FieldDef, rng: random.Random, *, at: dt.datetime, refs: dict[str, list[int]]) -> Any:
    """A plausible value in the engine's stored form (None: leave it empty)."""
    kind = definition.type
    low = int(definition.min) if definition.min is not None else 0
    if kind in ("text", "long_text"):
        make = _KNOWN_TEXT.get(definition.key)
        text = make(rng, timezone.localtime(at)) if make else f"{definition.label}：{rng.randrange(1, 999)}"
        return text[: definition.length_limit]
    if kind == "integer":
        high = int(definition.max) if definition.max is not None else max(low, 0) + 500
        if definition.key == "defective_qty":
            high = min(high, 300)
        return rng.randint(low, max(low, high))
    if kind == "money":
        amount = Decimal(rng.choice([0, 120, 350, 800, 1500, 4200, 12000, 56000]))
        if definition.min is not None:
            amount = max(amount, definition.min)
        if definition.max is not None:
            amount = min(amount, definition.max)
        return f"{amount:.2f}"
    if kind == "date":
        return (timezone.localtime(at).date() - dt.timedelta(days=rng.randrange(2, 40))).isoformat()
    if kind == "datetime":
        return timezone.localtime(at - dt.timedelta(hours=rng.randrange(1, 72))).replace(microsecond=0).isoformat()
    if kind == "choice":
        options = [o.code for o in definition.options or []]
        return rng.choices(options, _choice_weights(len(options)))[0] if options else None
    if kind == "multi_choice":
        options = [o.code for o in definition.options or []]
        chosen = {o for o in options if rng.random() < 0.35} or {rng.choice(options)}
        return [o for o in options if o in chosen]
    if kind == "yes_no":
        return rng.random() < 0.3
    pool = refs.get(kind) or []
    return rng.choice(pool) if pool else None


def demo_field_values(
    definitions: list[FieldDef],
    rng: random.Random,
    *,
    at: dt.datetime,
    refs: dict[str, list[int]],
    keys: set[str] | None = None,
    fill: float = 0.7,
) -> dict[str, Any]:
    """Values for the fields (only `keys` if given): required ones always, the others with probability
    `fill`. Attachments are never made up here (the service path uploads a file where one is needed)."""
    out: dict[str, Any] = {}
    for definition in definitions:
        if definition.type == "attachment" or (keys is not None and definition.key not in keys):
            continue
        if not (definition.required or keys is not None or rng.random() < fill):
            continue
        value = demo_value(definition, rng, at=at, refs=refs)
        if value is not None:
            out[definition.key] = clean_value(definition, value)
    return out


def demo_channel(codes: list[str], weights: dict[str, int], rng: random.Random) -> str:
    """A channel the case type accepts, weighted like the global channels (a rulebook's own: 3)."""
    return rng.choices(codes, [weights.get(c, 3) for c in codes])[0]
