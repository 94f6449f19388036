"""The case engine: every write to a case goes through a function of this package.

Each one runs in a transaction, locks the case row, checks the version the client saw, checks the
rulebook (stage, role, recusal), changes the case, bumps its version and writes a `CaseEvent` in the
same transaction (the public helpers for that are in `kefu.cases.changes`, which other apps use
too). Subscribers of `kefu.cases.events` hear about each event after commit, so nothing reacts to a
change that rolled back.

Modules: `registration` (case_register), `transitions` (case_transition and the rulebook checks:
conditions, required input), `actions` (what each transition action does), `approvals` (approval
chains and passes), `fields` (form fields: checking values, case_update_fields), `operations`
(transfer, suspend, resume, withdraw, reopen, merge, classification, notes, attachments, hand-over),
`privacy` (the logged "show" of a case's customer), `retention` (archiving closed cases after the
rulebook's retention period).
"""

from kefu.cases.services.approvals import approval_steps_required
from kefu.cases.services.customer import (
    case_customer_answer,
    case_register_by_customer,
    customer_may_answer,
    portal_actor,
)
from kefu.cases.services.fields import case_update_fields
from kefu.cases.services.operations import (
    CLASSIFY_ROLES,
    case_add_attachment,
    case_add_note,
    case_classification_check,
    case_hand_over_open_work,
    case_merge,
    case_operation_check,
    case_reopen,
    case_resume,
    case_suspend,
    case_transfer,
    case_update_classification,
    case_withdraw,
)
from kefu.cases.services.privacy import (
    Revealed,
    case_attachment_open,
    case_reveal_customer,
    may_open_attachment,
    may_reveal_customer,
)
from kefu.cases.services.registration import case_register, request_fingerprint
from kefu.cases.services.retention import case_archive_by_retention, cases_archive_due
from kefu.cases.services.transitions import case_transition, transition_allowed, transition_inputs

__all__ = (
    "CLASSIFY_ROLES",
    "Revealed",
    "approval_steps_required",
    "case_archive_by_retention",
    "case_add_attachment",
    "case_attachment_open",
    "case_add_note",
    "case_classification_check",
    "case_customer_answer",
    "case_register_by_customer",
    "customer_may_answer",
    "portal_actor",
    "case_hand_over_open_work",
    "case_merge",
    "case_operation_check",
    "case_register",
    "case_reopen",
    "case_reveal_customer",
    "case_resume",
    "case_suspend",
    "case_transfer",
    "case_transition",
    "case_update_classification",
    "case_update_fields",
    "case_withdraw",
    "may_open_attachment",
    "may_reveal_customer",
    "cases_archive_due",
    "request_fingerprint",
    "transition_allowed",
    "transition_inputs",
)
