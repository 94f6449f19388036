"""The fixed messages of kefu.cases.services, marked for translation.

The services raise English source text; the web views pass it through gettext, so every message
listed here reaches the user in their language. Messages with values in them (case numbers, role
names) stay in English until the services mark them for translation themselves.
"""

from django.utils.translation import gettext_noop

SERVICE_MESSAGES = (
    gettext_noop("A case cannot be merged into itself."),
    gettext_noop("A case cannot be received in the future."),
    gettext_noop("A complaint that does not stand must be answered with a reason."),
    gettext_noop("A non-negative amount in yuan with at most 2 decimals."),
    gettext_noop("Duplicates must belong to the same customer."),
    gettext_noop("Each remedy needs a kind and an amount."),
    gettext_noop("Every required approval has already been given."),
    gettext_noop("Give a reason."),
    gettext_noop("Only open cases can be merged."),
    gettext_noop("Only open cases can be transferred."),
    gettext_noop("Propose at least one remedy."),
    gettext_noop("Record what the customer said on the return visit."),
    gettext_noop("Record why the customer does not accept."),
    gettext_noop("Say why the case is transferred."),
    gettext_noop("Say why the remedy is sent back."),
    gettext_noop("The case was not assigned."),
    gettext_noop("The case was not registered."),
    gettext_noop("The case was not routed."),
    gettext_noop("The case was not transferred."),
    gettext_noop("The cases were not merged."),
    gettext_noop("The finding was not recorded."),
    gettext_noop("The note was not added."),
    gettext_noop("The remedy was not recorded."),
    gettext_noop("The reply is empty."),
    gettext_noop("This contact belongs to another customer."),
    gettext_noop("This field is required."),
    gettext_noop("This person already owns the case."),
    gettext_noop("This person is no longer active."),
    gettext_noop("This person is the subject of the complaint and must not handle it (recusal)."),
    gettext_noop("This person is the subject of the complaint and must not own it (recusal)."),
    gettext_noop("Write the review summary."),
    gettext_noop("You are the person this case complains about, so you may not handle or judge it."),
    gettext_noop("You cannot register a complaint about yourself; ask a colleague to take it."),
)
