"""One timeline of a customer: every change to the file, contact, case, work order, visit and survey
answer, newest first, merged across the apps that own them.

This app sits below them, so each app registers a *source* (in its `AppConfig.ready()`):

    # kefu/cases/timeline.py
    def case_entries(customer, user, *, before, limit) -> list[TimelineEntry]: ...

    # kefu/cases/apps.py, in ready():
    register_timeline_source("cases", case_entries)

A source returns at most `limit` entries for one customer, newest first, that come after the cursor
`before` in the timeline's order, **already restricted to what `user` may see** (an anonymous case —
and anything that hangs off it — never appears for someone who may not see its complainant). The
order is (when, source, key) descending; `keyset_q` builds the filter a source needs for the cursor,
so a deep page costs one index range per source, not the rows before it. `customer_timeline` asks
every source for `limit + 1` entries and merges them (heapq), so a page never loads more than
`(limit + 1) × sources` rows.
"""

from __future__ import annotations

import base64
import heapq
import json
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Q
from django.utils.dateparse import parse_datetime

__all__ = (
    "Cursor",
    "TimelineEntry",
    "TimelinePage",
    "customer_timeline",
    "decode_cursor",
    "encode_cursor",
    "FilePanel",
    "file_panels",
    "keyset_q",
    "per_page",
    "register_file_panel",
    "register_timeline_source",
    "registered_timeline_sources",
    "unregister_timeline_source",
)


@dataclass(frozen=True)
class Cursor:
    """The last entry of the previous page: its time, source and key."""

    when: datetime
    source: str
    key: int


@dataclass(frozen=True)
class TimelineEntry:
    when: datetime
    kind: str  # a short code: case, case_event, work_order, visit, survey_answer, file …
    title: str  # words for people: "投诉 KF20261201-0001 维修人员态度恶劣"
    url: str = ""
    key: int = 0  # the row's id within its source (the tie-breaker of the order)
    source: str = ""  # filled in by customer_timeline
    detail: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def sort_key(self) -> tuple[datetime, str, int]:
        return (self.when, self.source, self.key)


@dataclass(frozen=True)
class TimelinePage:
    entries: list[TimelineEntry]
    next_cursor: Cursor | None


Source = Callable[..., list[TimelineEntry]]

_sources: dict[str, Source] = {}


def register_timeline_source(name: str, fn: Source) -> None:
    """`fn(customer, user, *, before: Cursor | None, limit: int) -> list[TimelineEntry]`."""
    if not name or ":" in name:
        raise ValueError("a timeline source needs a plain name")
    _sources[name] = fn


def unregister_timeline_source(name: str) -> None:
    _sources.pop(name, None)


def registered_timeline_sources() -> dict[str, Source]:
    return dict(_sources)


@dataclass(frozen=True)
class FilePanel:
    """A block of the customer page another app fills (installed equipment, contracts …)."""

    title: str
    rows: list[str]
    empty: str = ""


_panels: dict[str, Callable[[Any, Any], FilePanel | None]] = {}


def register_file_panel(name: str, fn: Callable[[Any, Any], FilePanel | None]) -> None:
    """`fn(customer, user)` → a FilePanel of what `user` may see, or None to show nothing."""
    _panels[name] = fn


def file_panels(customer: Any, user: Any) -> list[FilePanel]:
    return [panel for _name, fn in sorted(_panels.items()) if (panel := fn(customer, user)) is not None]


def keyset_q(*, source: str, before: Cursor | None, when_field: str, key_field: str = "pk") -> Q:
    """The rows of `source` that come after `before` in (when, source, key) descending order."""
    if before is None:
        return Q()
    if source < before.source:
        return Q(**{f"{when_field}__lte": before.when})
    if source > before.source:
        return Q(**{f"{when_field}__lt": before.when})
    return Q(**{f"{when_field}__lt": before.when}) | Q(**{when_field: before.when, f"{key_field}__lt": before.key})


_page_memo: ContextVar[dict | None] = ContextVar("customer_timeline_memo", default=None)


def per_page(key: tuple, build: Callable[[], Any]) -> Any:
    """`build()` once per timeline page for `key`: sources that need the same visibility rule (the
    cases a reader may see with their complainant, say) build its queryset once, not once each."""
    memo = _page_memo.get()
    if memo is None:
        return build()
    if key not in memo:
        memo[key] = build()
    return memo[key]


def customer_timeline(
    customer: Any, user: Any, *, before: Cursor | None = None, limit: int = 30, sources: list[str] | None = None
) -> TimelinePage:
    """A page of `customer`'s timeline for `user`: at most `limit` entries older than `before`."""
    limit = max(1, min(limit, 200))
    streams = []
    token = _page_memo.set({})
    try:
        for name, fn in sorted(_sources.items()):
            if sources is not None and name not in sources:
                continue
            rows = fn(customer, user, before=before, limit=limit + 1)
            streams.append([_with_source(e, name) for e in rows[: limit + 1]])
    finally:
        _page_memo.reset(token)
    merged = list(heapq.merge(*streams, key=TimelineEntry.sort_key, reverse=True))
    entries = merged[:limit]
    more = len(merged) > limit
    last = entries[-1] if entries else None
    return TimelinePage(
        entries=entries,
        next_cursor=Cursor(when=last.when, source=last.source, key=last.key) if more and last else None,
    )


def _with_source(entry: TimelineEntry, name: str) -> TimelineEntry:
    if entry.source == name:
        return entry
    from dataclasses import replace

    return replace(entry, source=name)


def encode_cursor(cursor: Cursor | None) -> str:
    if cursor is None:
        return ""
    raw = json.dumps([cursor.when.isoformat(), cursor.source, cursor.key], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(value: str) -> Cursor | None:
    """The cursor of a `before=` parameter; ValueError when it is not one this module wrote."""
    if not value:
        return None
    if len(value) > 200:
        raise ValueError("cursor too long")
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        when_text, source, key = json.loads(raw)
        when = parse_datetime(when_text)
    except (ValueError, TypeError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError("not a timeline cursor") from exc
    if when is None or not isinstance(source, str) or not isinstance(key, int) or when.tzinfo is None:
        raise ValueError("not a timeline cursor")
    return Cursor(when=when, source=source, key=key)


def file_entries(customer: Any, user: Any, *, before: Cursor | None, limit: int) -> list[TimelineEntry]:
    """The file's own history (contacts added, units, tags, tier, greetings made): whoever may read
    the file may read its history (the caller took `customer` from `Customer.objects.visible_to`)."""
    from kefu.customers.models import CustomerEvent

    rows = (
        CustomerEvent.objects.filter(customer=customer)
        .filter(keyset_q(source="file", before=before, when_field="created_at"))
        .select_related("actor")
        .order_by("-created_at", "-pk")[:limit]
    )
    return [
        TimelineEntry(
            when=e.created_at,
            kind="file",
            title=f"{e.get_kind_display()}：{e.summary}",
            key=e.pk,
            source="file",
            detail=str(e.actor or ""),
        )
        for e in rows
    ]
