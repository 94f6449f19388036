"""Writes of the knowledge app: articles (each edit a new version), "this solved it", reply templates,
call scripts and scripted calls. Each service runs in one transaction and checks who may do it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.core.exceptions import ApplicationError, ConflictError, FieldErrors, ForbiddenError
from kefu.knowledge.choices import EDITOR_ROLES, ArticleStatus, ScriptField, TemplatePurpose, Visibility
from kefu.knowledge.models import (
    MAX_BODY,
    Article,
    ArticleSolved,
    ArticleVersion,
    CallScript,
    Category,
    ReplyTemplate,
    ScriptRun,
    Tag,
)
from kefu.knowledge.replies import unknown_variables
from kefu.knowledge.search import index_words
from kefu.org.models import User

__all__ = (
    "article_create",
    "article_mark_solved",
    "article_restore",
    "article_update",
    "is_editor",
    "may_edit_article",
    "reads_internal",
    "reply_template_save",
    "script_call_register",
    "script_opening",
    "script_run_record",
)

MAX_TAGS = 20
_ARTICLE_FIELDS = ("title", "summary", "body", "category", "tags", "visibility", "status", "owner", "review_due")


def is_editor(user: Any) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or user.role in EDITOR_ROLES))


def reads_internal(user: Any) -> bool:
    """Internal knowledge (internal articles, reply templates, call scripts) is for staff: active
    accounts with a role. An account without one (not set up yet, or a role taken away) reads only
    what the public help centre shows."""
    return bool(user.is_authenticated and user.is_active and (user.is_superuser or user.role))


def may_edit_article(user: Any, article: Article) -> bool:
    return is_editor(user) or (user.is_authenticated and article.owner_id == user.pk)


def _clean_article(errors: FieldErrors, values: dict[str, Any]) -> None:
    title = str(values.get("title") or "").strip()
    if not title:
        errors.add("title", _("This field is required."))
    elif len(title) > 200:
        errors.add("title", _("At most %(n)s characters.") % {"n": 200})
    values["title"] = title
    body = str(values.get("body") or "").strip()
    if not body:
        errors.add("body", _("This field is required."))
    elif len(body) > MAX_BODY:
        errors.add("body", _("At most %(n)s characters.") % {"n": MAX_BODY})
    values["body"] = body
    summary = str(values.get("summary") or "").strip()
    if len(summary) > 500:
        errors.add("summary", _("At most %(n)s characters.") % {"n": 500})
    values["summary"] = summary
    if values.get("visibility") not in Visibility.values:
        errors.add("visibility", _("Choose one of: %(choices)s.") % {"choices": ", ".join(Visibility.values)})
    if values.get("status") not in ArticleStatus.values:
        errors.add("status", _("Choose one of: %(choices)s.") % {"choices": ", ".join(ArticleStatus.values)})
    category = values.get("category")
    if category is not None and not isinstance(category, Category):
        errors.add("category", _("Unknown category."))
    review_due = values.get("review_due")
    if review_due is not None and not isinstance(review_due, date):
        errors.add("review_due", _("Enter a date."))
    tags = [str(t).strip() for t in values.get("tags") or [] if str(t).strip()]
    if len(tags) > MAX_TAGS:
        errors.add("tags", _("At most %(n)s tags.") % {"n": MAX_TAGS})
    if any(len(t) > 40 for t in tags):
        errors.add("tags", _("A tag has at most %(n)s characters.") % {"n": 40})
    values["tags"] = list(dict.fromkeys(tags))
    owner = values.get("owner")
    if owner is not None and not owner.is_active:
        errors.add("owner", _("This person is no longer active."))


def _tags(names: Sequence[str]) -> list[Tag]:
    existing = {t.name: t for t in Tag.objects.filter(name__in=names)}
    missing = [Tag(name=n) for n in names if n not in existing]
    if missing:
        Tag.objects.bulk_create(missing, ignore_conflicts=True)
        existing = {t.name: t for t in Tag.objects.filter(name__in=names)}
    return [existing[n] for n in names]


def _index(article: Article, tag_names: Iterable[str]) -> None:
    category = article.category.name if article.category_id and article.category else ""
    article.search_title = index_words(article.title, " ".join(tag_names), category)
    article.search_body = index_words(article.summary, article.body)


def _snapshot(article: Article, tag_names: list[str], actor: User, change_note: str) -> ArticleVersion:
    return ArticleVersion.objects.create(
        article=article,
        number=article.version,
        title=article.title,
        summary=article.summary,
        body=article.body,
        category_name=article.category.name if article.category_id and article.category else "",
        tag_names=tag_names,
        visibility=article.visibility,
        status=article.status,
        edited_by=actor,
        change_note=change_note[:200],
    )


@transaction.atomic
def article_create(
    *,
    title: str,
    body: str,
    actor: User,
    summary: str = "",
    category: Category | None = None,
    tags: Sequence[str] = (),
    visibility: str = Visibility.INTERNAL,
    status: str = ArticleStatus.PUBLISHED,
    owner: User | None = None,
    review_due: date | None = None,
    change_note: str = "",
) -> Article:
    """A new article (version 1); its owner answers for keeping it current (review date)."""
    if not is_editor(actor):
        raise ForbiddenError(_("Only supervisors, managers, quality staff and administrators write articles."))
    values: dict[str, Any] = dict(
        title=title,
        body=body,
        summary=summary,
        category=category,
        tags=list(tags),
        visibility=visibility,
        status=status,
        owner=owner or actor,
        review_due=review_due,
    )
    errors = FieldErrors()
    _clean_article(errors, values)
    errors.raise_if_any(_("The article was not saved."))
    tag_names = values.pop("tags")
    article = Article(**values, version=1)
    if article.status == ArticleStatus.PUBLISHED:
        article.published_at = timezone.now()
    _index(article, tag_names)
    article.save()
    article.tags.set(_tags(tag_names))
    _snapshot(article, tag_names, actor, change_note or _("Created"))
    return article


@transaction.atomic
def article_update(
    *, article: Article, expected_version: int | None, actor: User, change_note: str = "", **changes: Any
) -> Article:
    """Change an article: the changed text becomes a new version; every older version is kept.

    `changes` may name title, summary, body, category, tags, visibility, status, owner, review_due.
    A stale `expected_version` (someone saved in between) is refused with 409 and nothing is written.
    """
    unknown = set(changes) - set(_ARTICLE_FIELDS)
    if unknown:
        raise ApplicationError(_("Unknown field(s): %(names)s.") % {"names": ", ".join(sorted(unknown))})
    article = Article.objects.select_for_update(of=("self",)).select_related("category").get(pk=article.pk)
    if not may_edit_article(actor, article):
        raise ForbiddenError(_("Only the article's owner or an editor may change it."))
    if expected_version is not None and article.version != expected_version:
        raise ConflictError(
            _("Someone saved this article in the meantime (you edited version %(seen)s, it is now %(current)s).")
            % {"seen": expected_version, "current": article.version},
            extra={"version": [_("Current version is %(current)s.") % {"current": article.version}]},
        )
    current_tags = list(article.tags.order_by("name").values_list("name", flat=True))
    values: dict[str, Any] = {name: getattr(article, name) for name in _ARTICLE_FIELDS if name != "tags"}
    values["tags"] = current_tags
    values.update(changes)
    errors = FieldErrors()
    _clean_article(errors, values)
    errors.raise_if_any(_("The article was not saved."))
    tag_names = values.pop("tags")
    was_published = article.status == ArticleStatus.PUBLISHED
    for name, value in values.items():
        setattr(article, name, value)
    if article.status == ArticleStatus.PUBLISHED and not was_published:
        article.published_at = timezone.now()
    article.version += 1
    _index(article, tag_names)
    article.save()
    if tag_names != current_tags:
        article.tags.set(_tags(tag_names))
    _snapshot(article, tag_names, actor, change_note)
    return article


@transaction.atomic
def article_restore(*, article: Article, number: int, expected_version: int | None, actor: User) -> Article:
    """Bring back the text of an older version, as a new version."""
    old = ArticleVersion.objects.filter(article=article, number=number).first()
    if old is None:
        raise ApplicationError(
            _("No such version."), extra={"number": [_("This article has no version %(n)s.") % {"n": number}]}
        )
    category = Category.objects.filter(name=old.category_name).first() if old.category_name else None
    return article_update(
        article=article,
        expected_version=expected_version,
        actor=actor,
        change_note=_("Restored version %(n)s") % {"n": number},
        title=old.title,
        summary=old.summary,
        body=old.body,
        category=category,
        tags=old.tag_names,
        visibility=old.visibility,
    )


@transaction.atomic
def article_mark_solved(*, article: Article, case: Any, actor: User) -> bool:
    """ "This article solved it" for `case`: counted once per article and case, and noted in the case's
    history. Returns False (and changes nothing) when it was already marked for this case."""
    from kefu.cases.changes import case_lock, case_record_change, ensure_may_act
    from kefu.cases.choices import EventKind
    from kefu.cases.models import Case

    if not Case.objects.visible_to(actor).filter(pk=case.pk).exists():
        raise ForbiddenError(_("You cannot see this case."))
    if article.status != ArticleStatus.PUBLISHED:
        raise ApplicationError(_("Only a published article can be marked as the solution."))
    locked = case_lock(case, expected_version=None)
    # It writes to the case's history, so the same rule as any change: not by someone who only
    # received it (after a transfer) nor by the person it complains about.
    ensure_may_act(locked, actor)
    try:
        with transaction.atomic():
            ArticleSolved.objects.create(article=article, case=locked, marked_by=actor)
    except IntegrityError:
        return False
    Article.objects.filter(pk=article.pk).update(solved_count=F("solved_count") + 1)
    case_record_change(
        locked,
        actor=actor,
        kind=EventKind.ACTIVITY,
        message=_("Knowledge article “%(title)s” solved it.") % {"title": article.title},
        data={"source": "knowledge", "article": article.pk},
    )
    return True


@transaction.atomic
def reply_template_save(
    *,
    actor: User,
    name: str,
    body: str,
    template: ReplyTemplate | None = None,
    purpose: str = TemplatePurpose.ANY,
    rulebook: str = "",
    case_type: str = "",
    stage: str = "",
    sort: int = 0,
    is_active: bool = True,
) -> ReplyTemplate:
    """Create or change a reply template. Unknown variables in braces are refused."""
    if not is_editor(actor):
        raise ForbiddenError(_("Only supervisors, managers, quality staff and administrators edit templates."))
    errors = FieldErrors()
    name, body = name.strip(), body.strip()
    if not name:
        errors.add("name", _("This field is required."))
    elif len(name) > 80:
        errors.add("name", _("At most %(n)s characters.") % {"n": 80})
    if not body:
        errors.add("body", _("This field is required."))
    elif len(body) > 5000:
        errors.add("body", _("At most %(n)s characters.") % {"n": 5000})
    bad = unknown_variables(body)
    if bad:
        errors.add("body", _("Unknown variable(s): %(names)s.") % {"names": ", ".join("{" + b + "}" for b in bad)})
    if purpose not in TemplatePurpose.values:
        errors.add("purpose", _("Choose one of: %(choices)s.") % {"choices": ", ".join(TemplatePurpose.values)})
    for key, value in (("rulebook", rulebook), ("case_type", case_type), ("stage", stage)):
        if len(value) > (60 if key == "rulebook" else 40):
            errors.add(key, _("Too long."))
    errors.raise_if_any(_("The template was not saved."))
    if template is None:
        template = ReplyTemplate(updated_by=actor)
    else:
        template = ReplyTemplate.objects.select_for_update().get(pk=template.pk)
    for key, value in dict(
        name=name, body=body, purpose=purpose, rulebook=rulebook, case_type=case_type, stage=stage, sort=sort
    ).items():
        setattr(template, key, value)
    template.is_active = is_active
    template.updated_by = actor
    template.save()
    return template


@transaction.atomic
def script_run_record(
    *, script: CallScript, actor: User, greeting: str, answers: list[dict[str, Any]], case: Any = None
) -> ScriptRun:
    """Keep the record of a call taken with a script: which questions were answered and read back."""
    errors = FieldErrors()
    steps = list(script.steps.all())
    if len(answers) != len(steps):
        raise ApplicationError(_("Answer every question of the script."))
    for i, (step, answer) in enumerate(zip(steps, answers, strict=True)):
        text = str(answer.get("answer") or "").strip()
        if step.required and not text:
            errors.add(f"answer_{i}", _("This question is mandatory."))
        if len(text) > 2000:
            errors.add(f"answer_{i}", _("At most %(n)s characters.") % {"n": 2000})
        if step.read_back and text and not answer.get("confirmed"):
            errors.add(f"confirmed_{i}", _("Read the answer back to the caller and tick when they confirm it."))
    errors.raise_if_any(_("The call is not complete."))
    return ScriptRun.objects.create(
        script=script,
        agent=actor,
        greeting=greeting[:500],
        answers=[
            {
                "question": step.question,
                "field": step.field or ScriptField.NONE,
                "answer": str(answer.get("answer") or "").strip(),
                "confirmed": bool(answer.get("confirmed")),
            }
            for step, answer in zip(steps, answers, strict=True)
        ],
        case=case,
    )


def script_opening(*, script: CallScript, actor: User, day: date | None = None) -> str:
    """The script's opening line for today: its {greeting} is the holiday one on a holiday."""
    from kefu.knowledge.replies import greeting_for, render_text, service_language_for_rulebook

    day = day or timezone.localdate()
    values = {
        "greeting": greeting_for(section=service_language_for_rulebook(script.rulebook), day=day),
        "my_name": str(actor),
        "agent_no": actor.username,
        "today": f"{day:%Y-%m-%d}",
    }
    return render_text(script.opening, values).text


