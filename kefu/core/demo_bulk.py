"""Demo data, part 3: path (b), cases written in bulk (see kefu.core.demo)."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from kefu.cases.choices import CaseStatus, EventKind, Responsibility, Validity
from kefu.cases.models import Case, CaseEvent, NumberSequence
from kefu.core.demo_cases import (
    _age_target,
    _case_types,
    _choose_transition,
    _received_times,
    _route_target,
    _texts,
    _TypeChoice,
)
from kefu.core.demo_fields import demo_channel, demo_field_values
from kefu.core.demo_world import _CHANNEL_WEIGHTS, _CITIES, _KIND_WEIGHT, DemoWorld
from kefu.org.choices import Role
from kefu.org.models import OrgUnit, User
from kefu.rulebooks.choices import StateKind, TransitionAction
from kefu.rulebooks.schema import render_number_prefix

# --------------------------------------------------------------------------------------------------
# Path (b): in bulk


@dataclass(frozen=True)
class _Step:
    to: str
    action: str


def _simulated_walks(choice: _TypeChoice, rng: random.Random, count: int = 24) -> list[list[_Step]]:
    """Sample walks through the case type's graph (approval chains collapse to one step here)."""
    walks = []
    td_ = choice.type_def
    for _ in range(count):
        stage, walk, declined = td_.initial, [], False
        for _ in range(40):
            options = td_.transitions_from(stage)
            if not options or td_.state(stage).kind == StateKind.ARCHIVED:
                break
            td = _choose_transition(options, rng, declined)
            declined = declined or td.action == TransitionAction.DECLINE
            walk.append(_Step(td.to, td.action))
            stage = td.to
        walks.append(walk)
    return walks


def _fast_datetime_adapter() -> Callable[[Any], Any] | None:
    """SQLite stores UTC datetimes as 'YYYY-MM-DD HH:MM:SS[.ffffff]' text (what Django's adapter
    produces); for values already in UTC that is just str() of the naive value, several times faster."""
    if connection.vendor != "sqlite":
        return None
    slow = connection.ops.adapt_datetimefield_value

    def adapt(value: Any) -> Any:
        if value is not None and value.tzinfo is UTC:
            return str(value.replace(tzinfo=None))
        return slow(value)

    return adapt


class _RawInserter:
    """INSERTs rows of a model with executemany: the ORM's per-value compilation is what makes
    bulk_create too slow for a million rows. Values are adapted the way the ORM would."""

    def __init__(self, model: type[models.Model]) -> None:
        ops = connection.ops
        self.model = model
        self.fields = list(model._meta.concrete_fields)
        self.attnames = [f.attname for f in self.fields]
        self.defaults = {f.attname: f.get_default() for f in self.fields if not f.primary_key}
        adapters: list[tuple[int, Callable[[Any], Any]]] = []
        for i, f in enumerate(self.fields):
            if isinstance(f, models.DateTimeField):
                adapters.append((i, _fast_datetime_adapter() or ops.adapt_datetimefield_value))
            elif isinstance(f, models.JSONField):
                adapters.append((i, lambda v, enc=f.encoder: ops.adapt_json_value(v, enc)))
            elif isinstance(f, models.DecimalField):
                adapters.append((i, lambda v, f=f: ops.adapt_decimalfield_value(v, f.max_digits, f.decimal_places)))
        self.adapters = adapters
        qn = ops.quote_name
        columns = ", ".join(qn(f.column) for f in self.fields)
        marks = ", ".join(["%s"] * len(self.fields))
        self.sql = f"INSERT INTO {qn(model._meta.db_table)} ({columns}) VALUES ({marks})"

    def row(self, values: dict[str, Any]) -> list[Any]:
        row = [values.get(name, self.defaults.get(name)) for name in self.attnames]
        for i, adapt in self.adapters:
            row[i] = adapt(row[i])
        return row

    def reserve_ids(self, n: int) -> list[int]:
        """n primary keys nobody else will take (call inside the batch's transaction)."""
        table = self.model._meta.db_table
        pk = self.model._meta.pk.column
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # Drawn from the table's own sequence, so concurrent inserts get other ids.
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)", [table, pk, n]
                )
                return [r[0] for r in cursor.fetchall()]
            # SQLite: this IMMEDIATE transaction holds the write lock, so max(id) cannot move under us.
            cursor.execute(
                f"SELECT COALESCE(MAX({connection.ops.quote_name(pk)}), 0) FROM {connection.ops.quote_name(table)}"
            )
            top = cursor.fetchone()[0]
            return list(range(top + 1, top + 1 + n))

    def insert(self, rows: list[list[Any]]) -> None:
        with connection.cursor() as cursor:
            cursor.executemany(self.sql, rows)


