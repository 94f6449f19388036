"""Demo data, part 2: what to make (case types, received times, texts, who acts) and path (a), cases
walked through their rulebook with the real services (see kefu.core.demo)."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest import mock

from django.db import transaction
from django.utils import timezone

from kefu.cases import events
from kefu.cases.choices import CaseStatus, Responsibility
from kefu.cases.facts import condition_holds
from kefu.cases.models import Case
from kefu.cases.services import (
    case_add_note,
    case_register,
    case_suspend,
    case_transition,
    case_withdraw,
)
from kefu.cases.services.approvals import next_approval_step
from kefu.cases.services.transitions import transition_inputs
from kefu.core.demo_fields import demo_channel, demo_field_values
from kefu.core.demo_world import _CHANNEL_WEIGHTS, _GENERIC_TEXTS, _KIND_WEIGHT, _TEXTS, DemoWorld
from kefu.core.exceptions import ApplicationError
from kefu.customers.models import Contact, Customer
from kefu.org.choices import Role
from kefu.org.models import OrgUnit, User
from kefu.rulebooks.choices import Operation, TransitionAction
from kefu.rulebooks.models import RulebookVersion
from kefu.rulebooks.schema import CaseTypeDef, RulebookDoc, TransitionDef
from kefu.rulebooks.selectors import active_rulebooks

# --------------------------------------------------------------------------------------------------
# What to make: case types, received times, how far each case got


@dataclass(frozen=True, eq=False)  # hashed by identity: used as a dict key, and the doc is not hashable
class _TypeChoice:
    version: RulebookVersion
    doc: RulebookDoc
    code: str
    type_def: CaseTypeDef


def _case_types() -> list[_TypeChoice]:
    out = []
    for rulebook in active_rulebooks():
        version = rulebook.active_version
        doc = version.doc
        out += [_TypeChoice(version, doc, code, td) for code, td in doc.case_types.items()]
    if not out:
        raise ApplicationError("No rulebook is loaded: run `kefu setup` first.")
    return out


def _type_sequence(types: list[_TypeChoice], n: int, rng: random.Random) -> list[_TypeChoice]:
    """Every case type at least once (when n allows), then weighted by how common its kind is."""
    first = list(types)
    rng.shuffle(first)
    weights = [_KIND_WEIGHT.get(t.type_def.kind, 5) for t in types]
    rest = rng.choices(types, weights, k=max(0, n - len(first)))
    return (first + rest)[:n]


def _month_starts(now: datetime, months: int = 13) -> list[datetime]:
    first = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    starts = [first]
    for _ in range(months - 1):
        prev = (starts[-1] - timedelta(days=1)).replace(day=1)
        starts.append(prev)
    return list(reversed(starts))


# Busy hours of a service desk: little at night, peaks mid-morning and early afternoon.
_HOUR_WEIGHTS = [1, 1, 1, 1, 1, 2, 4, 8, 14, 16, 15, 12, 9, 13, 15, 14, 12, 10, 8, 7, 6, 4, 3, 2]


def _received_times(n: int, *, rng: random.Random, now: datetime) -> Iterator[list[datetime]]:
    """Yield, month by month (oldest first), sorted received times; volume grows a little each month."""
    now = timezone.localtime(now)  # months are local calendar months, as case numbers are
    starts = _month_starts(now)
    ends = [*starts[1:], now]
    spans = [(e - s).total_seconds() for s, e in zip(starts, ends, strict=True)]
    weights = [span * (1 + 0.04 * i) for i, span in enumerate(spans)]
    total = sum(weights)
    counts = [int(n * w / total) for w in weights]
    counts[-1] += n - sum(counts)
    for start, end, count in zip(starts, ends, counts, strict=True):
        days = max(1, (end - start).days + (1 if end.hour or end.minute else 0))
        span = (end - start).total_seconds()
        times = []
        while len(times) < count:
            for _ in range(20):
                day = rng.randrange(days)
                hour = rng.choices(range(24), _HOUR_WEIGHTS)[0]
                when = start + timedelta(days=day, hours=hour, seconds=rng.randrange(3600))
                if when < end:
                    break
            else:  # the month has only just begun: any time so far will do
                when = start + timedelta(seconds=rng.random() * span)
            times.append(when)
        times.sort()
        # UTC, as the database stores them: the bulk path then formats them without conversions.
        yield [t.astimezone(UTC) for t in times]


def _age_target(received: datetime, now: datetime, rng: random.Random) -> float:
    """How far along its walk a case got: old cases are nearly all finished, new ones are in flight."""
    age = (now - received).days
    if age > 90:
        return 1.0 if rng.random() < 0.96 else rng.random()
    if age > 30:
        return 1.0 if rng.random() < 0.75 else rng.random()
    return rng.random() * 0.85


def _texts(kind: str, rng: random.Random) -> tuple[str, str, str]:
    return rng.choice(_TEXTS.get(kind, _GENERIC_TEXTS))


# --------------------------------------------------------------------------------------------------
# Choosing people and input for a transition


def _route_target(world: DemoWorld, kind: str, city: str, rng: random.Random) -> tuple[OrgUnit, list[User]]:
    """Which unit a case of this kind is routed to, and who there can handle it."""
    if kind == "repair":
        unit = world.units[f"{city}-as-{rng.choice('12')}"]
        return unit, world.by_unit_role.get((unit.pk, Role.TECHNICIAN), [])
    if kind in ("quality_claim",):
        unit = world.units[f"{city}-qa"]
    elif kind in ("suggestion", "praise", "inquiry"):
        unit = world.units[f"{city}-{rng.choice(['as', 'sales', 'cs'])}"]
    else:
        unit = world.units[f"{city}-as"]
    handlers = world.by_unit_role.get((unit.pk, Role.HANDLER)) or world.by_city_role.get((city, Role.HANDLER), [])
    return unit, handlers


def _pick(
    world: DemoWorld,
    roles: list[str],
    *,
    city: str,
    rng: random.Random,
    prefer: list[User | None],
    avoid: int | None,
    case: Case | None = None,
) -> User | None:
    """Someone with one of `roles` who may act on `case`: its own people first, then the city, then anyone."""
    from kefu.cases.changes import actor_may_act

    def fits(person: User) -> bool:
        return person.pk != avoid and (case is None or actor_may_act(case, person))

    for person in prefer:
        if person is not None and person.role in roles and fits(person):
            return person
    for pool in (
        [u for r in roles for u in world.by_city_role.get((city, r), [])],
        [u for r in roles for u in world.by_role.get(r, [])],
    ):
        pool = [u for u in pool if fits(u)]
        if pool:
            return rng.choice(pool)
    return None


def _transition_input(
    td: TransitionDef, case: Case, world: DemoWorld, city: str, rng: random.Random
) -> tuple[dict[str, Any], list[User | None]]:
    """The form a person would fill in for this transition, and whom to prefer as the actor."""
    action = td.action
    kind = case.type_def.kind
    prefer: list[User | None] = [case.assignee, case.owner]
    data: dict[str, Any] = {}
    if action == TransitionAction.NOT_ESTABLISHED:
        data["reason"] = "经核实，相关服务符合规定流程，已向客户耐心解释，客户表示理解。"
    elif action in (TransitionAction.ROUTE, TransitionAction.ASSIGN):
        unit, handlers = _route_target(world, kind, city, rng)
        handlers = [h for h in handlers if h.pk != case.subject_person_id]
        if action == TransitionAction.ROUTE:
            data["unit"] = unit.pk
        if handlers:
            data["assignee"] = rng.choice(handlers).pk
        elif action == TransitionAction.ASSIGN:
            fallback = _pick(world, [Role.HANDLER], city=city, rng=rng, prefer=[], avoid=case.subject_person_id)
            data["assignee"] = fallback.pk if fallback else None
        data["comment"] = "请按制度时限处理。"
    elif action == TransitionAction.FINDING:
        responsibility = rng.choices(Responsibility.values, [6, 3, 1])[0]
        data = {
            "cause": {
                "company": "经调查，工作人员未按服务规范执行，存在过失。",
                "customer": "经调查，问题由客户使用不当引起，已说明正确使用方法。",
                "supplier": "经调查，问题源于供应商来料缺陷，已要求供应商整改。",
            }[responsibility],
            "responsibility": responsibility,
        }
        if responsibility == "company" and case.subject_person_id:
            data["responsible_person"] = case.subject_person_id
    elif action == TransitionAction.REMEDY:
        amount = rng.choice([0, 50, 100, 200, 500, 800, 1500, 3000, 8000, 25000])
        kind_ = "apology" if amount == 0 else rng.choice(["allowance", "compensation", "refund", "repair", "exchange"])
        data["remedies"] = [{"kind": kind_, "amount": str(amount), "description": "按制度给予处理"}]
        prefer = [case.assignee]
    elif action == TransitionAction.DECLINE:
        data["comment"] = "方案补偿标准偏高，请重新核定。"
    elif action == TransitionAction.APPROVE:
        data["comment"] = "同意。"
    elif action == TransitionAction.REPLY:
        data["reply"] = "您好，您反映的问题已处理完毕，给您带来不便深表歉意，感谢您的理解与支持。"
        prefer = [case.assignee, case.owner]
    elif action == TransitionAction.CUSTOMER_REJECT:
        data["reason"] = "客户对处理结果不满意，要求重新处理。"
    elif action == TransitionAction.RETURN_VISIT:
        data["note"] = rng.choice(["客户表示满意。", "客户基本满意，希望以后及时响应。", "客户非常满意，感谢回访。"])
        prefer = [case.owner]
    elif action == TransitionAction.REVIEW:
        data["summary"] = "已组织相关人员学习服务规范，纳入月度考核。"
    return data, prefer


def _approval_role(case: Case, td: TransitionDef) -> str | None:
    step = next_approval_step(case, td)
    return step[1].role if step is not None else None


def _refs(world: DemoWorld, contact_id: int | None) -> dict[str, list[int]]:
    """What a staff, unit or contact form field of a demo case may point at."""
    return {
        "staff": [u.pk for users in world.by_role.values() for u in users][:200],
        "unit": [u.pk for u in world.units.values()],
        "contact": [contact_id] if contact_id else [],
    }


def _required_input(
    td: TransitionDef, case: Case, data: dict[str, Any], world: DemoWorld, rng: random.Random, at: datetime
) -> Any:
    """What the rulebook requires on the transition besides its action's input (format v2): a comment,
    form fields, an uploaded file. Fills `data`; returns the file to upload, if any."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    comment_required, keys, attachment_required = transition_inputs(case, td)
    if comment_required and not data.get("comment"):
        data["comment"] = "已按制度办理，情况说明见附件。" if attachment_required else "已按制度办理。"
    asked = [d for d in (case.type_def.field(k) for k in keys) if d is not None]
    missing = {d.key for d in asked if (case.fields or {}).get(d.key) in (None, "", []) and d.type != "attachment"}
    if missing:
        data["fields"] = demo_field_values(
            case.type_def.fields, rng, at=at, refs=_refs(world, case.contact_id), keys=missing
        )
    needs_file = attachment_required or any(d.type == "attachment" for d in asked)
    return SimpleUploadedFile("处理单.pdf", b"%PDF-1.4 demo", content_type="application/pdf") if needs_file else None


