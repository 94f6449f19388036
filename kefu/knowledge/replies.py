"""Reply templates and greetings: safe variable substitution and the holiday opening phrase.

A template is plain text with variables in braces: `{customer_name}` or its Chinese name
`{客户姓名}`. Substitution is a single regular-expression pass over the template: a known variable is
replaced by its value, nothing else happens — no attribute access, no format specs, no template
language — so neither the template nor a customer's name can run anything. An unknown name is refused
when the template is saved; a variable without a value for this case (no deadline yet: no promised
date) is left as 【承诺日期】 for the sender to fill in, and reported.

The greeting follows seed-004 D6 四.1: "节日期间使用统一的开头用语: 元旦、春节 … “新年好!”; 五一劳动节 …
“劳动节快乐!”; 中秋节 … “中秋节快乐!”; 国庆节 … “国庆节快乐!”", with the dates taken from the working
calendar's holidays (kefu.calendars), so the 2026 schedule decides which days say 新年好.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kefu.knowledge.rules import GreetingsDef, ServiceLanguageSection

if TYPE_CHECKING:
    from kefu.cases.models import Case
    from kefu.org.models import User

__all__ = (
    "ALIASES",
    "VARIABLES",
    "Rendered",
    "greeting_for",
    "render_text",
    "service_language_for_rulebook",
    "unknown_variables",
    "values_for_case",
)

VARIABLES = {
    "customer_name": gettext_lazy("customer's name"),
    "case_number": gettext_lazy("case number"),
    "promised_date": gettext_lazy("promised date"),
    "handler_name": gettext_lazy("handler's name"),
    "my_name": gettext_lazy("your name"),
    "agent_no": gettext_lazy("your job number"),
    "greeting": gettext_lazy("greeting of the day"),
    "today": gettext_lazy("today's date"),
}
# The Chinese names a template may use instead.
ALIASES = {
    "客户姓名": "customer_name",
    "工单号": "case_number",
    "承诺日期": "promised_date",
    "处理人": "handler_name",
    "我的姓名": "my_name",
    "工号": "agent_no",
    "问候语": "greeting",
    "今天": "today",
}
_CHINESE = {v: k for k, v in ALIASES.items()}
_VARIABLE = re.compile(r"\{(\w{1,30})\}")
_BRACED = re.compile(r"\{([^{}\s]{1,40})\}")


@dataclass(frozen=True)
class Rendered:
    text: str
    missing: list[str] = field(default_factory=list)  # Chinese names of variables left for the sender


def unknown_variables(body: str) -> list[str]:
    """Names in braces that are not variables (a template with one is refused when saved)."""
    return [m for m in _BRACED.findall(body) if m not in VARIABLES and m not in ALIASES]


def render_text(body: str, values: dict[str, str]) -> Rendered:
    """Replace each known variable by its value in one pass; values are inserted as they are."""
    missing: list[str] = []

    def replace(match: re.Match[str]) -> str:
        name = ALIASES.get(match.group(1), match.group(1))
        if name not in VARIABLES:
            return match.group(0)
        value = values.get(name, "")
        if value:
            return value
        label = _CHINESE.get(name, name)
        if label not in missing:
            missing.append(label)
        return f"【{label}】"

    return Rendered(text=_VARIABLE.sub(replace, body), missing=missing)


def _long_date(day: date) -> str:
    return _("%(year)s-%(month)s-%(day)s") % {"year": day.year, "month": day.month, "day": day.day}


def values_for_case(case: Case, actor: User, *, today: date | None = None) -> dict[str, str]:
    """The variables' values for a reply on `case` written by `actor`."""
    from kefu.sla.selectors import next_deadline_for_cases

    today = today or timezone.localdate()
    clock = next_deadline_for_cases([case.pk]).get(case.pk)
    promised = timezone.localtime(clock.deadline).date() if clock is not None and clock.deadline else None
    handler = case.assignee or actor
    contact = case.contact.name if case.contact_id and case.contact and case.contact.name else ""
    # An anonymous complainant's name is shown only through a logged "show" (001 篇10 第十九条), so a
    # template never fills it in: it stays 【客户姓名】 for the sender to write a salutation.
    customer_name = "" if case.is_anonymous else contact or case.customer.name
    return {
        "customer_name": customer_name,
        "case_number": case.number,
        "promised_date": _long_date(promised) if promised else "",
        "handler_name": str(handler),
        "my_name": str(actor),
        "agent_no": actor.username,
        "greeting": greeting_for(section=_section_of_case(case), day=today),
        "today": _long_date(today),
    }


def _section_of_case(case: Case) -> ServiceLanguageSection | None:
    from kefu.knowledge.taboo import service_language_for_case

    return service_language_for_case(case)[2]


def service_language_for_rulebook(key: str = "") -> ServiceLanguageSection | None:
    """The section of the named rulebook's active version (the default rulebook when `key` is empty)."""
    from kefu.core.exceptions import ApplicationError
    from kefu.rulebooks.selectors import rulebook_for_new_case

    try:
        version = rulebook_for_new_case(key or None)
    except ApplicationError:
        return None
    return version.doc.section("service_language")


def greeting_for(*, section: ServiceLanguageSection | Any | None, day: date) -> str:
    """The opening phrase for `day`: a holiday's (from the calendar's holidays) or the usual one."""
    from kefu.calendars.models import DayKind, SpecialDay

    greetings = section.greetings if section is not None else GreetingsDef()
    if not greetings.holidays:
        return greetings.opening
    reach = max(max(g.days_before, g.days_after) for g in greetings.holidays)
    names = set(
        SpecialDay.objects.filter(
            calendar__key=greetings.calendar,
            kind=DayKind.HOLIDAY,
            date__gte=day - timedelta(days=reach),
            date__lte=day + timedelta(days=reach),
        ).values_list("date", "name")
    )
    for entry in greetings.holidays:
        first, last = day - timedelta(days=entry.days_after), day + timedelta(days=entry.days_before)
        if any(first <= when <= last and name in entry.names for when, name in names):
            return entry.opening
    return greetings.opening