def make_cases_in_bulk(
    world: DemoWorld,
    *,
    size: int,
    rng: random.Random,
    batch: int = 5000,
    log: Callable[[str], None] = print,
) -> int:
    """Write `size` cases and their registration events in batches. Returns cases made.

    Meant for an idle site (setup, benchmarks): serials are taken from the counters in memory and
    the counters are moved past them at the end of every batch, in the batch's transaction.
    """
    types = _case_types()
    weights = [_KIND_WEIGHT.get(t.type_def.kind, 5) for t in types]
    walks = {t: _simulated_walks(t, rng) for t in types}
    categories = {t: [c.code for c in t.doc.categories_for(t.code)] or [""] for t in types}
    now = timezone.now()
    counters = dict(NumberSequence.objects.values_list("prefix", "last"))
    agents = {city: world.by_city_role.get((city, Role.AGENT)) or world.by_role[Role.AGENT] for *_r, city in _CITIES}
    subjects = {
        city: world.by_city_role.get((city, Role.TECHNICIAN), []) + world.by_city_role.get((city, Role.HANDLER), [])
        for *_r, city in _CITIES
    }
    route_targets = {}  # (kind, city) -> list of (unit, handlers), drawn from once per case
    for t in types:
        for *_r, city in _CITIES:
            key = (t.type_def.kind, city)
            if key not in route_targets:
                route_targets[key] = [_route_target(world, t.type_def.kind, city, rng) for _ in range(6)]
    channels = {t: t.doc.channel_codes(t.code) for t in types}
    cases_out, events_out = _RawInserter(Case), _RawInserter(CaseEvent)
    if connection.vendor == "sqlite":
        # SQLite's default page cache is 2 MB: with a million rows, updating the case indexes would
        # mostly wait for disk reads. A bigger cache for this connection only.
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size = -262144")  # KiB, i.e. 256 MB
    elif connection.vendor == "postgresql":
        # Don't wait for the WAL flush at every batch commit: a crash could lose the last batches
        # of demo data, never corrupt anything. Applies to this connection only.
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit = off")
    made = 0
    next_report = 100_000
    started = time.monotonic()
    guaranteed = list(types)  # every case type at least once
    rng.shuffle(guaranteed)

    def flush(pending: list[dict[str, Any]], touched: set[str]) -> None:
        with transaction.atomic():
            case_ids = cases_out.reserve_ids(len(pending))
            event_ids = events_out.reserve_ids(len(pending))
            case_rows, event_rows = [], []
            for values, case_id, event_id in zip(pending, case_ids, event_ids, strict=True):
                event = values.pop("_event")
                values["id"] = case_id
                case_rows.append(cases_out.row(values))
                event_rows.append(
                    events_out.row(
                        {
                            "id": event_id,
                            "case_id": case_id,
                            "kind": EventKind.REGISTERED.value,
                            "actor_id": values["receiver_id"],
                            "to_stage": event["initial"],
                            "to_status": CaseStatus.OPEN.value,
                            "message": values["title"],
                            "data": event["data"],
                            "case_version": 1,
                            "created_at": values["received_at"],
                            "owner_id": values["receiver_id"],
                            # Back-dated history: delivered to nobody (see kefu.cases.events.muted).
                            "dispatched_at": now,
                            "dispatch_attempts": 0,
                            "dispatch_error": "",
                        }
                    )
                )
            cases_out.insert(case_rows)
            events_out.insert(event_rows)
            # The counters move with the cases, in the same transaction: a registration after this
            # batch takes the next free serial of every prefix the batch used.
            existing = set(NumberSequence.objects.filter(prefix__in=touched).values_list("prefix", flat=True))
            NumberSequence.objects.bulk_create([NumberSequence(prefix=p, last=counters[p]) for p in touched - existing])
            for p in existing:
                NumberSequence.objects.filter(prefix=p, last__lt=counters[p]).update(last=counters[p])

    pending: list[dict[str, Any]] = []
    touched: set[str] = set()
    for month in _received_times(size, rng=rng, now=now):
        if not month:
            continue
        local_month = timezone.localtime(month[0])
        prefixes: dict[tuple[int, str], tuple[str, int]] = {}
        for received in month:
            choice = guaranteed.pop() if guaranteed else rng.choices(types, weights)[0]
            pkey = (choice.version.pk, choice.code)
            if pkey not in prefixes:
                # One prefix per month and type: the month the real service would have used.
                prefixes[pkey] = render_number_prefix(
                    choice.doc.numbering_for(choice.code).pattern, when=local_month, type_code=choice.code
                )
            prefix, width = prefixes[pkey]
            serial = counters.get(prefix, 0) + 1
            counters[prefix] = serial
            touched.add(prefix)
            pending.append(
                _bulk_case(
                    choice,
                    number=f"{prefix}{serial:0{width}d}",
                    received=received,
                    now=now,
                    rng=rng,
                    world=world,
                    walk=rng.choice(walks[choice]),
                    category=rng.choice(categories[choice]),
                    channel=demo_channel(channels[choice], _CHANNEL_WEIGHTS, rng),
                    agents=agents,
                    subjects=subjects,
                    route_targets=route_targets,
                )
            )
            if len(pending) >= batch:
                flush(pending, touched)
                made += len(pending)
                pending, touched = [], set()
                if made >= next_report:
                    rate = made / (time.monotonic() - started)
                    log(f"  {made:,} cases ({rate:,.0f}/s)")
                    next_report += 100_000
    if pending:
        flush(pending, touched)
        made += len(pending)
    elapsed = time.monotonic() - started
    log(f"cases: {made:,} in bulk in {elapsed:.1f}s ({made / max(elapsed, 1e-9):,.0f}/s)")
    return made


