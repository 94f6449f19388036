"""The customer self-service pages (/portal/) against the service-complaint preset, as a customer
without a staff account uses them: filing, the follow code, the signed link, the answer — and every
refusal the issue names (wrong code, expired link, another customer's case, no enumeration).

Regulation: 篇2 五、客户投诉期限 "一个工作日内展开调查…二个工作日内给予客户满意回复" — the promised dates the
follow page shows; 001 篇10 第十九条 "严禁泄露投诉举报人的姓名、单位、住址等情况" — the anonymity choice."""

import datetime as dt
import re
from urllib.parse import urlparse

import pytest
import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.utils import timezone

from kefu.cases.choices import NoteVisibility
from kefu.cases.models import Case
from kefu.cases.services import case_add_note, case_transition
from kefu.core.exceptions import ApplicationError
from kefu.customers.models import Customer
from kefu.customers.services import customer_create
from kefu.portal.models import OutboxMessage, TrackingCode
from kefu.portal.services import portal_file_case, tracking_link
from kefu.portal.tests.conftest import code_in, csrf, token_of

COMPLAINT = {
    "category": "attitude",
    "title": "维修师傅态度差",
    "description": "十一月二十日上午，师傅上门后不耐烦，没修好就走了。希望公司给个说法。",
    "name": "李秀英",
    "phone": "139-8765-4321",
}


