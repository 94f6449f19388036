"""The web app's own rows of the permission matrix (tests/matrix_kit.py)."""

from tests.matrix_kit import LOGIN, SEE_A, UNIT_VIEW, only

# 催办 from the board: the board's readers who see case A remind (302 back to the board, with a
# message also when the clock stopped or was reminded within the hour); a board reader who does not
# see A gets 404; everyone else 403.
REMINDERS = UNIT_VIEW & SEE_A

WEB_ROWS = {
    # 成立 and 转部门 in one step (kefu/web/combined.py): like any case step, 400 for an empty form to
    # whoever sees case A, 404 to everyone else.
    "web:case_establish_route": (
        "post",
        {"number": "A", "name": "establish", "then": "route"},
        {},
        only(SEE_A, 400, 404, anon=LOGIN),
        True,
    ),
    "web:board_remind": (
        "post",
        {"clock_id": "clock"},
        {},
        only(REMINDERS, 302, 403, anon=LOGIN, out_sup=404),
        False,
    ),
}
