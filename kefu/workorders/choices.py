from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = (
    "OPEN_STATUSES",
    "BEFORE_ARRIVAL",
    "SUPERVISING_ROLES",
    "EventKind",
    "OrderKind",
    "OrderStatus",
    "ServiceType",
)


class OrderKind(models.TextChoices):
    INSTALL = "install", _("Installation")
    REMOVE = "remove", _("Removal")
    MOVE = "move", _("Move")
    REPAIR = "repair", _("Repair")
    MAINTENANCE = "maintenance", _("Maintenance")
    INSPECTION = "inspection", _("Inspection")


class OrderStatus(models.TextChoices):
    NEW = "new", _("Waiting for dispatch")
    DISPATCHED = "dispatched", _("Dispatched")
    ACCEPTED = "accepted", _("Accepted")
    BOOKED = "booked", _("Visit booked")
    ON_THE_WAY = "on_the_way", _("On the way")
    ON_SITE = "on_site", _("On site")
    TAKEN_BACK = "taken_back", _("Taken back for repair")
    COMPLETED = "completed", _("Completed")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


class ServiceType(models.TextChoices):
    """seed-004 D11 服务类别: A 有费服务, B 合同服务, C 免费服务, D 一般行政工作."""

    A = "A", _("A · paid service")
    B = "B", _("B · contract service")
    C = "C", _("C · free service (guarantee period)")
    D = "D", _("D · internal work")


class EventKind(models.TextChoices):
    CREATED = "created", _("Created")
    DISPATCHED = "dispatched", _("Dispatched")
    ACCEPTED = "accepted", _("Accepted")
    BOOKED = "booked", _("Visit booked")
    REBOOKED = "rebooked", _("Visit re-booked")
    DEPARTED = "departed", _("Set off")
    ARRIVED = "arrived", _("Arrived")
    RECORDED = "recorded", _("Work recorded")
    PAUSED = "paused", _("Waiting for the customer")
    RESUMED = "resumed", _("Clock resumed")
    COMPLETED = "completed", _("Completed")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")
    LATE = "late", _("Arrival deadline passed")
    TAKEN_BACK = "taken_back", _("Taken back for repair")
    TAKEBACK = "takeback", _("Take-back repair step")
    PHOTO = "photo", _("Photo added")
    CONTRACTOR = "contractor", _("Outside contractor")
    REPAIR_STARTED = "repair_start", _("Repair clock started")
    REPAIR_LATE = "repair_late", _("Repair deadline passed")
    EXTENSION_ASKED = "ext_asked", _("Repair extension requested")
    EXTENSION_APPROVED = "ext_approved", _("Repair extension approved")
    EXTENSION_REFUSED = "ext_refused", _("Repair extension refused")
    CARRIED_OVER = "carried_over", _("Not dispatched on its day")


OPEN_STATUSES = frozenset(
    {
        OrderStatus.NEW,
        OrderStatus.DISPATCHED,
        OrderStatus.ACCEPTED,
        OrderStatus.BOOKED,
        OrderStatus.ON_THE_WAY,
        OrderStatus.ON_SITE,
        OrderStatus.TAKEN_BACK,
    }
)
# The arrival clock runs in these statuses (dispatch-to-arrival, D11 step 14).
BEFORE_ARRIVAL = frozenset(
    {OrderStatus.NEW, OrderStatus.DISPATCHED, OrderStatus.ACCEPTED, OrderStatus.BOOKED, OrderStatus.ON_THE_WAY}
)

# Who dispatches and supervises the orders of their unit and the units below it (服务主任).
SUPERVISING_ROLES = frozenset({"supervisor", "manager", "deputy_gm", "general_manager", "administrator"})
