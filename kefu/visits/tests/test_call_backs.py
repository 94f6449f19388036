"""Call-backs after closed cases (subscriber of the case-event seam), deterministic sampling, the
rulebook section's validation, and the follow-up case an unsatisfied answer opens (exactly once)."""

import pytest
from django.utils import timezone

from kefu.cases import events
from kefu.cases.models import Case
from kefu.cases.services import case_transition
from kefu.core.exceptions import ApplicationError
from kefu.rulebooks.schema import RulebookError, parse_rulebook
from kefu.visits.choices import VisitMethod, VisitPurpose
from kefu.visits.models import VisitTask
from kefu.visits.services import in_sample, visit_call_back_for_case, visit_record

from .conftest import rulebook_text


def _close_repair(org, make_case):
    case = make_case("repair", title="暖气不热", description="客户反映卧室暖气片不热。")
    steps = [
        ("route", org.agent, {"unit": org.aftersales.pk, "assignee": org.technician.pk}),
        ("complete", org.technician, {}),
        ("close", org.agent, {}),
    ]
    for name, actor, data in steps:
        case = case_transition(case=case, actor=actor, transition=name, expected_version=case.version, data=data)
    return case


def test_a_closed_repair_gets_one_call_back_by_its_receiver(org, make_case, visits_rulebook):
    case = _close_repair(org, make_case)
    events.dispatch_pending()
    task = VisitTask.objects.get(case=case)
    assert (task.purpose, task.method, task.visitor, task.unit) == (
        VisitPurpose.CALL_BACK,
        VisitMethod.PHONE,
        org.agent,
        org.service,
    )
    # due_days: 3 after the day it closed
    assert (task.due_date - timezone.localdate(case.closed_at)).days == 3
    assert [q["code"] for q in task.questionnaire["questions"]] == [
        "solved",
        "attitude",
        "charged",
        "score",
        "suggestions",
    ]
    # a rerun (the dispatcher again, a second delivery) adds nothing
    assert visit_call_back_for_case(case_id=case.pk) == task
    events.dispatch_pending()
    assert VisitTask.objects.filter(case=case).count() == 1


def test_a_rulebook_without_the_section_makes_no_call_back(org, make_case, no_visits):
    case = _close_repair(org, make_case)
    events.dispatch_pending()
    assert not VisitTask.objects.filter(case=case).exists()


def test_sampling_is_deterministic_and_close_to_the_rulebook_percentages():
    """10% sample, 30% of it on site: over 20,000 numbers KF2612000001… the sample is 10% ± 0.5
    (2,000 ± 100 cases) and the on-site part 30% ± 3 of it; the same number always gets the same answer."""
    numbers = [f"KF2612{i:05d}" for i in range(1, 20_001)]
    sampled = [n for n in numbers if in_sample(n, 10)]
    on_site = [n for n in sampled if in_sample(n, 30, salt="on_site:")]
    assert 1_900 <= len(sampled) <= 2_100
    assert 0.27 <= len(on_site) / len(sampled) <= 0.33
    assert sampled == [n for n in numbers if in_sample(n, 10)]
    assert all(in_sample(n, 100) for n in numbers[:10]) and not any(in_sample(n, 0) for n in numbers[:10])


def test_a_sampled_case_is_called_back_on_site_as_its_number_says(org, make_case, load_visits):
    load_visits(("on_site_percent: 30", "on_site_percent: 100"), ("sample_percent: 10", "sample_percent: 100"))
    case = _close_repair(org, make_case)
    events.dispatch_pending()
    task = VisitTask.objects.get(case=case)
    assert (task.method, task.on_site_signature) == (VisitMethod.ON_SITE, True)


def test_an_unsatisfied_answer_opens_one_follow_up_case_linked_to_the_original(org, make_case, visits_rulebook):
    """D6: attitude 不满意 and score 4 (< unsatisfied_below 6) are unsatisfied: a complaint (category
    attitude, channel phone) is registered with the original as its parent."""
    case = _close_repair(org, make_case)
    events.dispatch_pending()
    task = VisitTask.objects.get(case=case)
    answers = {"solved": "yes", "attitude": "不满意", "charged": "no", "score": 4}
    record = visit_record(task=task, actor=org.agent, expected_version=1, answers=answers, summary="师傅态度生硬")
    assert record.unsatisfied and record.unsatisfied_items == ["attitude", "score"]
    follow_up = Case.objects.get(pk=record.follow_up_case_id)
    assert (follow_up.case_type, follow_up.category, follow_up.channel, follow_up.parent_id) == (
        "complaint",
        "attitude",
        "phone",
        case.pk,
    )
    assert follow_up.title == f"维修回访 {case.number}"
    assert follow_up.description == "维修工态度如何？ 不满意\n请您为我们的服务打分（1–10 分） 4\n师傅态度生硬"
    assert follow_up.customer_id == case.customer_id and follow_up.owner == org.agent
    # the task is done: a second record (a double click, a retry) cannot open another case
    with pytest.raises(ApplicationError):
        visit_record(task=task, actor=org.agent, expected_version=2, answers=answers)
    assert Case.objects.filter(parent=case).count() == 1
    assert task.events.last().data == {"unsatisfied": ["attitude", "score"], "follow_up": follow_up.number}


def _line_of(text: str, fragment: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), start=1) if fragment in line)


def test_a_malformed_question_is_refused_with_its_line():
    text = rulebook_text(("unsatisfied: [不满意]", "unsatisfied: [很差]"))
    with pytest.raises(RulebookError) as refused:
        parse_rulebook(text, source="sc.yaml")
    assert str(refused.value) == (
        f"sc.yaml:{_line_of(text, '很差')}: visits.questionnaires.0.questions.1: "
        "unsatisfied answers ['很差'] are not among the options"
    )


def test_cross_references_are_checked_each_with_its_line():
    text = rulebook_text(
        ("questionnaire: d6\n    follow_up", "questionnaire: d7\n    follow_up"),
        ("category: attitude}", "category: parking}"),
        ("grades: [key]", "grades: [platinum]"),
    )
    with pytest.raises(RulebookError) as refused:
        parse_rulebook(text, source="sc.yaml")
    message = str(refused.value)
    assert (
        f"sc.yaml:{_line_of(text, 'questionnaire: d7')}: visits.call_back.questionnaire: unknown questionnaire 'd7'"
        in message
    )
    assert f"sc.yaml:{_line_of(text, 'parking')}: visits.call_back.follow_up.category:" in message
    assert (
        f"sc.yaml:{_line_of(text, 'platinum')}: visits.plans.2.grades.0: unknown customer grade 'platinum'" in message
    )
