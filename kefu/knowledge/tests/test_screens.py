"""The knowledge screens and their place on the case page: search prefilled from the case, the template
picker on the reply and note boxes, the inline 服务忌语 warning with its override, call scripts, the
public help centre."""

import pytest
from django.urls import reverse

from kefu.cases.models import Case, CaseNote
from kefu.customers.models import Customer
from kefu.knowledge.choices import Visibility
from kefu.knowledge.models import CallScript, CallScriptStep, Category, ScriptRun, TextCheckOverride
from kefu.knowledge.services import article_create, reply_template_save

pytestmark = pytest.mark.django_db


@pytest.fixture
def kb(org):
    fault = Category.objects.create(name="故障处理", code="faults", case_category="product")
    public = article_create(
        title="发票开具流程",
        body="开具增值税专用发票需要提供单位名称、税号、地址电话和开户行账号。",
        category=fault,
        visibility=Visibility.PUBLIC,
        actor=org.supervisor,
    )
    internal = article_create(
        title="发票退回的内部处理", body="财务退回发票时，先核对税号，再重新开具。", actor=org.supervisor
    )
    return {"fault": fault, "public": public, "internal": internal}


def test_search_from_the_case_page_is_prefilled_with_its_title_and_category(client, org, make_case, kb):
    case = make_case(case_type="inquiry", category="product", title="咨询发票开具")
    client.force_login(org.agent)
    page = client.get(reverse("web:case", args=[case.number])).content.decode()
    assert 'name="q" value="咨询发票开具"' in page  # the knowledge box on the case page
    response = client.get(reverse("knowledge:search"), {"case": case.number})
    html = response.content.decode()
    assert 'value="咨询发票开具"' in html
    assert f'<option value="{kb["fault"].pk}" selected>' in html
    assert "发票开具流程" in html and "发票退回的内部处理" not in html  # narrowed to the case's category


def test_this_solved_it_from_the_article_page(client, org, make_case, kb):
    case = make_case(case_type="inquiry", category="product", title="咨询发票开具")
    client.force_login(org.agent)
    page = client.get(reverse("knowledge:article", args=[kb["public"].pk]), {"case": case.number})
    assert "这篇文章解决了问题" in page.content.decode()
    response = client.post(reverse("knowledge:article_solved", args=[kb["public"].pk]), {"case": case.number})
    assert response.status_code == 302
    kb["public"].refresh_from_db()
    assert kb["public"].solved_count == 1
    # Someone who cannot see the case cannot mark it.
    client.force_login(org.outsider)
    assert (
        client.post(reverse("knowledge:article_solved", args=[kb["public"].pk]), {"case": case.number}).status_code
        == 404
    )


def test_the_case_page_offers_the_templates_filled_in_for_the_case(client, org, make_case):
    reply_template_save(
        actor=org.supervisor,
        name="咨询答复",
        body="{客户姓名}您好，关于工单 {工单号}，{我的姓名}为您解答：",
        case_type="inquiry",
    )
    reply_template_save(actor=org.supervisor, name="投诉专用", body="投诉答复", case_type="complaint")
    case = make_case(case_type="inquiry", category="product")
    client.force_login(org.agent)
    html = client.get(reverse("web:case", args=[case.number])).content.decode()
    assert "咨询答复" in html and "投诉专用" not in html
    assert f'data-text="王建国您好，关于工单 {case.number}，agent为您解答："' in html
    assert 'data-target="id_reply-reply"' in html  # the reply box of the inquiry's reply action
    assert 'data-target="id_op-note-body"' in html  # and the note box


def test_a_reply_with_a_taboo_phrase_is_shown_inline_and_can_be_overridden(client, org, make_case):
    case = make_case(case_type="inquiry", category="product")
    client.force_login(org.agent)
    url = reverse("web:case_transition", args=[case.number, "reply"])
    text = "您好，保修期两年。喂，干什么又打电话？"
    response = client.post(url, {"reply-version": case.version, "reply-reply": text})
    assert response.status_code == 400
    html = response.content.decode()
    assert "<mark" in html and "喂，干什么</mark>" in html
    assert "第 10 个字起“喂，干什么”" in html and "您好，请问有什么可以帮您？" in html  # position and the polite phrase
    assert 'type="checkbox" name="reply-override_text_checks"' in html
    case.refresh_from_db()
    assert case.reply == ""
    response = client.post(
        url, {"reply-version": case.version, "reply-reply": text, "reply-override_text_checks": "on"}
    )
    assert response.status_code == 302
    html = client.get(reverse("web:case", args=[case.number])).content.decode()
    assert "不顾忌语提示仍发送" in html
    from kefu.cases import events

    events.dispatch_pending()
    assert TextCheckOverride.objects.filter(actor=org.agent, case=case).count() == 1


