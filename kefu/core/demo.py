"""Demo data: an organisation, its staff, customers and cases of every loaded rulebook.

Two ways to make cases:

* `make_cases_with_services` registers each case with `case_register` and walks it through the
  rulebook with `case_transition`, acted by people whose roles the rulebook allows, so history,
  approvals, remedies and notes are exactly what real use produces. A demo clock (patched
  `django.utils.timezone.now`) makes the history happen at the case's received time, not today.
* `make_cases_in_bulk` writes Case rows plus their registration event with `bulk_create`, numbered
  like the rulebook numbers them and with the `NumberSequence` counters moved past the last serial
  used, so later real registrations never collide. It is what makes a million cases quick.
"""

# Split by responsibility (each part under ~600 lines); the public names stay importable from here.
from kefu.core.demo_bulk import make_cases_in_bulk
from kefu.core.demo_cases import make_cases_with_services
from kefu.core.demo_world import ADMIN_PASSWORD, DEMO_PASSWORD, DemoWorld, build_world, make_app_demos

__all__ = (
    "DEMO_PASSWORD",
    "ADMIN_PASSWORD",
    "DemoWorld",
    "build_world",
    "make_cases_with_services",
    "make_app_demos",
    "make_cases_in_bulk",
)
