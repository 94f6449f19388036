"""Checks on customer-visible text: one typed, documented hook for the apps built on the case engine.

Everything a customer will read — the reply (`reply` action), the reason a complaint does not stand
(`not_established`), a note or attachment marked visible to the customer — is checked before it is
saved. The engine does not know what is checked; apps register checks in their `AppConfig.ready()`:

    # kefu/knowledge/apps.py
    from kefu.cases.textchecks import register_text_check
    register_text_check("knowledge.taboo", taboo_check)

    def taboo_check(text: str, context: TextCheckContext) -> Sequence[TextFinding]:
        ...  # one finding per problem, with its position in `text`

The engine calls `check_customer_text(case=..., actor=..., text=..., field=..., override=...)` inside
the transaction of the change, after the case is locked:

* **no findings**: nothing happens;
* **findings, no override**: `TextCheckError` (HTTP 400) — nothing is saved; `errors[field]` has one
  readable message per finding and the response's `text_checks` lists them with their positions, so
  the sender can see each hit inline, fix the text and send again;
* **findings, override**: the text is saved and the findings are returned; the caller stores them in
  the case event's data under `text_check_override` (the case history shows them, and subscribers of
  `kefu.cases.events` can count them — knowledge counts them per person for appraisal).

Checks must be fast (they run in the request, inside the case's row lock), must not write, and must
not raise for ordinary text. A check that wants to see nothing for a case returns an empty list.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from kefu.core.exceptions import ApplicationError

if TYPE_CHECKING:
    from kefu.cases.models import Case
    from kefu.org.models import User

__all__ = (
    "TextCheck",
    "TextCheckContext",
    "TextCheckError",
    "TextFinding",
    "check_customer_text",
    "findings_data",
    "register_text_check",
    "text_checks",
    "unregister_text_check",
)


@dataclass(frozen=True, slots=True)
class TextFinding:
    """One problem in a text: where it is (`start`/`end`, character offsets into the text as sent),
    what was written there, why it is a problem, and what to write instead."""

    check: str
    start: int
    end: int
    text: str
    message: str
    suggestion: str = ""


@dataclass(frozen=True, slots=True)
class TextCheckContext:
    """What a check may look at besides the text. `field` is the input field (`reply`, `reason`,
    `body`); `purpose` is `reply` (an answer to the customer) or `note` (a customer-visible note)."""

    case: Case
    actor: User
    field: str
    purpose: str


TextCheck = Callable[[str, TextCheckContext], Sequence[TextFinding]]

_checks: dict[str, TextCheck] = {}


def register_text_check(name: str, check: TextCheck) -> None:
    """Register `check` under a unique `name` (e.g. "knowledge.taboo"); call from AppConfig.ready().
    Registering a name again replaces it."""
    _checks[name] = check


def unregister_text_check(name: str) -> None:
    _checks.pop(name, None)


def text_checks() -> dict[str, TextCheck]:
    return dict(_checks)


class TextCheckError(ApplicationError):
    """Customer-visible text failed a check and the sender did not override it. HTTP 400; the body
    has `errors[field]` (messages) and `text_checks` (the findings with positions)."""

    def __init__(self, message: str, *, field: str, findings: Sequence[TextFinding]) -> None:
        super().__init__(message, extra={field: [_finding_message(f) for f in findings]})
        self.field = field
        self.findings = tuple(findings)
        self.details = {"text_checks": findings_data(self.findings)}


def _finding_message(finding: TextFinding) -> str:
    where = _("Character %(position)s: “%(text)s”") % {"position": finding.start + 1, "text": finding.text}
    message = f"{where} — {finding.message}"
    if finding.suggestion:
        message += " " + _("Say instead: %(suggestion)s") % {"suggestion": finding.suggestion}
    return message


def findings_data(findings: Sequence[TextFinding]) -> list[dict[str, Any]]:
    """Findings as plain JSON (for an event's data and the API)."""
    return [asdict(f) for f in findings]


def check_customer_text(
    *, case: Case, actor: User, text: str, field: str, purpose: str, override: bool
) -> list[dict[str, Any]]:
    """Run every registered check on `text`. Raises `TextCheckError` on findings unless `override`;
    returns the overridden findings as JSON data (empty when there were none) for the event's data."""
    if not _checks or not text:
        return []
    context = TextCheckContext(case=case, actor=actor, field=field, purpose=purpose)
    findings: list[TextFinding] = []
    for check in _checks.values():
        findings.extend(check(text, context))
    if not findings:
        return []
    findings.sort(key=lambda f: (f.start, f.end))
    if not override:
        raise TextCheckError(
            _(
                "The text contains words a customer must not be sent (%(count)s). Change them, or confirm that "
                "it is sent as it is (this is recorded)."
            )
            % {"count": len(findings)},
            field=field,
            findings=findings,
        )
    return findings_data(findings)
