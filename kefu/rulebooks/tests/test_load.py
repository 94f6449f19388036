"""Loading rulebooks: all-or-nothing, versioned, and the presets' procedures walked end to end."""

import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from kefu.cases.choices import CaseStatus, Validity
from kefu.cases.models import Case
from kefu.cases.services import approval_steps_required, case_register, case_transition
from kefu.core.exceptions import ApplicationError
from kefu.rulebooks.models import Rulebook, RulebookVersion
from kefu.rulebooks.schema import RulebookError
from kefu.rulebooks.services import PRESET_DIR, rulebook_load, rulebook_load_file

SERVICE = PRESET_DIR / "service-complaint.yaml"


def walk(case: Case, steps) -> Case:
    for name, actor, data in steps:
        case = case_transition(case=case, actor=actor, transition=name, expected_version=case.version, data=data)
    return case


def register(org, customer, rulebook_key: str, case_type: str, actor=None, **extra) -> Case:
    fields = dict(channel="hotline", title="测试工单", description="客户来电反映问题。")
    fields.update(extra)
    case, _ = case_register(
        actor=actor or org.agent, customer=customer, case_type=case_type, rulebook_key=rulebook_key, **fields
    )
    return case


# --------------------------------------------------------------------------------------------------
# Loading and versions


def test_presets_load_once_and_reload_as_unchanged(rulebooks):
    assert {v.rulebook.key for v, _ in rulebooks} == {
        "aftersales-remedy",
        "estate-complaint",
        "field-service",
        "gas-field-service",
        "gas-service",
        "law-firm-complaint",
        "mall-complaint",
        "power-supply",
        "property-complaint",
        "property-repair",
        "property-work-order",
        "quality-claim",
        "resident-complaint",
        "retail-complaint",
        "service-complaint",
        "staff-complaint",
        "telecom-complaint",
        "telecom-install-maintenance",
        "tobacco-complaint",
    }
    assert all(created for _, created in rulebooks)
    versions = RulebookVersion.objects.count()
    version, created = rulebook_load_file(path=SERVICE)
    assert created is False and version.number == 1
    assert RulebookVersion.objects.count() == versions


def test_invalid_file_changes_nothing(rulebooks, tmp_path: Path):
    before = list(Rulebook.objects.values_list("key", "name", "active_version_id", "is_default"))
    versions = RulebookVersion.objects.count()
    bad = (
        SERVICE.read_text(encoding="utf-8")
        .replace("name: 客户服务投诉管理制度", "name: 改名了")
        .replace("to: forwarded,", "to: fowarded,")
    )
    with pytest.raises(RulebookError):
        rulebook_load(text=bad, source="bad.yaml")
    new_key = bad.replace("key: service-complaint", "key: brand-new")
    with pytest.raises(RulebookError):
        rulebook_load(text=new_key, source="bad.yaml")
    assert list(Rulebook.objects.values_list("key", "name", "active_version_id", "is_default")) == before
    assert RulebookVersion.objects.count() == versions


def test_new_version_leaves_open_cases_on_their_old_rules(org, rulebooks, make_case):
    old_case = make_case()
    renamed = SERVICE.read_text(encoding="utf-8").replace("{name: establish, ", "{name: accept_complaint, ")
    version, created = rulebook_load(text=renamed, source="v2.yaml")
    assert created and version.number == 2
    assert Rulebook.objects.get(key="service-complaint").active_version == version

    new_case = make_case()
    assert (old_case.rulebook_version.number, new_case.rulebook_version.number) == (1, 2)
    with pytest.raises(ApplicationError, match="not a transition"):
        case_transition(case=old_case, actor=org.agent, transition="accept_complaint", expected_version=1)
    with pytest.raises(ApplicationError, match="not a transition"):
        case_transition(case=new_case, actor=org.agent, transition="establish", expected_version=1)
    old_case = case_transition(case=old_case, actor=org.agent, transition="establish", expected_version=1)
    new_case = case_transition(case=new_case, actor=org.agent, transition="accept_complaint", expected_version=1)
    assert old_case.stage == new_case.stage == "forwarded"

    # Identical text again: no version 3, and the active version stays 2.
    again, created = rulebook_load(text=renamed, source="v2.yaml")
    assert (again.pk, created) == (version.pk, False)
    assert RulebookVersion.objects.filter(rulebook__key="service-complaint").count() == 2


# --------------------------------------------------------------------------------------------------
# The management command


def test_command_check_prints_ok_for_every_preset(calendars):
    out = StringIO()
    call_command("rulebook", "check", *sorted(PRESET_DIR.glob("*.yaml")), stdout=out)
    assert out.getvalue().count(": ok (") == len(list(PRESET_DIR.glob("*.yaml")))