@transaction.atomic
def script_call_register(
    *, script: CallScript, actor: User, answers: list[dict[str, Any]], channel: str = "hotline"
) -> ScriptRun:
    """A call taken with the script becomes a case: the answers (each read back and confirmed) fill
    the case and, for a caller who is not on file, a new customer file (seed-004 D6 四.1)."""
    from django.core.exceptions import ValidationError

    from kefu.cases.services import case_register
    from kefu.customers.models import Contact
    from kefu.customers.services import customer_create
    from kefu.customers.validators import normalize_phone

    run = script_run_record(
        script=script, actor=actor, greeting=script_opening(script=script, actor=actor), answers=answers
    )
    given = {a["field"]: a["answer"] for a in run.answers if a["field"] and a["answer"]}
    problem = given.get("description", "")
    if not problem:
        raise ApplicationError(_("The script has no question for the problem description."))
    phone = given.get("phone", "")
    contact = Contact.objects.filter(phone=normalize_phone(phone)).select_related("customer").first() if phone else None
    if contact is not None:
        customer = contact.customer
    else:
        try:
            customer = customer_create(
                name=given.get("customer_name") or _("Caller"), phone=phone, address=given.get("address", "")
            )
        except ValidationError as exc:
            raise ApplicationError(_("The phone number is not valid."), extra={"phone": exc.messages})
    lines = [f"{a['question']} {a['answer']}" + (" ✓" if a["confirmed"] else "") for a in run.answers if a["answer"]]
    case, _created = case_register(
        actor=actor,
        rulebook_key=script.rulebook or None,
        case_type=script.case_type,
        category=script.category,
        channel=channel,
        customer=customer,
        title=problem[:60],
        description="\n".join(lines),
        customer_request=given.get("customer_request", ""),
    )
    run.case = case
    run.save(update_fields=["case"])
    return run