def _bulk_case(
    choice: _TypeChoice,
    *,
    number: str,
    received: datetime,
    now: datetime,
    rng: random.Random,
    world: DemoWorld,
    walk: list[_Step],
    category: str,
    channel: str,
    agents: dict[str, list[User]],
    subjects: dict[str, list[User]],
    route_targets: dict[tuple[str, str], list[tuple[OrgUnit, list[User]]]],
) -> dict[str, Any]:
    """One case's column values (by attname), plus what its registration event needs under "_event"."""
    customer_id, contact_id, city = rng.choice(world.customers)
    receiver = rng.choice(agents[city])
    kind = choice.type_def.kind
    title, description, request = _texts(kind, rng)
    subject = None
    if kind in ("complaint", "report") and subjects[city] and rng.random() < 0.5:
        subject = rng.choice(subjects[city])
    target = _age_target(received, now, rng)
    # Full walks end archived; an old case stops at "closed" now and then (not archived yet).
    steps = len(walk) if target >= 1 else int(target * len(walk))
    if target >= 1 and walk and rng.random() < 0.15:
        steps -= 1
    case: dict[str, Any] = {
        "number": number,
        "rulebook_version_id": choice.version.id,
        "case_type": choice.code,
        "category": category,
        "severity": choice.doc.severities[0].code if rng.random() < 0.75 else rng.choice(choice.doc.severities).code,
        "channel": channel,
        "status": CaseStatus.OPEN.value,
        "stage": choice.type_def.initial,
        "version": 1,
        "customer_id": customer_id,
        "contact_id": contact_id,
        "title": title,
        "description": description,
        "customer_request": request,
        "received_at": received,
        "receiver_id": receiver.id,
        "receiving_unit_id": receiver.unit_id,
        "owner_id": receiver.id,
        "subject_person_id": subject.id if subject else None,
        "subject_unit_id": subject.unit_id if subject else None,
        "created_at": received,
        "updated_at": received,
        "remedy_total": Decimal(0),
        # Form fields as the engine stores them (kefu.rulebooks.fields.clean_value), and sealing.
        "fields": demo_field_values(
            choice.type_def.fields,
            rng,
            at=received,
            refs={
                "staff": [receiver.id],
                "unit": [receiver.unit_id] if receiver.unit_id else [],
                "contact": [contact_id] if contact_id else [],
            },
        ),
        "sealed_roles": f",{','.join(choice.type_def.sealed.roles)}," if choice.type_def.sealed else "",
    }
    at = received
    for step in walk[:steps]:
        at += timedelta(minutes=rng.randrange(20, 60 * 30))
        if at >= now:
            break
        case["stage"] = step.to
        action = step.action
        if action in (TransitionAction.ROUTE, TransitionAction.ASSIGN):
            unit, handlers = rng.choice(route_targets[(kind, city)])
            if action == TransitionAction.ROUTE:
                case["responsible_unit_id"] = unit.id
            handlers = [h for h in handlers if h.id != case["subject_person_id"]]
            if handlers:
                case["assignee_id"] = rng.choice(handlers).id
        elif action == TransitionAction.ESTABLISH:
            case["validity"] = Validity.ESTABLISHED.value
        elif action == TransitionAction.NOT_ESTABLISHED:
            case["validity"] = Validity.NOT_ESTABLISHED.value
            case["reply"] = "经核实，相关服务符合规定流程，已向客户耐心解释。"
        elif action == TransitionAction.FINDING:
            case["cause"] = "经调查，工作人员未按服务规范执行。"
            case["responsibility"] = Responsibility.COMPANY.value
        elif action == TransitionAction.REMEDY:
            case["remedy_total"] = Decimal(rng.choice([0, 50, 100, 200, 500, 1500, 3000]))
        elif action == TransitionAction.REPLY:
            case["reply"] = "您好，您反映的问题已处理完毕，感谢您的理解与支持。"
        elif action == TransitionAction.CUSTOMER_ACCEPT:
            case["customer_accepted"] = True
        elif action == TransitionAction.CUSTOMER_REJECT:
            case["customer_accepted"] = False
        elif action == TransitionAction.RETURN_VISIT:
            case["return_visit_note"] = "客户表示满意。"
        elif action == TransitionAction.REVIEW:
            case["review_summary"] = "已纳入月度服务质量考核。"
        state_kind = choice.type_def.state(step.to).kind
        if state_kind == StateKind.CLOSED:
            case["status"], case["closed_at"] = CaseStatus.CLOSED.value, at
        elif state_kind == StateKind.ARCHIVED:
            case["status"], case["archived_at"] = CaseStatus.ARCHIVED.value, at
        case["updated_at"] = at
    case["_event"] = {
        "initial": choice.type_def.initial,
        "data": {"rulebook": choice.doc.key, "rulebook_version": choice.version.number, "parent": None, "demo": "bulk"},
    }
    return case