def _choose_transition(options: list[TransitionDef], rng: random.Random, declined: bool) -> TransitionDef:
    """Mostly the ordinary path; now and then a complaint that does not stand, a send-back, a rejection."""
    weights = []
    for td in options:
        w = 10.0
        if td.action == TransitionAction.NOT_ESTABLISHED:
            w = 1.5
        elif td.action == TransitionAction.DECLINE:
            w = 0.0 if declined else 1.0
        elif td.action == TransitionAction.CUSTOMER_REJECT:
            w = 0.5
        weights.append(w)
    if not any(weights):
        weights = [1.0] * len(options)
    return rng.choices(options, weights)[0]


# --------------------------------------------------------------------------------------------------
# Path (a): through the services


class _DemoClock:
    """A settable `now` so the services stamp the history with the demo's time, never the future."""

    def __init__(self) -> None:
        self.at: datetime | None = None
        self._real = timezone.now

    def __call__(self) -> datetime:
        real = self._real()
        return min(self.at, real) if self.at is not None else real


@contextmanager
def _demo_clock_and_no_notifications() -> Iterator[_DemoClock]:
    clock = _DemoClock()
    # The demo's history is backdated: mailing owners about events "months ago" would only be noise.
    with (
        mock.patch("django.utils.timezone.now", clock),
        events.muted(),
    ):
        yield clock


