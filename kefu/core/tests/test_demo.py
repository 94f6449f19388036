"""`kefu demo`: both paths make consistent, collision-free data of every loaded case type."""

import pytest
from django.core.management import call_command
from django.db.models import Count, Max

from kefu.cases.choices import CaseStatus, EventKind
from kefu.cases.models import Case, CaseEvent, NumberSequence
from kefu.cases.services import case_register
from kefu.customers.models import Customer
from kefu.org.choices import Role
from kefu.org.models import OrgUnit, User
from kefu.org.selectors import role_holders_for
from kefu.rulebooks.choices import StateKind
from kefu.rulebooks.selectors import active_rulebooks


def _all_types() -> set[tuple[str, str]]:
    return {(rb.key, code) for rb in active_rulebooks() for code in rb.active_version.doc.case_types}


@pytest.fixture
def loaded(rulebooks):
    return rulebooks


@pytest.mark.django_db
def test_demo_through_services_is_consistent(loaded):
    call_command("demo", size=40, seed=7, stdout=open("/dev/null", "w"))
    made = set(Case.objects.values_list("rulebook_version__rulebook__key", "case_type").distinct())
    assert _all_types() <= made
    assert {Role(r) for r in User.objects.values_list("role", flat=True)} == set(Role)
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.role == Role.ADMINISTRATOR and admin.check_password("kefu-admin")
    assert User.objects.get(username="agent1").check_password("kefu-demo")
    assert User.objects.filter(username__in=["handler1", "supervisor1", "manager1", "deputy_gm", "gm"]).count() == 5
    # The leadership sits in the group's 总经理办公室, a leadership office: escalations from any city
    # department find the general manager and deputy GM there, not the fallback.
    gm = User.objects.select_related("unit__parent").get(username="gm")
    assert gm.unit.name == "总经理办公室" and gm.unit.is_leadership_office and gm.unit.parent.parent is None
    department = OrgUnit.objects.filter(code__endswith="-as").first()
    for role, username in ((Role.GENERAL_MANAGER, "gm"), (Role.DEPUTY_GM, "deputy_gm")):
        holders = role_holders_for(role=role, unit=department)
        assert [u.username for u in holders.people] == [username] and not holders.fallback
    # History is complete: one event per version, numbered 1..version, registration first.
    for case in Case.objects.annotate(n=Count("events"), top=Max("events__case_version")):
        assert case.n == case.version == case.top, case.number
        assert case.events.order_by("case_version").first().kind == EventKind.REGISTERED
    # Status agrees with the rulebook's kind of the stage.
    for case in Case.objects.select_related("rulebook_version"):
        kind = case.type_def.state(case.stage).kind
        if case.status in (CaseStatus.OPEN, CaseStatus.SUSPENDED, CaseStatus.WITHDRAWN):
            assert kind == StateKind.OPEN
        elif case.status == CaseStatus.CLOSED:
            assert kind == StateKind.CLOSED and case.closed_at
        elif case.status == CaseStatus.ARCHIVED:
            assert kind == StateKind.ARCHIVED and case.archived_at
    count = Case.objects.count()
    call_command("demo", size=40, if_empty=True, stdout=open("/dev/null", "w"))
    assert Case.objects.count() == count


@pytest.mark.django_db
def test_demo_in_bulk_numbers_stay_unique(loaded):
    call_command("demo", size=3000, batch=500, seed=3, stdout=open("/dev/null", "w"))
    assert Case.objects.count() == 3000
    assert CaseEvent.objects.filter(kind=EventKind.REGISTERED, case_version=1).count() == 3000
    assert _all_types() <= set(Case.objects.values_list("rulebook_version__rulebook__key", "case_type").distinct())
    assert Case.objects.values("number").distinct().count() == 3000
    assert not Case.objects.filter(status=CaseStatus.CLOSED, closed_at__isnull=True).exists()
    assert not Case.objects.filter(status=CaseStatus.ARCHIVED, archived_at__isnull=True).exists()
    for case in Case.objects.filter(status=CaseStatus.OPEN).select_related("rulebook_version")[:200]:
        assert case.type_def.state(case.stage).kind == StateKind.OPEN
    # Each counter is at the last serial the bulk path used for its prefix.
    for seq in NumberSequence.objects.all():
        assert Case.objects.filter(number__startswith=seq.prefix).count() >= seq.last > 0
    # A real registration now takes a fresh number of the current month's prefix.
    agent = User.objects.get(username="agent1")
    case, created = case_register(
        actor=agent,
        case_type="inquiry",
        customer=Customer.objects.first(),
        channel="phone",
        title="咨询",
        description="咨询保修期限",
        category="product",
        rulebook_key="service-complaint",
    )
    assert created and Case.objects.filter(number=case.number).count() == 1
    assert Case.objects.values("number").distinct().count() == 3001


@pytest.mark.django_db
@pytest.mark.parametrize("size", [60, 2500], ids=["services", "bulk"])
def test_demo_fills_form_fields_and_follows_format_v2(rulebooks, v2_rulebook, size):
    """Both demo paths fill the form fields the rulebooks define, use only the channels a case type
    accepts, and (through the services) take only transitions whose conditions hold, with the input
    they require."""
    call_command("demo", size=size, batch=500, seed=11, stdout=open("/dev/null", "w"))
    claims = Case.objects.filter(rulebook_version__rulebook__key="quality-claim", case_type="quality_claim")
    assert claims.exists()
    assert claims.exclude(fields={}).count() >= claims.count() * 0.5
    for case in Case.objects.select_related("rulebook_version"):
        assert case.channel in case.rulebook.channel_codes(case.case_type), case.number
        for key in case.fields:
            assert case.type_def.field(key) is not None, (case.number, key)
        assert bool(case.sealed_roles) == (case.type_def.sealed is not None)
    v2 = Case.objects.filter(rulebook_version__rulebook__key="format-v2", case_type="data_request")
    assert v2.exists() and all(isinstance(c.fields.get("record_count"), int) for c in v2)  # required
    if size < 1000:  # the services walked v2 claims past steps that require a comment and the penalty
        walked = Case.objects.filter(
            rulebook_version__rulebook__key="format-v2", case_type="quality_claim", events__transition="negotiated"
        )
        assert all(c.fields.get("penalty") for c in walked)
