"""Shared test fixtures: a small organisation with one person per role, the preset rulebooks,
and a customer. Tests build on these instead of inventing their own world."""

from types import SimpleNamespace

import pytest

from kefu.customers.services import customer_create
from kefu.org.choices import Role, UnitKind
from kefu.org.models import User
from kefu.org.services import unit_create
from kefu.rulebooks.services import rulebook_load_presets


@pytest.fixture
def calendars(db):
    """The default working calendars ('office' with the official 2025-2026 schedules, and '24x7')."""
    from kefu.calendars.services import calendar_create_defaults

    return calendar_create_defaults(first_year=2025)


@pytest.fixture
def rulebooks(db, calendars):
    return rulebook_load_presets(default_key="service-complaint")


@pytest.fixture
def v2_rulebook(rulebooks):
    """The format-v2 test rulebook (kefu/rulebooks/tests/format_v2.yaml) loaded next to the presets."""
    from pathlib import Path

    from kefu.rulebooks.services import rulebook_load_file

    path = Path(__file__).resolve().parent / "kefu" / "rulebooks" / "tests" / "format_v2.yaml"
    version, _created = rulebook_load_file(path=path)
    return version


@pytest.fixture
def org(db):
    """An organisation shaped like a real company: the leadership (deputy GM, GM, quality) sits in
    its own 总经理办公室 under the group — a leadership office, not above every unit — and two city
    companies each have a department called 售后部.

        集团 (admin)
        ├── 总经理办公室 [leadership office] (deputy_gm, gm, quality)
        └── 华东分公司
            ├── 杭州公司
            │   ├── 客服部 (agent, agent2, cs_supervisor)
            │   └── 售后部 (handler, supervisor, manager)
            │       └── 维修一班 (technician)
            └── 宁波公司
                ├── 宁波客服部 (outsider, outsider_supervisor)
                └── 售后部 (other_handler)
    """
    group = unit_create(name="集团", code="group", kind=UnitKind.GROUP)
    gm_office = unit_create(
        name="总经理办公室", code="gmo", kind=UnitKind.DEPARTMENT, parent=group, is_leadership_office=True
    )
    province = unit_create(name="华东分公司", code="east", kind=UnitKind.PROVINCE, parent=group)
    city = unit_create(name="杭州公司", code="hz", kind=UnitKind.CITY, parent=province)
    service = unit_create(name="客服部", code="hz-cs", kind=UnitKind.DEPARTMENT, parent=city)
    aftersales = unit_create(name="售后部", code="hz-as", kind=UnitKind.DEPARTMENT, parent=city)
    team = unit_create(name="维修一班", code="hz-as-1", kind=UnitKind.TEAM, parent=aftersales)
    other_city = unit_create(name="宁波公司", code="nb", kind=UnitKind.CITY, parent=province)
    other_dept = unit_create(name="宁波客服部", code="nb-cs", kind=UnitKind.DEPARTMENT, parent=other_city)
    other_aftersales = unit_create(name="售后部", code="nb-as", kind=UnitKind.DEPARTMENT, parent=other_city)

    def person(username: str, role: str, unit, **extra) -> User:
        return User.objects.create_user(
            username=username, password="pw-" + username, role=role, unit=unit, email=f"{username}@example.com", **extra
        )

    return SimpleNamespace(
        group=group,
        gm_office=gm_office,
        province=province,
        city=city,
        service=service,
        aftersales=aftersales,
        team=team,
        other_city=other_city,
        other_dept=other_dept,
        other_aftersales=other_aftersales,
        agent=person("agent", Role.AGENT, service),
        agent2=person("agent2", Role.AGENT, service),
        cs_supervisor=person("cs_supervisor", Role.SUPERVISOR, service),
        handler=person("handler", Role.HANDLER, aftersales),
        technician=person("technician", Role.TECHNICIAN, team),
        supervisor=person("supervisor", Role.SUPERVISOR, aftersales),
        manager=person("manager", Role.MANAGER, aftersales),
        deputy_gm=person("deputy_gm", Role.DEPUTY_GM, gm_office),
        gm=person("gm", Role.GENERAL_MANAGER, gm_office),
        quality=person("quality", Role.QUALITY, gm_office),
        outsider=person("outsider", Role.AGENT, other_dept),
        outsider_supervisor=person("outsider_supervisor", Role.SUPERVISOR, other_dept),
        other_handler=person("other_handler", Role.HANDLER, other_aftersales),
        admin=person("admin", Role.ADMINISTRATOR, group, is_staff=True, is_superuser=True),
    )


@pytest.fixture
def customer(db):
    return customer_create(
        name="王建国", phone="138 1234 5678", contact_name="王建国", address="杭州市西湖区文三路 1 号"
    )


@pytest.fixture
def make_case(org, rulebooks, customer):
    from kefu.cases.services import case_register

    def make(case_type: str = "complaint", actor=None, **kwargs):
        defaults = dict(
            case_type=case_type,
            customer=customer,
            channel="phone",
            title="维修人员态度恶劣",
            description="客户反映上门维修人员态度差，未按约定时间到达。",
            category={
                "complaint": "attitude",
                "inquiry": "product",
                "suggestion": "product",
                "praise": "attitude",
                "repair": "fault",
            }.get(case_type, ""),
        )
        defaults.update(kwargs)
        case, _ = case_register(actor=actor or org.agent, **defaults)
        return case

    return make


@pytest.fixture
def api():
    """`api(user)` → a DRF test client logged in as `user` (None: anonymous)."""
    from rest_framework.test import APIClient

    def client_for(user=None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user=user)
        return client

    return client_for


def pytest_collection_modifyitems(config, items):
    """Deselect (not skip) the PostgreSQL-only tests when the suite runs on another database."""
    from django.conf import settings

    if "postgresql" in settings.DATABASES["default"]["ENGINE"]:
        return
    deselected = [item for item in items if item.get_closest_marker("postgres")]
    if not deselected:
        return
    config.hook.pytest_deselected(items=deselected)
    items[:] = [item for item in items if not item.get_closest_marker("postgres")]
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    message = (
        f"{len(deselected)} PostgreSQL test(s) deselected; they run when DATABASE_URL points at PostgreSQL "
        "(e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/kefu_dev)."
    )
    if reporter is not None:
        reporter.write_line(message)
    else:
        print(message)


@pytest.fixture
def figure(record_property):
    """`figure("…")`: a measured result the test log must show (fault, load and fuzz tests); printed at
    the end of the run under "figures", also when the tests ran in xdist workers."""

    def record(text: str) -> None:
        print(text)
        record_property("figure", text)

    return record


def pytest_terminal_summary(terminalreporter):
    """Print the figures tests recorded (`figure(...)`, or `record_property("figures", text)` as the
    worker fault test does), also under xdist, where a test's own output is not shown."""
    reports = [r for key in ("passed", "failed") for r in terminalreporter.stats.get(key, []) if r.when == "call"]
    lines = []
    for report in reports:
        for key, value in getattr(report, "user_properties", []):
            if key == "figure":
                lines.append(f"{report.nodeid.split('::')[0]}: {value}")
            elif key == "figures":
                lines.extend(str(value).splitlines())
    if lines:
        terminalreporter.section("figures")
        for line in lines:
            terminalreporter.write_line(line)
