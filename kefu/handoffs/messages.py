"""The hand-off messages, registered with the inbox under codes (rendered in the reader's language).

Every message names the case number and says what happened in words; the body carries the case title
(an anonymous complainant's identity blanked) so the reader knows which matter it is.
"""

from django.utils.translation import gettext_lazy as _

from kefu.sla.inbox import register_message

__all__ = ("CODES", "register_messages")

ROUTED = "handoffs.routed"
ASSIGNED = "handoffs.assigned"
APPROVAL = "handoffs.approval"
RETURNED = "handoffs.returned"
CUSTOMER_REJECTED = "handoffs.customer_rejected"
FOLLOW_UP = "handoffs.follow_up"
MENTIONED = "handoffs.mentioned"

CODES = (ROUTED, ASSIGNED, APPROVAL, RETURNED, CUSTOMER_REJECTED, FOLLOW_UP, MENTIONED)


def register_messages() -> None:
    register_message(
        ROUTED,
        title=_("Case %(number)s was routed to your unit %(unit)s"),
        body=_("%(title)s — it waits for someone of %(unit)s to take it on."),
    )
    register_message(
        ASSIGNED,
        title=_("Case %(number)s was assigned to you"),
        body=_("%(title)s — you handle it now."),
    )
    register_message(
        APPROVAL,
        title=_("Case %(number)s awaits your approval (%(level)s)"),
        body=_("%(title)s — step %(step)s of the approval: approve it or send it back."),
    )
    register_message(
        RETURNED,
        title=_("Case %(number)s was sent back to you"),
        body=_("%(title)s — %(actor)s sent the remedy back: %(reason)s"),
    )
    register_message(
        CUSTOMER_REJECTED,
        title=_("The customer did not accept the answer to case %(number)s"),
        body=_("%(title)s — follow-up case %(follow_up)s was opened."),
    )
    register_message(
        FOLLOW_UP,
        title=_("Follow-up case %(number)s was opened"),
        body=_("%(title)s — the customer did not accept the answer to case %(parent)s."),
    )
    register_message(
        MENTIONED,
        title=_("%(actor)s mentioned you on case %(number)s"),
        body=_("%(title)s — “%(excerpt)s”"),
    )