@pytest.mark.parametrize("action", ["check", "load"])
def test_command_refuses_a_broken_file_naming_file_and_line(calendars, tmp_path: Path, action: str):
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        SERVICE.read_text(encoding="utf-8").replace("roles: [agent, supervisor, manager]}", "roles: [agnet]}", 1),
        encoding="utf-8",
    )
    err = StringIO()
    with pytest.raises(CommandError, match="nothing was changed"):
        call_command("rulebook", action, str(broken), stderr=err)
    assert re.search(rf"^{re.escape(str(broken))}:\d+: case_types\.complaint\.transitions\.0\.roles: ", err.getvalue())
    assert "agnet" in err.getvalue()
    assert not Rulebook.objects.exists()


def test_command_load_then_unchanged(calendars):
    out = StringIO()
    call_command("rulebook", "load", str(SERVICE), "--default", stdout=out)
    call_command("rulebook", "load", str(SERVICE), stdout=out)
    assert "loaded as service-complaint v1" in out.getvalue()
    assert "unchanged, still service-complaint v1" in out.getvalue()
    assert Rulebook.objects.get(key="service-complaint").is_default


# --------------------------------------------------------------------------------------------------
# service-complaint (篇2): every case type's main path (the complaint in depth: kefu/cases/tests)


def service_paths(org):
    route = {"unit": org.aftersales.pk, "assignee": org.handler.pk}
    return {
        "complaint": [
            ("establish", org.agent, {}),
            ("route", org.agent, route),
            ("finding", org.handler, {"cause": "迟到", "responsibility": "company"}),
            ("propose_remedy", org.handler, {"remedies": [{"kind": "apology", "amount": "0"}]}),
            ("approve", org.manager, {}),
            ("reply", org.handler, {"reply": "已致歉"}),
            ("customer_accept", org.agent, {}),
            ("return_visit", org.agent, {"note": "满意"}),
            ("review", org.supervisor, {"summary": "加强培训"}),
        ],
        "inquiry": [("reply", org.agent, {"reply": "营业时间 9:00-17:00"}), ("close", org.agent, {})],
        "suggestion": [
            ("route", org.agent, route),
            ("reply", org.handler, {"reply": "已采纳"}),
            ("close", org.agent, {}),
        ],
        "praise": [("route", org.agent, route), ("close", org.agent, {})],
        "repair": [
            ("route", org.agent, {"unit": org.team.pk, "assignee": org.technician.pk}),
            ("complete", org.technician, {}),
            ("close", org.agent, {}),
        ],
    }


@pytest.mark.parametrize("case_type", ["complaint", "inquiry", "suggestion", "praise", "repair"])
def test_service_complaint_case_types_walk_to_archive(org, rulebooks, make_case, case_type: str):
    case = walk(make_case(case_type), service_paths(org)[case_type])
    assert (case.stage, case.status) == ("closed", CaseStatus.CLOSED)
    case = walk(case, [("archive", org.agent, {})])
    assert case.status == CaseStatus.ARCHIVED


# --------------------------------------------------------------------------------------------------
# quality-claim (篇9)


def to_negotiation(org, case: Case, *, with_rnd: bool, amount: str) -> Case:
    opinion = [("to_rnd", org.manager, {}), ("rnd_opinion", org.manager, {"comment": "材料配方无需调整"})]
    return walk(
        case,
        [
            ("send_to_qa", org.cs_supervisor, {"unit": org.gm_office.pk, "assignee": org.quality.pk}),
            (
                "qa_report",
                org.quality,
                {"cause": "热处理温度偏低", "responsibility": "company", "responsible_unit": org.aftersales.pk},
            ),
            ("production_countermeasure", org.manager, {"comment": "调整炉温并加严首件检验"}),
            *(opinion if with_rnd else [("manager_opinion", org.manager, {"comment": "同意对策"})]),
            ("gm_office_check", org.supervisor, {}),
            ("sales_proposal", org.agent, {"remedies": [{"kind": "allowance", "amount": amount}]}),
            ("consolidate", org.supervisor, {"comment": "同意业务部意见"}),
        ],
    )


def test_quality_claim_main_path_with_rnd_and_two_approval_levels(org, rulebooks, customer):
    case = register(org, customer, "quality-claim", "quality_claim", category="quality", channel="phone")
    assert re.fullmatch(r"\d{4}01", case.number)  # YYMM + 2-digit serial
    case = to_negotiation(org, case, with_rnd=True, amount="8000")
    assert case.stage == "approving"
    assert [s.role for s in approval_steps_required(case)] == ["manager", "deputy_gm"]
    case = walk(
        case,
        [
            ("approve", org.manager, {"comment": "同意"}),
            ("approve", org.deputy_gm, {"comment": "同意折让"}),
            ("negotiate", org.agent, {"reply": "经核决，同意折让 8000 元"}),
            ("customer_accept", org.supervisor, {}),
            ("decide_responsibility", org.supervisor, {"cause": "制造部热处理失控", "responsibility": "company"}),
            ("sign_off", org.manager, {}),
        ],
    )
    assert (case.stage, case.status) == ("closed", CaseStatus.CLOSED)
    assert case.validity == Validity.ESTABLISHED and case.customer_accepted is True
    assert case.responsible_unit == org.aftersales and case.closed_at is not None
    case = walk(case, [("archive", org.supervisor, {})])
    assert case.status == CaseStatus.ARCHIVED
    transitions = list(case.events.exclude(transition="").values_list("transition", flat=True))
    assert "rnd_opinion" in transitions and "manager_opinion" not in transitions


