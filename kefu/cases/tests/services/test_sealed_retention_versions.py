"""Sealed case types (001 篇9), retention (000 篇12), and a rulebook change while cases are open."""

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from kefu.cases.changes import SYSTEM_USERNAME
from kefu.cases.choices import CaseStatus, EventKind
from kefu.cases.models import Case, CaseSupervisor
from kefu.cases.services import (
    case_add_attachment,
    case_register,
    case_transfer,
    case_transition,
    cases_archive_due,
)
from kefu.core.exceptions import ApplicationError
from kefu.rulebooks.services import rulebook_load

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
V2_TEXT = (Path(__file__).parents[3] / "rulebooks" / "tests" / "format_v2.yaml").read_text(encoding="utf-8")


def register(org, customer, case_type, actor=None, **extra) -> Case:
    params = dict(
        rulebook_key="format-v2",
        case_type=case_type,
        customer=customer,
        channel="letter",
        title="举报材料",
        description="内容。",
    )
    params.update(extra)
    case, _ = case_register(actor=actor or org.agent, **params)
    return case


def step(case: Case, name: str, actor, **data) -> Case:
    return case_transition(case=case, actor=actor, transition=name, expected_version=case.version, data=data)


# --------------------------------------------------------------------------------------------------
# Sealed


def test_a_sealed_report_is_seen_only_by_the_named_roles_and_the_people_assigned(org, customer, v2_rulebook, api):
    """001 篇9: whistleblowing materials are sealed like confidential files. The rulebook names the GM;
    the deputy GM and quality, who see every other case, do not see it, nor the receiving unit's supervisor."""
    report = register(org, customer, "report", category="misconduct")
    ordinary = register(org, customer, "penalty")

    def who_sees(case):
        people = ["agent", "agent2", "cs_supervisor", "deputy_gm", "quality", "gm", "admin", "manager"]
        return {p for p in people if Case.objects.visible_to(getattr(org, p)).filter(pk=case.pk).exists()}

    assert who_sees(report) == {"agent", "gm", "admin"}
    assert {"deputy_gm", "quality", "cs_supervisor"} <= who_sees(ordinary)
    assert api(org.deputy_gm).get(f"/api/v1/cases/{report.pk}/").status_code == 404
    report = case_transfer(
        case=report, actor=org.agent, expected_version=report.version, new_owner=org.agent2, reason="转专职管理员"
    )
    assert who_sees(report) == {"agent2", "gm", "admin"}  # the receiver no longer sees it once it is handed on
    CaseSupervisor.objects.create(case=report, user=org.manager, reason="督办")
    assert "manager" in who_sees(report)


# --------------------------------------------------------------------------------------------------
# Retention


def closed_claim(org, customer, penalty: str, closed_at: dt.datetime) -> Case:
    with time_machine.travel(closed_at - dt.timedelta(days=2), tick=False):
        # Received in 售后部 (its handler owns it): the department's supervisor and manager act on it.
        case = register(
            org,
            customer,
            "quality_claim",
            actor=org.handler,
            channel="hotline",
            category="quality",
            fields={"order_no": "A"},
        )
        case = step(case, "to_qa", org.supervisor)
        case = step(case, "qa_done", org.quality, cause="尺寸", responsibility="company")
        case = step(case, "propose", org.handler, remedies=[{"kind": "apology", "amount": "0"}])
        case = step(case, "route_approve", org.manager)
        case = step(case, "negotiated", org.handler, comment="同意", fields={"penalty": penalty})
        case = step(case, "final_approve", org.manager, fields={"loss_amount": "0"})
        report = case_add_attachment(case=case, actor=org.supervisor, file=SimpleUploadedFile("r.pdf", b"%PDF"))
        case.refresh_from_db()
    with time_machine.travel(closed_at, tick=False):
        return step(case, "close", org.supervisor, attachment=report.pk, fields={"test_report": report.pk})


