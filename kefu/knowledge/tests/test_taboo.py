"""The 服务忌语 check on everything a customer reads (kefu.cases.textchecks + kefu.knowledge.taboo).

seeds-000-003 篇4 第十五章 客户服务用语, 服务忌语: "1 带有蔑视性污辱性的称谓，如：老头、老太婆、神经病等等
2 喂，干什么 3 叫什么，等一会儿". Every reply to a customer and every customer-visible note is checked
before it is saved; a hit is refused and shown where it is, unless the sender overrides it, which is
recorded in the case history and counted for the sender's appraisal.
"""

import pytest

from kefu.cases import events
from kefu.cases.choices import NoteVisibility
from kefu.cases.models import CaseNote
from kefu.cases.services import case_add_note, case_transition
from kefu.cases.textchecks import TextCheckError
from kefu.knowledge.models import TextCheckOverride
from kefu.knowledge.taboo import TabooMatcher, normalise
from kefu.rulebooks.services import PRESET_DIR, rulebook_load

PRESET_PHRASES = ["老头", "老太婆", "神经病", "喂，干什么", "叫什么，等一会儿"]
# The preset's examples of 003 规章制度2 一.7 三不 (不使用生硬语言，不说推卸责任的话，不责备、埋怨客户).
THREE_DONTS = ["不归我管", "跟我没关系", "你自己看着办", "早就告诉过你了"]


def to_reply(org, make_case):
    case = make_case()
    for name, actor, data in [
        ("establish", org.agent, {}),
        ("route", org.agent, {"unit": org.aftersales.pk, "assignee": org.handler.pk}),
        ("finding", org.handler, {"cause": "技术员迟到", "responsibility": "company"}),
        ("propose_remedy", org.handler, {"remedies": [{"kind": "apology", "amount": "0"}]}),
        ("approve", org.manager, {}),
    ]:
        case = case_transition(case=case, actor=actor, transition=name, expected_version=case.version, data=data)
    return case


@pytest.mark.parametrize("phrase", PRESET_PHRASES + THREE_DONTS)
def test_each_listed_phrase_is_refused_inside_a_longer_reply(org, make_case, phrase):
    case = to_reply(org, make_case)
    reply = f"王先生您好，关于您反映的问题，{phrase}，我们已经安排维修人员明天上门。"
    with pytest.raises(TextCheckError) as refused:
        case_transition(
            case=case, actor=org.handler, transition="reply", expected_version=case.version, data={"reply": reply}
        )
    finding = refused.value.findings[0]
    assert reply[finding.start : finding.end] == phrase
    assert finding.suggestion  # the polite alternative from the preset
    assert refused.value.status_code == 400
    assert "reply" in refused.value.extra
    case.refresh_from_db()
    assert case.stage == "replying" and case.reply == ""  # nothing was saved
    assert not CaseNote.objects.filter(case=case).exists()


@pytest.mark.parametrize(
    "written",
    ["喂,干什么", "喂，干什么", "喂 干什么", "喂！干什么", "喂，干什么", "叫什么等一会儿", "叫什么 , 等一会儿"],
)
def test_punctuation_width_and_spaces_do_not_hide_a_phrase(written):
    matcher = TabooMatcher(PRESET_PHRASES)
    text = "您好。" + written + "？谢谢"
    hits = matcher.find(text)
    assert len(hits) == 1
    assert text[hits[0].start : hits[0].end] == written


def test_positions_are_those_of_the_text_as_written():
    matcher = TabooMatcher(["老头", "喂，干什么"])
    text = "ＡＢ，老 头！  喂,干什么"
    hits = matcher.find(text)
    assert [(text[h.start : h.end], h.entry) for h in hits] == [("老 头", 0), ("喂,干什么", 1)]
    assert normalise("ＡＢ，Ｃ")[0] == "abc"


def test_the_override_sends_the_reply_and_is_recorded_and_counted(org, make_case):
    case = to_reply(org, make_case)
    case = case_transition(
        case=case,
        actor=org.handler,
        transition="reply",
        expected_version=case.version,
        data={"reply": "喂，干什么？已经给你处理好了。", "override_text_checks": True},
    )
    assert case.stage != "replying" and case.reply.startswith("喂")
    event = case.events.order_by("-id").first()
    assert event.data["text_check_override"][0]["text"] == "喂，干什么"
    events.dispatch_pending()
    override = TextCheckOverride.objects.get()
    assert (override.actor, override.case, override.phrases, override.event_id) == (
        org.handler,
        case,
        ["喂，干什么"],
        event.pk,
    )


def test_a_customer_visible_note_is_checked_and_an_internal_one_is_not(org, make_case):
    case = make_case()
    with pytest.raises(TextCheckError) as refused:
        case_add_note(case=case, actor=org.agent, body="这个老头又来电话了", visibility=NoteVisibility.CUSTOMER)
    assert refused.value.findings[0].text == "老头"
    assert not CaseNote.objects.filter(case=case).exists()
    # A note only staff read is not a text to the customer.
    case_add_note(case=case, actor=org.agent, body="这个老头又来电话了", visibility=NoteVisibility.INTERNAL)
    case_add_note(
        case=case, actor=org.agent, body="老头", visibility=NoteVisibility.CUSTOMER, override_text_checks=True
    )
    assert CaseNote.objects.filter(case=case).count() == 2
    events.dispatch_pending()
    assert TextCheckOverride.objects.filter(actor=org.agent).count() == 1


def test_a_not_established_answer_to_the_customer_is_checked_too(org, make_case):
    case = make_case()
    with pytest.raises(TextCheckError):
        case_transition(
            case=case,
            actor=org.agent,
            transition="not_established",
            expected_version=case.version,
            data={"reason": "经核实与我们无关，这事不归我管。"},
        )


def test_the_list_is_the_rulebooks_and_a_new_version_applies_at_once(org, make_case):
    """A phrase added to the rulebook is banned in every reply from then on, also on cases opened under
    the previous version (the automaton is cached per rulebook version)."""
    case = make_case()
    text = "您先回去等通知吧"
    case_add_note(case=case, actor=org.agent, body=text, visibility=NoteVisibility.CUSTOMER)
    source = (PRESET_DIR / "service-complaint.yaml").read_text(encoding="utf-8")
    source = source.replace(
        "  taboo:\n", "  taboo:\n    - {phrase: 回去等通知, suggest: 我们会在两个工作日内给您答复}\n", 1
    )
    rulebook_load(text=source, source="edited")
    with pytest.raises(TextCheckError) as refused:
        case_add_note(case=case, actor=org.agent, body=text, visibility=NoteVisibility.CUSTOMER)
    assert refused.value.findings[0].suggestion == "我们会在两个工作日内给您答复"


def test_api_refusal_lists_each_hit_with_position_and_suggestion(org, make_case, api):
    case = make_case()
    response = api(org.agent).post(
        f"/api/v1/cases/{case.pk}/notes/", {"body": "您好，神经病吧", "visibility": "customer"}, format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["text_checks"] == [
        {
            "check": "knowledge.taboo",
            "start": 3,
            "end": 6,
            "text": "神经病",
            "message": body["text_checks"][0]["message"],
            "suggestion": "我理解您的心情，请您不要着急",
        }
    ]
    assert "神经病" in body["errors"]["body"][0]
    response = api(org.agent).post(
        f"/api/v1/cases/{case.pk}/notes/",
        {"body": "您好，神经病吧", "visibility": "customer", "override_text_checks": True},
        format="json",
    )
    assert response.status_code == 201
