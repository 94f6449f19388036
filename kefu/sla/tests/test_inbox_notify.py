"""`inbox_notify`: any app puts work in front of people; texts are rendered in the reader's language."""

import pytest
from django.core import mail
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext_lazy

from kefu.sla.choices import NoticeKind
from kefu.sla.inbox import inbox_notify, register_message
from kefu.sla.models import Notification

# A real catalog entry ("Work for you" / "待办") stands in for an app's registered title.
register_message("test.work", title=gettext_lazy("Work for you"), body="%(number)s")


def test_each_recipient_gets_one_entry_and_the_actor_none(org, make_case):
    case = make_case()
    made = inbox_notify(
        recipients=[org.handler, org.handler, org.supervisor, org.agent],
        kind=NoticeKind.WORK,
        code="test.work",
        params={"number": case.number},
        case=case,
        url=f"/cases/{case.number}/",
        exclude=[org.agent],
    )
    assert sorted(n.recipient.username for n in made) == ["handler", "supervisor"]
    assert Notification.objects.filter(case=case, recipient=org.handler).count() == 1


def test_inactive_people_are_not_told(org, make_case):
    org.handler.is_active = False
    org.handler.save()
    assert inbox_notify(recipients=[org.handler], kind=NoticeKind.WORK, code="test.work", params={"number": "x"}) == []


def test_the_text_follows_the_readers_language(org):
    (note,) = inbox_notify(recipients=[org.handler], kind=NoticeKind.WORK, code="test.work", params={"number": "KF1"})
    with translation.override("zh-hans"):
        assert note.display_title == "待办"
    with translation.override("en"):
        assert note.display_title == "Work for you"
    assert note.display_body == "KF1"
    assert note.title == "待办"  # stored in the site's language for e-mail


def test_it_is_mailed_after_commit_and_not_at_all_after_a_rollback(org, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        inbox_notify(recipients=[org.handler], kind=NoticeKind.WORK, code="test.work", params={"number": "KF2"})
    assert [m.to for m in mail.outbox] == [["handler@example.com"]]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        inbox_notify(recipients=[org.handler], kind=NoticeKind.WORK, code="test.work", params={"number": "KF3"})
        raise RuntimeError
    assert mail.outbox == []


def test_an_unregistered_code_is_a_programming_error(org):
    with pytest.raises(ValueError):
        inbox_notify(recipients=[org.handler], kind=NoticeKind.WORK, code="nobody.registered", params={})