def _png() -> SimpleUploadedFile:
    return SimpleUploadedFile("现场照片.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, content_type="image/png")


def _file(browser, data, case_type="complaint", **files):
    page, token = csrf(browser, f"/portal/new/{case_type}/")
    return browser.post(
        f"/portal/new/{case_type}/",
        {**data, **files, "form_token": token_of(page), "csrfmiddlewaretoken": token},
        follow=True,
    )


def _ask_code(browser, number, phone):
    _page, token = csrf(browser, "/portal/track/")
    return browser.post(
        "/portal/track/", {"step": "ask", "ask-number": number, "ask-phone": phone, "csrfmiddlewaretoken": token}
    )


def _enter_code(browser, number, code):
    _page, token = csrf(browser, "/portal/track/")
    return browser.post(
        "/portal/track/", {"step": "code", "code-number": number, "code-code": code, "csrfmiddlewaretoken": token}
    )


def _link(case) -> str:
    """The path of the case's signed link (the texted link is absolute: KEFU_SITE_URL)."""
    return urlparse(tracking_link(case)).path


def _sent_code(phone="13812345678"):
    return code_in(OutboxMessage.objects.filter(to=phone).latest("pk").body)


def _awaiting_customer(org, case):
    steps = [
        ("establish", org.agent, {}),
        ("route", org.agent, {"unit": org.aftersales.pk, "assignee": org.handler.pk}),
        ("finding", org.handler, {"cause": "技术员迟到两小时", "responsibility": "company"}),
        ("propose_remedy", org.handler, {"remedies": [{"kind": "allowance", "amount": "200"}]}),
        ("approve", org.manager, {}),
        ("reply", org.handler, {"reply": "已向您致歉，并补偿 200 元。"}),
    ]
    for name, actor, data in steps:
        case = case_transition(case=case, actor=actor, transition=name, expected_version=case.version, data=data)
    return case


def test_a_new_customer_files_a_complaint_and_gets_the_number_and_a_texted_link(
    org, rulebooks, browser, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        done = _file(browser, {**COMPLAINT, "email": "li@example.com"}, attachment=_png())
    case = Case.objects.get(title="维修师傅态度差")
    text = done.content.decode()
    assert done.status_code == 200 and case.number in text and "我们已收到" in text
    assert case.channel == "web" and case.category == "attitude" and case.stage == "registered"
    assert case.customer.name == "李秀英" and case.customer.contacts.get().phone == "13987654321"
    assert case.attachments.get().name == "现场照片.png"
    sms = OutboxMessage.objects.get(to="13987654321")
    assert case.number in sms.body and "/portal/t/" in sms.body
    assert mail.outbox[-1].to == ["li@example.com"] and case.number in mail.outbox[-1].body


def test_a_known_customer_is_found_by_the_normalised_phone_and_no_new_file_is_opened(
    org, rulebooks, customer, browser, django_capture_on_commit_callbacks
):
    many = Customer.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        _file(browser, {**COMPLAINT, "name": "王建国", "phone": "138-1234-5678"})
    case = Case.objects.get(title="维修师傅态度差")
    assert case.customer == customer and Customer.objects.count() == many
    assert case.contact == customer.contacts.get()


def test_a_repair_request_has_no_anonymity_choice_and_a_complaint_has_one(org, rulebooks, browser):
    assert 'name="is_anonymous"' in browser.get("/portal/new/complaint/").content.decode()
    repair = browser.get("/portal/new/repair/").content.decode()
    assert 'name="is_anonymous"' not in repair and "故障报修" in repair
    assert browser.get("/portal/new/inquiry/").status_code == 404  # only complaints and repair requests


def test_double_submit_of_one_form_files_one_case(org, rulebooks, browser):
    page, token = csrf(browser, "/portal/new/complaint/")
    data = {**COMPLAINT, "form_token": token_of(page), "csrfmiddlewaretoken": token}
    first = browser.post("/portal/new/complaint/", data)
    second = browser.post("/portal/new/complaint/", data)
    assert first.status_code == second.status_code == 302
    assert Case.objects.filter(title="维修师傅态度差").count() == 1
    assert Customer.objects.filter(name="李秀英").count() == 1


def test_too_long_text_and_a_disguised_file_are_refused_and_nothing_is_filed(org, rulebooks, browser):
    long_title = _file(browser, {**COMPLAINT, "title": "长" * 201})
    assert long_title.status_code == 200 and "has-error" in long_title.content.decode()
    exe = SimpleUploadedFile("照片.png", b"MZ\x90\x00" + b"\x00" * 200, content_type="image/png")
    refused = _file(browser, COMPLAINT, attachment=exe)
    assert refused.status_code == 200 and "has-error" in refused.content.decode()
    assert not Case.objects.exists() and not Customer.objects.filter(name="李秀英").exists()
    assert not OutboxMessage.objects.exists()


def test_the_text_is_sent_only_after_commit_and_not_at_all_for_a_refused_filing(
    org, rulebooks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with transaction.atomic():
            case, _ = portal_file_case(**{k: v for k, v in COMPLAINT.items()}, case_type="complaint")
            assert not OutboxMessage.objects.exists()  # still inside the filing's transaction
    assert not OutboxMessage.objects.exists()
    for callback in callbacks:
        callback()
    assert case.number in OutboxMessage.objects.get().body
    with django_capture_on_commit_callbacks(execute=True) as refused:
        with pytest.raises(ApplicationError):
            portal_file_case(**{**COMPLAINT, "phone": "13700001111", "category": "fault"}, case_type="complaint")
    assert refused == [] and OutboxMessage.objects.count() == 1
    assert not Customer.objects.filter(contacts__phone="13700001111").exists()  # rolled back with the case


def test_the_code_flow_shows_the_stage_promised_dates_and_only_the_reply_meant_for_the_customer(
    org, make_case, browser, django_capture_on_commit_callbacks
):
    case = _awaiting_customer(org, make_case())
    case_add_note(
        case=case, actor=org.handler, body="内部：技术员张三本月第二次迟到", visibility=NoteVisibility.INTERNAL
    )
    with django_capture_on_commit_callbacks(execute=True):
        asked = _ask_code(browser, case.number.lower(), "138 1234 5678")
    assert "6 位验证码已发往该手机，10 分钟内有效" in asked.content.decode()
    code = _sent_code()
    assert not TrackingCode.objects.filter(code_hash__contains=code).exists()  # only the keyed hash is kept
    opened = _enter_code(browser, case.number, code)
    assert opened.status_code == 302 and opened["Location"] == f"/portal/case/{case.number}/"
    text = browser.get(opened["Location"]).content.decode()
    assert "待客户确认" in text and "awaiting_customer" not in text
    assert "已向您致歉，并补偿 200 元。" in text
    assert "技术员张三" not in text and "handler" not in text
    assert "我接受" in text and "我不接受" in text
    # The code is used up: another browser cannot open the case with it.
    assert _enter_code(Client(enforce_csrf_checks=True), case.number, code).status_code == 200


def test_promised_dates_are_the_running_clocks_deadlines(org, make_case, browser):
    case = make_case()
    browser.get(_link(case))
    text = browser.get(f"/portal/case/{case.number}/").content.decode()
    deadline = timezone.localtime(case.clocks.get(key="reply").deadline)
    assert "满意答复" in text and deadline.strftime("%Y-%m-%d %H:%M") in text
    assert "已受理" in text


def test_a_wrong_code_five_times_locks_it_and_the_right_code_is_then_refused(
    org, make_case, browser, django_capture_on_commit_callbacks, settings
):
    settings.KEFU_PORTAL_CASE_RATE = 50
    case = make_case()
    with django_capture_on_commit_callbacks(execute=True):
        _ask_code(browser, case.number, "13812345678")
    code = _sent_code()
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(5):
        refused = _enter_code(browser, case.number, wrong)
        assert refused.status_code == 200 and "验证码不正确" in refused.content.decode()
    assert TrackingCode.objects.get(case=case).locked
    assert _enter_code(browser, case.number, code).status_code == 200  # locked: the page again, no case


def test_an_expired_code_is_refused(org, make_case, browser, django_capture_on_commit_callbacks):
    case = make_case()
    with django_capture_on_commit_callbacks(execute=True):
        _ask_code(browser, case.number, "13812345678")
    code = _sent_code()
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=11)):
        assert _enter_code(browser, case.number, code).status_code == 200
    assert browser.get(f"/portal/case/{case.number}/").status_code == 302


def test_another_customers_phone_gets_no_code_and_the_same_answer(
    org, make_case, browser, django_capture_on_commit_callbacks
):
    case = make_case()
    customer_create(name="赵六", phone="13600002222", contact_name="赵六")
    with django_capture_on_commit_callbacks(execute=True):
        theirs = _ask_code(browser, case.number, "13600002222")
        mine = _ask_code(browser, case.number, "13812345678")
    assert list(OutboxMessage.objects.values_list("to", flat=True)) == ["13812345678"]
    assert _strip(theirs) == _strip(mine)


def _strip(response) -> str:
    """The page without the parts that differ per request (CSRF token)."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def test_no_enumeration_an_unknown_number_and_a_wrong_code_get_the_same_page(
    org, make_case, browser, django_capture_on_commit_callbacks
):
    case = make_case()
    with django_capture_on_commit_callbacks(execute=True):
        asked_known = _ask_code(browser, case.number, "13812345678")
        asked_unknown = _ask_code(browser, "KF999900001", "13812345678")
    assert _strip(asked_known) == _strip(asked_unknown).replace("KF999900001", case.number)
    known = _enter_code(browser, case.number, "000000" if _sent_code() != "000000" else "111111")
    unknown = _enter_code(browser, "KF999900001", "123456")
    assert known.status_code == unknown.status_code == 200
    assert _strip(known).replace(case.number, "N") == _strip(unknown).replace("KF999900001", "N")


def test_the_signed_link_opens_the_case_and_a_tampered_or_expired_one_does_not(org, make_case, browser):
    case = make_case()
    link = _link(case)
    tampered = link[:-3] + ("AAA" if not link.endswith("AAA/") else "BBB") + "/"
    assert browser.get(tampered).status_code == 410
    assert browser.get(f"/portal/case/{case.number}/").status_code == 302
    with time_machine.travel(timezone.now() + dt.timedelta(days=31)):
        assert browser.get(link).status_code == 410
    opened = browser.get(link)
    assert opened.status_code == 302 and browser.get(opened["Location"]).status_code == 200


def test_a_link_for_a_case_does_not_open_another_case(org, make_case, browser):
    mine, other = make_case(), make_case(title="另一件事")
    browser.get(_link(mine))
    assert browser.get(f"/portal/case/{mine.number}/").status_code == 200
    assert browser.get(f"/portal/case/{other.number}/").status_code == 302


def test_the_customer_accepts_on_the_page(org, make_case, browser):
    case = _awaiting_customer(org, make_case())
    browser.get(_link(case))
    page, token = csrf(browser, f"/portal/case/{case.number}/")
    done = browser.post(
        f"/portal/case/{case.number}/answer/",
        {"answer": "accept", "version": case.version, "csrfmiddlewaretoken": token},
        follow=True,
    )
    case.refresh_from_db()
    assert case.customer_accepted is True and case.stage == "return_visit"
    assert "回访" in done.content.decode() and "我接受" not in done.content.decode()


def test_the_customer_rejects_with_a_reason_and_the_follow_up_case_opens(
    org, make_case, browser, django_capture_on_commit_callbacks
):
    case = _awaiting_customer(org, make_case())
    browser.get(_link(case))
    _page, token = csrf(browser, f"/portal/case/{case.number}/")
    url = f"/portal/case/{case.number}/answer/"
    empty = browser.post(url, {"answer": "reject", "version": case.version, "csrfmiddlewaretoken": token})
    assert empty.status_code == 400 and not case.follow_ups.exists()
    with django_capture_on_commit_callbacks(execute=True):
        done = browser.post(
            url,
            {"answer": "reject", "reason": "补偿太少", "version": case.version, "csrfmiddlewaretoken": token},
            follow=True,
        )
    follow_up = case.follow_ups.get()
    assert follow_up.description == "补偿太少" and follow_up.number in done.content.decode()
    assert follow_up.number in OutboxMessage.objects.get(case=follow_up).body


def test_forms_need_the_csrf_token(org, make_case, browser):
    case = make_case()
    assert (
        browser.post("/portal/track/", {"step": "ask", "ask-number": case.number, "ask-phone": "x"}).status_code == 403
    )
    assert browser.post("/portal/new/complaint/", COMPLAINT).status_code == 403


def test_rate_limits_per_case_number_and_per_address(org, make_case, browser, settings):
    settings.KEFU_PORTAL_CASE_RATE = 3
    settings.KEFU_PORTAL_RATE = 6
    case = make_case()
    statuses = [_enter_code(browser, case.number, "123456").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    others = [_enter_code(browser, f"KF99990000{i}", "123456").status_code for i in range(3)]
    assert others[-1] == 429  # the address has made 7 posts


def test_the_portal_opens_survey_links_on_the_visits_answer_page(org, rulebooks, browser):
    _page, token = csrf(browser, "/portal/")
    answer = browser.post("/portal/survey/", {"token": "abcDEF123_-x", "csrfmiddlewaretoken": token})
    assert answer.status_code == 302 and answer["Location"] == "/s/abcDEF123_-x/"
    assert browser.post("/portal/survey/", {"token": "../x", "csrfmiddlewaretoken": token}).status_code == 400
