"""The `service_language` rulebook section: the organisation's 服务忌语 (taboo phrases, each with
the polite phrase to use instead), its 文明用语 (preferred phrases) and the opening phrase of a call,
which a holiday replaces (seed-004 D6 四.1: 元旦、春节 “新年好”, 五一 “劳动节快乐”, …).

    service_language:
      taboo:
        - {phrase: "喂，干什么", suggest: "您好，请问有什么可以帮您？", note: 篇4 第十五章 服务忌语 2}
      polite: [您好, 请稍等, …]
      greetings:
        calendar: office            # the working calendar whose holidays decide (kefu.calendars)
        opening: 您好
        holidays:
          - {names: [元旦, 春节], opening: 新年好}

Matching ignores punctuation, spaces, full/half width and letter case, so "喂，干什么", "喂,干什么" and
"喂 干什么" are the same phrase. docs/knowledge.md describes the section.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

if TYPE_CHECKING:
    from kefu.rulebooks.schema import RulebookDoc

__all__ = ("GreetingsDef", "HolidayGreetingDef", "ServiceLanguageSection", "TabooDef", "check_service_language")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TabooDef(_Strict):
    phrase: str = Field(min_length=1, max_length=50)
    suggest: str = Field(default="", max_length=200)
    note: str = Field(default="", max_length=200)

    @field_validator("phrase")
    @classmethod
    def _has_words(cls, value: str) -> str:
        from kefu.knowledge.taboo import normalise

        if not normalise(value)[0]:
            raise ValueError("the phrase has no letters or digits once punctuation and spaces are ignored")
        return value


class HolidayGreetingDef(_Strict):
    names: list[str] = Field(min_length=1)  # holiday names as the calendar has them (春节, 国庆节, …)
    opening: str = Field(min_length=1, max_length=100)
    days_before: int = Field(default=0, ge=0, le=30)  # start using it this many days before the holiday
    days_after: int = Field(default=0, ge=0, le=30)


class GreetingsDef(_Strict):
    calendar: str = "office"
    opening: str = Field(default="您好", min_length=1, max_length=100)
    holidays: list[HolidayGreetingDef] = Field(default_factory=list)


class ServiceLanguageSection(_Strict):
    taboo: list[TabooDef] = Field(default_factory=list, max_length=20_000)
    polite: list[str] = Field(default_factory=list, max_length=1000)
    greetings: GreetingsDef = Field(default_factory=GreetingsDef)


def check_service_language(doc: RulebookDoc, section: Any) -> list[tuple[tuple[Any, ...], str]]:
    """Two taboo entries that are the same phrase once normalised would shadow each other."""
    from kefu.knowledge.taboo import normalise

    problems: list[tuple[tuple[Any, ...], str]] = []
    seen: dict[str, int] = {}
    for i, entry in enumerate(section.taboo):
        key = normalise(entry.phrase)[0]
        if key in seen:
            problems.append((("taboo", i, "phrase"), f"'{entry.phrase}' is the same phrase as taboo[{seen[key]}]"))
        seen.setdefault(key, i)
    for i, holiday in enumerate(section.greetings.holidays):
        for name in holiday.names:
            if not name.strip():
                problems.append((("greetings", "holidays", i, "names"), "a holiday name is empty"))
    return problems