def test_quality_claim_skipping_rnd_and_customer_rejects_opens_linked_form(org, rulebooks, customer):
    case = register(org, customer, "quality-claim", "quality_claim", category="non_quality")
    case = to_negotiation(org, case, with_rnd=False, amount="300")
    case = walk(
        case,
        [
            ("approve", org.manager, {}),
            ("negotiate", org.agent, {"reply": "同意补发 3 件"}),
            ("customer_reject", org.agent, {"reason": "客户要求全数退货"}),
        ],
    )
    assert (case.stage, case.status, case.customer_accepted) == ("superseded", CaseStatus.CLOSED, False)
    follow_up = case.follow_ups.get()
    assert (follow_up.case_type, follow_up.stage, follow_up.rulebook_version.rulebook.key) == (
        "quality_claim",
        "registered",
        "quality-claim",
    )
    assert int(follow_up.number) == int(case.number) + 1  # same month, next serial


def test_quality_claim_not_established(org, rulebooks, customer):
    case = register(org, customer, "quality-claim", "quality_claim", category="quality")
    case = walk(
        case,
        [
            ("send_to_qa", org.cs_supervisor, {"unit": org.gm_office.pk}),
            ("not_established", org.quality, {"reason": "客户使用不当，产品检验合格"}),
        ],
    )
    assert (case.stage, case.status, case.validity) == ("not_established", CaseStatus.CLOSED, "not_established")


def test_quality_claim_serial_widens_past_99(org, rulebooks, customer):
    from django.utils import timezone

    from kefu.cases.models import NumberSequence

    prefix = timezone.localtime().strftime("%y%m")
    NumberSequence.objects.create(prefix=prefix, last=99)
    case = register(org, customer, "quality-claim", "quality_claim", category="quality")
    assert case.number == f"{prefix}100"


def test_abnormality_notice_path(org, rulebooks, customer):
    case = register(org, customer, "quality-claim", "abnormality", category="quality")
    assert case.number.startswith("YC")
    case = walk(
        case,
        [
            ("route", org.agent, {"unit": org.aftersales.pk, "assignee": org.handler.pk}),
            ("finding", org.handler, {"cause": "包装破损", "responsibility": "supplier"}),
            ("archive", org.supervisor, {}),
        ],
    )
    assert case.status == CaseStatus.ARCHIVED and case.responsibility == "supplier"


# --------------------------------------------------------------------------------------------------
# power-supply (篇10)


@pytest.mark.parametrize("case_type,prefix", [("complaint", "TS"), ("report", "JB")])
def test_power_supply_closed_loop_with_reinvestigation(org, rulebooks, customer, case_type: str, prefix: str):
    case = register(org, customer, "power-supply", case_type, category="service_code")
    assert case.number.startswith(prefix)
    opinion = ("handling_opinion", org.handler, {"cause": "抄表员未按规定告知", "responsibility": "company"})
    case = walk(
        case,
        [
            ("register", org.agent, {}),
            ("propose", org.agent, {"comment": "转营销部调查"}),
            ("transfer_to_unit", org.cs_supervisor, {"unit": org.aftersales.pk, "assignee": org.handler.pk}),
            opinion,
            ("report_result", org.handler, {}),
            ("reinvestigate", org.deputy_gm, {"comment": "事实不清，补充调查"}),
            opinion,
            ("report_result", org.handler, {}),
            ("accept_result", org.deputy_gm, {"summary": "处理得当"}),
        ],
    )
    assert (case.stage, case.status) == ("concluded", CaseStatus.OPEN)
    case = walk(case, [("reply", org.agent, {"reply": "经调查属实，已对责任人处理"})])
    assert (case.stage, case.status) == ("closed", CaseStatus.CLOSED)
    case = walk(case, [("archive", org.cs_supervisor, {})])
    assert case.status == CaseStatus.ARCHIVED
    assert list(case.events.filter(transition="handling_opinion").values_list("to_stage", flat=True)) == [
        "opinion_formed",
        "opinion_formed",
    ]


def test_power_supply_anonymous_vague_report_is_stored_pending(org, rulebooks, customer):
    case = register(org, customer, "power-supply", "report", category="other", is_anonymous=True, channel="letter")
    case = walk(case, [("register", org.agent, {}), ("propose", org.agent, {"comment": "匿名、内容不具体"})])
    with pytest.raises(Exception, match="may be done by"):
        walk(case, [("store_pending", org.agent, {})])
    case = walk(case, [("store_pending", org.cs_supervisor, {"comment": "阅批：暂存待查"})])
    assert (case.stage, case.status) == ("stored_pending", CaseStatus.CLOSED)
