"""Demo export request: a hotline supervisor asks to export the key accounts for the year's visits; it
waits in the deputy GM's inbox (seed-002 Doc 2). Called by `kefu demo` through ExportsConfig.make_demo."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from kefu.core.exceptions import ApplicationError
from kefu.exports.models import ExportRequest

__all__ = ("make_exports_demo",)


def make_exports_demo(world: Any, *, rng: random.Random, log: Callable[[str], None] = print) -> None:
    from kefu.exports.services import export_request_create

    if ExportRequest.objects.exists():
        return
    supervisors = world.by_role.get("supervisor", [])
    if not supervisors:
        return
    requester = rng.choice(supervisors)
    for filters in ({"grade": "A"}, {}):
        try:
            request = export_request_create(actor=requester, filters=filters, reason="年度重点客户回访名单")
        except ApplicationError:
            continue  # too few (no approval needed) or too many for one export: try the next filter
        log(f"exports: {requester} asks to export {request.row_count} customers ({request.approver_role} decides)")
        return
