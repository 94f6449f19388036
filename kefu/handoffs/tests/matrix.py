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
WEB_ROWS.update(
    {
        # Search: results come from visible_to; the anonymous complainant stays hidden (leak check).
        # Searching the words of A's title ("王建国来电：维修工态度恶劣") never shows the complainant.
        "web:search": ("get", {}, {"q": "维修工态度恶劣"}, row(200, anon=LOGIN), True),
        # The customer page of 王建国 (cases A anonymous, B named): the directory roles (agent, supervisors,
        # administrators) and whoever sees case B; the others may not open this customer's file (as the API).
        "web:customer": (
            "get",
            {"code": "W"},
            None,
            row(404, anon=LOGIN, agent__agent2__cs_sup__sup__out_sup__adminrole__root__dgm__quality__gm=200),
            False,
        ),
    }
)
