"""Registration: a new case, numbered, owned by whoever received it (首问负责制), with its clocks."""

from __future__ import annotations

import functools
import hashlib
import json
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.cases.changes import case_record_event
from kefu.cases.choices import CaseStatus, EventKind
from kefu.cases.models import Case, CaseEvent, IdempotencyRecord, NumberSequence
from kefu.cases.services.fields import check_field_values
from kefu.core.exceptions import ApplicationError, FieldErrors
from kefu.core.hotpath import SqlValue, current_batch, hot_rows, insert_rows, one_statement, one_statement_alone
from kefu.core.inputs import TEXT_LIMITS, check_text
from kefu.customers.models import Contact, Customer
from kefu.org.models import OrgUnit, User
from kefu.rulebooks.schema import RulebookDoc, render_number_prefix
from kefu.rulebooks.selectors import rulebook_for_new_case
from kefu.sla import services as sla

__all__ = ("RECEIVED_AT_FUTURE_TOLERANCE", "case_register", "received_at_problem", "request_fingerprint")

# How far ahead of the server's clock a receipt time may be: the clocks of the telephony system or
# of an agent's PC run a little fast, not days.
RECEIVED_AT_FUTURE_TOLERANCE = timedelta(minutes=5)


def request_fingerprint(payload: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def received_at_problem(received_at: datetime, *, now: datetime) -> str | None:
    """Why a case cannot have been received at `received_at`, or None.

    Deadlines are counted on the working calendars, which know only the years loaded into them
    (docs/calendars.md). A receipt before the first loaded year would give clocks without a deadline
    that no sweep ever looks at, so it is refused, and so is one in the future.
    """
    from kefu.calendars.models import CalendarYear

    first_year = CalendarYear.objects.order_by("year").values_list("year", flat=True).first()
    zone = timezone.get_default_timezone()
    earliest = datetime(first_year or timezone.localtime(now, zone).year - 1, 1, 1, tzinfo=zone)
    latest = now + RECEIVED_AT_FUTURE_TOLERANCE
    if earliest <= received_at <= latest:
        return None
    return _(
        "The time received must lie between %(earliest)s (the working calendars start in %(year)s) and now; "
        "%(value)s is outside."
    ) % {
        "earliest": f"{earliest:%Y-%m-%d %H:%M}",
        "year": earliest.year,
        "value": f"{timezone.localtime(received_at, zone):%Y-%m-%d %H:%M}"
        if 1 < received_at.year < 9999
        else received_at,
    }


def _next_number(*, pattern: str, case_type: str, when: datetime) -> str | SqlValue:
    """Take the next serial for the pattern's prefix (e.g. 'KF2611' → 'KF261100042').

    One statement: the prefix row is created at 1 or incremented, and stays locked until the
    transaction ends, so parallel registrations queue on it and get consecutive, unique serials. A
    registration that rolls back rolls its increment back too: no gaps. Inside `one_statement()` the
    increment joins the registration's statement and the number is computed there (a SqlValue).
    """
    prefix, width = render_number_prefix(pattern, when=timezone.localtime(when), type_code=case_type)
    table = connection.ops.quote_name(NumberSequence._meta.db_table)
    sql = (
        f'INSERT INTO {table} ("prefix", "last") VALUES (%s, 1) '
        f'ON CONFLICT ("prefix") DO UPDATE SET "last" = {table}."last" + 1 RETURNING "last"'
    )
    batch = current_batch()
    if batch is not None:
        counter = batch.cte(sql, [prefix])
        # As Python's f"{last:0{width}d}": padded to the width, never cut.
        return SqlValue(
            '(SELECT CAST(%s AS text) || lpad(CAST("last" AS text), '
            f"GREATEST(CAST(%s AS integer), length(CAST(\"last\" AS text))), '0') FROM {counter})",
            [prefix, width],
        )
    ((last,),) = hot_rows(sql, [prefix])
    return f"{prefix}{last:0{width}d}"


def case_register(
    *,
    actor: User,
    case_type: str,
    customer: Customer,
    channel: str,
    title: str,
    description: str,
    category: str = "",
    severity: str = "",
    customer_request: str = "",
    contact: Contact | None = None,
    subject_person: User | None = None,
    subject_unit: OrgUnit | None = None,
    is_anonymous: bool = False,
    received_at: datetime | None = None,
    rulebook_key: str | None = None,
    parent: Case | None = None,
    fields: dict[str, Any] | None = None,
    idempotency_key: str = "",
    request_hash: str = "",
) -> tuple[Case, bool]:
    """Register a case; the actor receives and owns it (首问负责制). Returns (case, created).

    With an idempotency key, a repeat of the same request returns the first case and creates
    nothing. The key is claimed with the case, by the same write (one INSERT instead of claiming it
    empty first and filling it in later): a parallel repeat waits on that row until the first
    commits, then finds the key taken, and this registration (its case, history, clocks and number
    increment) is undone and the first case returned.

    The rows are written in one transaction: on PostgreSQL by one statement (the number increment,
    case, history, clocks and key: kefu.core.hotpath.one_statement), which, called outside any
    transaction (the API), is the whole transaction by itself — no BEGIN and COMMIT round trips.
    """
    if idempotency_key:
        _check_idempotency_key(idempotency_key)

    version = rulebook_for_new_case(rulebook_key)
    doc: RulebookDoc = version.doc
    errors = FieldErrors()
    type_def = doc.case_types.get(case_type)
    if type_def is None:
        errors.add(
            "case_type",
            _("Unknown case type “%(value)s”; this rulebook has: %(choices)s.")
            % {"value": case_type, "choices": ", ".join(doc.case_types)},
        )
    else:
        allowed = [c.code for c in doc.categories_for(case_type)]
        if category and category not in allowed:
            errors.add(
                "category",
                _("Unknown category “%(value)s” for %(type)s; choose one of: %(choices)s.")
                % {"value": category, "type": type_def.label, "choices": ", ".join(allowed)},
            )
    severity = severity or doc.severities[0].code
    if doc.severity(severity) is None:
        errors.add(
            "severity",
            _("Unknown severity “%(value)s”; choose one of: %(choices)s.")
            % {"value": severity, "choices": ", ".join(s.code for s in doc.severities)},
        )
    channels = doc.channel_codes(case_type)
    if channel not in channels:
        errors.add(
            "channel",
            _("Unknown channel “%(value)s”; choose one of: %(choices)s.")
            % {"value": channel, "choices": ", ".join(channels)},
        )
    values: dict[str, Any] = {}
    if type_def is not None:
        values = {
            k: v
            for k, v in check_field_values(type_def, fields, errors, customer_id=customer.pk).items()
            if v is not None
        }
        # A follow-up (customer_reject) is opened whatever its form lacks: the customer's objection is recorded first.
        if parent is None:
            for definition in type_def.fields:
                if (
                    definition.required
                    and definition.key not in values
                    and f"fields.{definition.key}" not in errors.fields
                ):
                    errors.add(f"fields.{definition.key}", _("This field is required."))
    title = check_text(errors, "title", title, limit=TEXT_LIMITS["title"], required=True)
    description = check_text(errors, "description", description, limit=TEXT_LIMITS["description"], required=True)
    customer_request = check_text(errors, "customer_request", customer_request, limit=TEXT_LIMITS["customer_request"])
    if contact is not None and contact.customer_id != customer.pk:
        errors.add("contact", _("This contact belongs to another customer."))
    if subject_person is not None and subject_person.pk == actor.pk:
        errors.add("subject_person", _("You cannot register a complaint about yourself; ask a colleague to take it."))
    now = timezone.now()
    # Received now (the usual intake) needs no check, and costs no query.
    if received_at is not None and (message := received_at_problem(received_at, now=now)):
        errors.add("received_at", message)
    received_at = received_at or now
    if errors and idempotency_key and (existing := _existing_claim(actor=actor, key=idempotency_key)):
        # A repeat is answered with its first case, even if the input no longer passes (as before).
        return _repeat(existing, request_hash=request_hash), False
    errors.raise_if_any(_("The case was not registered."))
    assert type_def is not None

    case = Case(
        rulebook_version=version,
        case_type=case_type,
        category=category,
        severity=severity,
        channel=channel,
        stage=type_def.initial,
        status=CaseStatus.OPEN,
        customer=customer,
        contact=contact,
        is_anonymous=is_anonymous,
        title=title,
        description=description,
        customer_request=customer_request,
        received_at=received_at,
        receiver=actor,
        # The unit comes with the user from token authentication; else its id, not a query for it.
        receiving_unit_id=actor.unit_id,
        owner=actor,
        subject_person=subject_person,
        subject_unit=subject_unit or (subject_person.unit if subject_person else None),
        parent=parent,
        fields=values,
        sealed_roles=f",{','.join(type_def.sealed.roles)}," if type_def.sealed else "",
    )
    if User.unit.is_cached(actor):
        case.receiving_unit = actor.unit
    write = functools.partial(
        _write, case, actor=actor, doc=doc, now=now, idempotency_key=idempotency_key, request_hash=request_hash
    )
    if one_statement_alone():
        # No transaction is open (the API): the one statement is the transaction by itself.
        try:
            event, _claim = write(key_conflict_fails=True)
        except IntegrityError as exc:
            if getattr(getattr(exc.__cause__, "diag", None), "constraint_name", None) != _KEY_CONSTRAINT:
                raise
            # The key was used before (a retry), or by a parallel request that committed first: the
            # whole statement (case, history, clocks, number increment) was undone; answer with that case.
            existing = _existing_claim(actor=actor, key=idempotency_key)
            assert existing is not None  # the conflicting row is committed and records are never deleted
            return _repeat(existing, request_hash=request_hash), False
    else:
        with transaction.atomic():
            event, claim = write(key_conflict_fails=False)
            if claim is not None and claim.pk is None:
                # Taken, as above: answer with that case, and undo this registration.
                existing = _existing_claim(actor=actor, key=idempotency_key)
                assert existing is not None
                transaction.set_rollback(True)
                return _repeat(existing, request_hash=request_hash), False
    # The history this registration wrote, for the 201 body (a clock without a schedule adds a row).
    case.registration_events = [event] if case.version == 1 else None
    return case, True


_KEY_CONSTRAINT = "idempotency_user_key"


def _write(
    case: Case,
    *,
    actor: User,
    doc: RulebookDoc,
    now: datetime,
    idempotency_key: str,
    request_hash: str,
    key_conflict_fails: bool,
) -> tuple[CaseEvent, IdempotencyRecord | None]:
    """Number and write the case, its history, clocks and key record: on PostgreSQL as one statement
    when the block ends (until then the new rows have no ids). A taken key either fails it all
    (`key_conflict_fails`: nothing is written, IntegrityError) or leaves the claim unsaved (pk None)."""
    type_def = doc.case_types[case.case_type]
    with one_statement():
        case.number = _next_number(
            pattern=doc.numbering_for(case.case_type).pattern, case_type=case.case_type, when=now
        )
        insert_rows([case])
        event = case_record_event(
            case,
            actor=actor,
            kind=EventKind.REGISTERED,
            message=case.title,
            data={
                "rulebook": doc.key,
                "rulebook_version": case.rulebook_version.number,
                "parent": case.parent.number if case.parent else None,
            },
        )
        # Clocks count from receipt, which may be earlier than the registration (a letter, a call-back).
        at = case.received_at
        started = sla.clocks_start_for(case=case, stage="registered", at=at, actor=actor, live=set())
        if type_def.initial != "registered":
            live = {clock.key for clock in started}
            sla.clocks_start_for(case=case, stage=type_def.initial, at=at, actor=actor, live=live)
        claim = None
        if idempotency_key:
            claim = IdempotencyRecord(user=actor, key=idempotency_key, request_hash=request_hash, case=case)
            # A parallel insert of the same key waits for the first to commit or roll back, so
            # exactly one registration per key survives, enforced by the unique constraint.
            insert_rows([claim], on_conflict=() if key_conflict_fails else ("user_id", "key"))
    return event, claim


def _check_idempotency_key(key: str) -> None:
    if len(key) > TEXT_LIMITS["idempotency_key"] or not key.isprintable():
        raise ApplicationError(
            _("The Idempotency-Key is not usable."),
            extra={"idempotency_key": [_("At most 100 printable characters.")]},
        )


def _existing_claim(*, actor: User, key: str) -> IdempotencyRecord | None:
    return IdempotencyRecord.objects.filter(user=actor, key=key).select_related("case").first()


def _repeat(existing: IdempotencyRecord, *, request_hash: str) -> Case:
    if request_hash and existing.request_hash != request_hash:
        raise ApplicationError(
            _("This Idempotency-Key was already used for a different request."),
            extra={"idempotency_key": [_("Use a new key for a new case.")]},
        )
    return existing.case
