"""Writes of field-service work orders. Every service locks the order (`SELECT … FOR UPDATE`),
checks the version the caller saw (409 when it moved on), checks the actor's right, changes the
order, bumps its version and writes the `WorkOrderEvent` in the same transaction."""

from kefu.workorders.services.clock import arrival_deadline, workorder_pause, workorder_resume, workorders_flag_late
from kefu.workorders.services.completion import workorder_approve_waiver, workorder_complete, workorder_record
from kefu.workorders.services.contractors import (
    contractor_create,
    contractor_decide,
    contractor_request,
)
from kefu.workorders.services.contracts import contract_create, contract_for, contract_renew, contracts_expiry_notices
from kefu.workorders.services.equipment import equipment_create
from kefu.workorders.services.fees import Fee, compute_fee
from kefu.workorders.services.lifecycle import (
    section_for,
    supervises,
    workorder_accept,
    workorder_book,
    workorder_cancel,
    workorder_check_in,
    workorder_close,
    workorder_create,
    workorder_dispatch,
)
from kefu.workorders.services.photos import photo_add
from kefu.workorders.services.staff import technician_set_profile
from kefu.workorders.services.takeback import (
    takeback_inspect,
    takeback_move,
    takeback_receive,
    takeback_record_repair,
    takeback_return,
    takebacks_flag_late,
)

__all__ = (
    "Fee",
    "arrival_deadline",
    "compute_fee",
    "contract_create",
    "contract_for",
    "contract_renew",
    "contractor_create",
    "contractor_decide",
    "contractor_request",
    "contracts_expiry_notices",
    "equipment_create",
    "section_for",
    "photo_add",
    "supervises",
    "takeback_inspect",
    "takeback_move",
    "takeback_receive",
    "takeback_record_repair",
    "takeback_return",
    "takebacks_flag_late",
    "technician_set_profile",
    "workorder_accept",
    "workorder_approve_waiver",
    "workorder_book",
    "workorder_cancel",
    "workorder_check_in",
    "workorder_close",
    "workorder_complete",
    "workorder_create",
    "workorder_dispatch",
    "workorder_pause",
    "workorder_record",
    "workorder_resume",
    "workorders_flag_late",
)
