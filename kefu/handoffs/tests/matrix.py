"""Permission-matrix rows (tests/matrix_kit.py) for the pages of the agent's day (kefu.web pages built
with kefu.handoffs: saved queue views, the live inbox badge, search, the customer page)."""

from tests.matrix_kit import LOGIN, row

# Web: URL name → (method, kwargs, form data, expected, leak check)
WEB_ROWS = {
    # The saved views' counts (htmx fragment): anybody signed in, counts of their own visible cases.
    "web:queue_views": ("get", {}, None, row(200, anon=LOGIN), True),
    # The header's unread badge (htmx, every 30 s).
    "web:inbox_count": ("get", {}, None, row(200, anon=LOGIN), False),
}