def make_cases_with_services(
    world: DemoWorld, *, size: int, rng: random.Random, log: Callable[[str], None] = print
) -> int:
    """Register `size` cases and walk each a random way through its rulebook. Returns cases made."""
    types = _case_types()
    now = timezone.now()
    times = [t for month in _received_times(size, rng=rng, now=now) for t in month]
    plan = list(zip(times, _type_sequence(types, size, rng), strict=True))
    made = 0
    started = time.monotonic()
    with _demo_clock_and_no_notifications() as clock:
        for i in range(0, len(plan), 50):
            with transaction.atomic():  # one commit per 50 cases, not per write
                for received, choice in plan[i : i + 50]:
                    made += _service_case(world, choice, received=received, now=now, clock=clock, rng=rng)
    log(f"cases: {made} through the services in {time.monotonic() - started:.1f}s")
    return made


def _service_case(
    world: DemoWorld, choice: _TypeChoice, *, received: datetime, now: datetime, clock: _DemoClock, rng: random.Random
) -> int:
    customer_id, contact_id, city = rng.choice(world.customers)
    receivers = world.by_city_role.get((city, Role.AGENT)) or world.by_role[Role.AGENT]
    receiver = rng.choice(receivers)
    kind = choice.type_def.kind
    subject = None
    if kind in ("complaint", "report") and rng.random() < 0.5:
        pool = world.by_city_role.get((city, Role.TECHNICIAN), []) + world.by_city_role.get((city, Role.HANDLER), [])
        subject = rng.choice(pool) if pool else None
    title, description, request = _texts(kind, rng)
    categories = [c.code for c in choice.doc.categories_for(choice.code)]
    severities = choice.doc.severities
    clock.at = received
    customer = Customer.objects.get(pk=customer_id)
    case, _ = case_register(
        actor=receiver,
        case_type=choice.code,
        customer=customer,
        contact=Contact.objects.get(pk=contact_id) if contact_id else None,
        channel=demo_channel(choice.doc.channel_codes(choice.code), _CHANNEL_WEIGHTS, rng),
        fields=demo_field_values(choice.type_def.fields, rng, at=received, refs=_refs(world, contact_id)),
        title=title,
        description=description,
        customer_request=request,
        category=rng.choice(categories) if categories else "",
        severity=rng.choices(severities, [70, 22, 8][: len(severities)] + [5] * max(0, len(severities) - 3))[0].code,
        subject_person=subject,
        received_at=received,
        rulebook_key=choice.doc.key,
    )
    made = 1
    target = _age_target(received, now, rng)
    # A finished case walks until it is archived (40 is more than any graph needs); others stop part-way.
    steps = 40 if target >= 1 else int(round(target * 12))
    declined = False
    at = received
    for _ in range(steps):
        # Only what the rulebook offers this case now (a transition's condition may not hold).
        options = [t for t in case.type_def.transitions_from(case.stage) if condition_holds(case, t.when)]
        if not options or case.status not in (CaseStatus.OPEN, CaseStatus.CLOSED):
            break
        if case.status == CaseStatus.CLOSED:
            options = [t for t in options if t.action == TransitionAction.ARCHIVE]
            if not options or rng.random() < (0.5 if target < 1 else 0.15):
                break  # closed, not archived yet
        td = _choose_transition(options, rng, declined)
        at += timedelta(minutes=rng.randrange(20, 60 * 30))
        if at >= now:
            break  # nothing happens in the future: this case is still where it is
        clock.at = at
        data, prefer = _transition_input(td, case, world, city, rng)
        upload = _required_input(td, case, data, world, rng, at)
        roles = list(td.roles)
        if td.action in (TransitionAction.APPROVE, TransitionAction.DECLINE):
            role = _approval_role(case, td)
            if role is None:
                break
            roles = [role]
        actor = _pick(world, roles, city=city, rng=rng, prefer=prefer, avoid=case.subject_person_id, case=case)
        if actor is None:
            break
        before = Case.objects.count() if td.action == TransitionAction.CUSTOMER_REJECT else 0
        keys = transition_inputs(case, td)[1]
        attachment_fields = [k for k in keys if (d := case.type_def.field(k)) is not None and d.type == "attachment"]
        case = case_transition(
            case=case,
            actor=actor,
            transition=td.name,
            expected_version=case.version,
            data=data,
            upload=upload,
            upload_fields=attachment_fields,
        )
        if td.action == TransitionAction.CUSTOMER_REJECT:
            made += Case.objects.count() - before  # the follow-up case the rejection opened
        declined = declined or td.action == TransitionAction.DECLINE
        if case.status == CaseStatus.ARCHIVED:
            break
    # A few cases stop outside the graph: suspended while waiting for the customer, or withdrawn.
    if case.status == CaseStatus.OPEN and target < 1:
        roll = rng.random()
        op = Operation.SUSPEND if roll < 0.05 else Operation.WITHDRAW if roll < 0.08 else None
        if op is not None:
            actor = _pick(
                world, case.rulebook.operation_roles(op), city=city, rng=rng, prefer=[case.owner], avoid=None, case=case
            )
            if actor is not None and actor.pk != case.subject_person_id:
                clock.at = min(at + timedelta(hours=2), now)
                service = case_suspend if op == Operation.SUSPEND else case_withdraw
                reason = "等待客户提供购买凭证。" if op == Operation.SUSPEND else "客户来电表示问题已自行解决，撤回。"
                case = service(case=case, actor=actor, expected_version=case.version, reason=reason)
        elif roll < 0.2:
            actor = _pick(
                world,
                case.rulebook.operation_roles(Operation.NOTE),
                city=city,
                rng=rng,
                prefer=[case.owner],
                avoid=None,
                case=case,
            )
            if actor is not None and actor.pk != case.subject_person_id:
                clock.at = min(at + timedelta(hours=1), now)
                case_add_note(case=case, actor=actor, body="已电话联系客户，告知处理进度。")
    return made