def test_closed_cases_are_archived_after_their_retention_never_deleted(org, customer, v2_rulebook):
    """000 篇12: records are kept one year; important ones longer (here: a fine was imposed → 3 years)."""
    closed_at = dt.datetime(2026, 3, 10, 15, 0, tzinfo=SH)
    plain = closed_claim(org, customer, "none", closed_at)
    fined = closed_claim(org, customer, "fine", closed_at)
    assert cases_archive_due(now=dt.datetime(2027, 3, 10, 14, 59, tzinfo=SH)) == 0
    assert cases_archive_due(now=dt.datetime(2027, 3, 10, 15, 0, tzinfo=SH)) == 1
    plain.refresh_from_db()
    fined.refresh_from_db()
    assert (plain.status, plain.stage) == (CaseStatus.ARCHIVED, "archived")
    assert fined.status == CaseStatus.CLOSED
    event = plain.events.order_by("-id").first()
    assert event.kind == EventKind.RETENTION and event.actor.username == SYSTEM_USERNAME
    assert event.data["retention"] == "1 years" and not event.actor.is_active
    assert cases_archive_due(now=dt.datetime(2029, 3, 10, 15, 0, tzinfo=SH)) == 1
    fined.refresh_from_db()
    assert fined.status == CaseStatus.ARCHIVED
    assert Case.objects.count() == 2 and plain.events.count() > 5  # nothing deleted
    assert cases_archive_due(now=dt.datetime(2030, 1, 1, tzinfo=SH)) == 0


# --------------------------------------------------------------------------------------------------
# A rulebook change while cases are open


def test_a_new_version_does_not_break_cases_opened_under_the_old_one(org, customer, v2_rulebook):
    """Version 2 renames a transition, makes the part number required and drops a field. A claim half-way
    through version 1 finishes under version 1; new claims follow version 2."""
    old = register(
        org,
        customer,
        "quality_claim",
        channel="hotline",
        category="quality",
        fields={"order_no": "A", "defective_qty": 5},
    )
    old = step(old, "to_qa", org.agent)
    text = (
        V2_TEXT.replace("name: qa_done, label: 品保判定完成", "name: qa_finding, label: 品保判定完成")
        .replace(
            "{key: part_no, type: text, label: 料号, label_en: Part no.}",
            "{key: part_no, type: text, label: 料号, required: true}",
        )
        .replace(
            "      - {key: defective_qty, type: integer, label: 不良数量, label_en: Defective quantity, min: 0}\n", ""
        )
        .replace(
            'to_rnd, label: 请研发提示意见, from: [qa_analysis], to: rnd_opinion, roles: [quality], when: "fields.defective_qty > 100 or \\"function\\" in fields.defects"',
            "to_rnd, label: 请研发提示意见, from: [qa_analysis], to: rnd_opinion, roles: [quality], when: '\"function\" in fields.defects'",
        )
    )
    version, created = rulebook_load(text=text, source="v2-second.yaml")
    assert created and version.number == 2
    old.refresh_from_db()
    assert old.rulebook_version.number == 1
    old = step(old, "qa_done", org.quality, cause="模具", responsibility="company")  # v1's name still works
    assert old.fields["defective_qty"] == 5 and old.stage == "proposal"
    with pytest.raises(ApplicationError) as err:
        register(org, customer, "quality_claim", channel="hotline", category="quality", fields={"order_no": "B"})
    assert err.value.extra == {"fields.part_no": ["This field is required."]}
    new = register(
        org, customer, "quality_claim", channel="hotline", category="quality", fields={"order_no": "B", "part_no": "P"}
    )
    new = step(new, "to_qa", org.agent)
    assert new.rulebook_version.number == 2
    with pytest.raises(ApplicationError, match="not a transition"):
        step(new, "qa_done", org.quality, cause="x", responsibility="company")
    assert step(new, "qa_finding", org.quality, cause="x", responsibility="company").stage == "proposal"
