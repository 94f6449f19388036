"""Ledger sources: other apps' records that call for a reward or penalty (篇8 9.4 个人原因返工, 9.5
未签收《服务记录单》每次罚款100元). An app registers a source in its `AppConfig.ready()`:

    from kefu.appraisal.services.sources import SourceItem, register_ledger_source

    def completed_unsigned(since):            # kefu/workorders/measures.py
        return [SourceItem(ref="workorders:WO2612-0001", person_id=7, reason="missing_signature",
                           note="WO2612-0001 …"), ...]

    register_ledger_source("workorders.missing_signature", completed_unsigned)

The daily task (`ledger_sources_task`) asks every source for the items since a week back and drafts
one entry per (record, person, reason) — the `ledger_record_once` constraint makes a second run, or
two workers at once, draft nothing more. The drafts wait for an approver like any other entry.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from kefu.appraisal.choices import EntrySource
from kefu.appraisal.models import LedgerEntry
from kefu.core.exceptions import ApplicationError, ConflictError

__all__ = ("SourceItem", "ledger_sources_collect", "register_ledger_source", "registered_ledger_sources")

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SourceItem:
    ref: str  # "app:record", at most 80 characters
    person_id: int
    reason: str  # a ledger reason of the rulebook
    note: str = ""


_sources: dict[str, Callable[[datetime], list[SourceItem]]] = {}


def register_ledger_source(code: str, fetch: Callable[[datetime], list[SourceItem]]) -> None:
    _sources[code] = fetch


def registered_ledger_sources() -> dict[str, Callable[[datetime], list[SourceItem]]]:
    return dict(_sources)


def ledger_sources_collect(*, since: datetime | None = None) -> list[LedgerEntry]:
    """Draft the entries the registered sources call for, once each. A reason the rulebook does not
    list is logged and skipped (the rulebook decides what is fined). Returns the drafts made now."""
    from kefu.appraisal.services.ledger import ledger_entry_propose
    from kefu.appraisal.services.rules import appraisal_rules
    from kefu.org.models import User

    since = since or timezone.now() - timedelta(days=7)
    _version, section = appraisal_rules()
    robot = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
    made: list[LedgerEntry] = []
    for code, fetch in sorted(_sources.items()):
        items = fetch(since)
        wanted = {(i.ref, i.person_id, i.reason) for i in items}
        done = set(
            LedgerEntry.objects.filter(source=EntrySource.RECORDS, source_ref__in={i.ref for i in items}).values_list(
                "source_ref", "person_id", "reason"
            )
        )
        people = User.objects.in_bulk({i.person_id for i in items})
        for item in items:
            key = (item.ref, item.person_id, item.reason)
            if key in done or key not in wanted or item.person_id not in people:
                continue
            if section.ledger.reason(item.reason) is None:
                log.warning(
                    "ledger source %s: the rulebook has no reason %r; %s not drafted", code, item.reason, item.ref
                )
                continue
            try:
                with transaction.atomic():
                    entry = ledger_entry_propose(
                        person=people[item.person_id],
                        reason=item.reason,
                        actor=robot or people[item.person_id],
                        note=item.note,
                        source=EntrySource.RECORDS,
                        check_actor=False,
                        source_ref=item.ref[:80],
                    )
            except (IntegrityError, ConflictError):
                continue  # another worker drafted it a moment ago
            except ApplicationError:
                log.warning("ledger source %s: %s not drafted", code, item.ref, exc_info=True)
                continue
            done.add(key)
            made.append(entry)
    return made