def test_the_override_box_is_hidden_until_a_warning(client, org, make_case):
    case = make_case(case_type="inquiry", category="product")
    client.force_login(org.agent)
    html = client.get(reverse("web:case", args=[case.number])).content.decode()
    assert 'type="hidden" name="reply-override_text_checks"' in html
    assert 'type="checkbox" name="reply-override_text_checks"' not in html


def test_a_customer_note_with_a_taboo_phrase_is_refused_on_the_page(client, org, make_case):
    case = make_case()
    client.force_login(org.agent)
    url = reverse("web:case_operation", args=[case.number, "note"])
    response = client.post(url, {"op-note-body": "那个老太婆又来了", "op-note-visibility": "customer"})
    assert response.status_code == 400
    assert "老太婆</mark>" in response.content.decode()
    assert not CaseNote.objects.filter(case=case).exists()


def test_a_call_script_walks_the_questions_and_registers_the_case(client, org, rulebooks):
    script = CallScript.objects.create(
        name="供暖报修受理",
        code="heating",
        case_type="repair",
        category="fault",
        opening="{问候语}！大龙供暖报修{工号}号为您服务，请问您有什么问题？",
        closing="好！维修人员会尽快跟您联系。感谢您的来电。再见！",
        updated_by=org.supervisor,
    )
    for order, (question, field) in enumerate(
        [
            ("请问您有什么问题？", "description"),
            ("请问您的具体地址？", "address"),
            ("请问您的姓名？", "customer_name"),
            ("请留一下联系电话？", "phone"),
        ]
    ):
        CallScriptStep.objects.create(script=script, order=order, question=question, field=field)
    client.force_login(org.agent)
    page = client.get(reverse("knowledge:script_call", args=["heating"])).content.decode()
    assert "大龙供暖报修agent号为您服务" in page
    answers = {
        "answer_0": "暖气片不热",
        "answer_1": "幸福小区3号楼2单元501",
        "answer_2": "李秀英",
        "answer_3": "13912345678",
    }
    # Not read back: refused, nothing registered.
    response = client.post(reverse("knowledge:script_call", args=["heating"]), answers)
    assert response.status_code == 400
    assert "请向来电人复述" in response.content.decode()
    assert not Case.objects.exists()
    confirmed = {**answers, **{f"confirmed_{i}": "on" for i in range(4)}}
    response = client.post(reverse("knowledge:script_call", args=["heating"]), confirmed)
    assert response.status_code == 302
    case = Case.objects.get()
    assert (case.case_type, case.category, case.title) == ("repair", "fault", "暖气片不热")
    assert "幸福小区3号楼2单元501" in case.description
    assert Customer.objects.get(pk=case.customer_id).name == "李秀英"
    run = ScriptRun.objects.get()
    assert run.case == case and all(a["confirmed"] for a in run.answers)


def test_the_public_help_centre_shows_only_public_articles(client, org, kb):
    html = client.get(reverse("help:search"), {"q": "发票"}).content.decode()
    assert "发票开具流程" in html and "发票退回的内部处理" not in html
    assert client.get(reverse("help:article", args=[kb["public"].pk])).status_code == 200
    assert client.get(reverse("help:article", args=[kb["internal"].pk])).status_code == 404


def test_editors_write_articles_and_each_save_is_a_version(client, org, kb):
    client.force_login(org.agent)
    assert client.get(reverse("knowledge:article_new")).status_code == 403
    client.force_login(org.supervisor)
    url = reverse("knowledge:article_edit", args=[kb["internal"].pk])
    response = client.post(
        url,
        {
            "version": 1,
            "title": "发票退回处理",
            "body": "财务退回发票时，先核对税号和开户行，再重新开具。",
            "tags": "发票，财务",
            "visibility": "internal",
            "status": "published",
            "change_note": "补充开户行",
        },
    )
    assert response.status_code == 302
    kb["internal"].refresh_from_db()
    assert kb["internal"].version == 2
    assert sorted(kb["internal"].tags.values_list("name", flat=True)) == ["发票", "财务"]
    html = client.get(reverse("knowledge:article", args=[kb["internal"].pk])).content.decode()
    assert "补充开户行" in html


def test_the_phrase_list_and_the_override_counts(client, org, rulebooks):
    client.force_login(org.agent)
    html = client.get(reverse("knowledge:phrases")).content.decode()
    assert "叫什么，等一会儿" in html and "请稍等" in html
    assert "仍发送" not in html  # the counts are for supervisors
    client.force_login(org.cs_supervisor)
    assert "仍发送" in client.get(reverse("knowledge:phrases")).content.decode()
