"""The 服务忌语 check: one pass over the text, whatever the size of the list.

seeds-000-003 篇4 第十五章 lists the 服务忌语: "带有蔑视性污辱性的称谓，如：老头、老太婆、神经病等等",
"喂，干什么", "叫什么，等一会儿". The organisation keeps its list in the rulebook section
`service_language` (kefu.knowledge.rules); every reply to a customer and every customer-visible note is
checked before it is saved (kefu.cases.textchecks).

How it is fast: the text and the phrases are *normalised* the same way — full-width forms to
half-width, lower case, punctuation and spaces dropped — and the phrases are compiled once per
rulebook version into an Aho–Corasick automaton (pyahocorasick), which finds every phrase in one scan
of the text. Positions are mapped back to the text as written, so the sender sees exactly where.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import ahocorasick
from django.utils.translation import gettext as _

from kefu.cases.textchecks import TextCheckContext, TextFinding

if TYPE_CHECKING:
    from kefu.cases.models import Case
    from kefu.knowledge.rules import ServiceLanguageSection, TabooDef

__all__ = ("TabooHit", "TabooMatcher", "matcher_for_case", "normalise", "service_language_for_case", "taboo_check")

# Full-width ASCII (！ to ～) to ASCII and the ideographic space to a space: one character for one, so
# positions survive.
_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
# What is kept: letters and digits of any script (CJK included). Punctuation, symbols, spaces and "_" go.
_KEEP = re.compile(r"[^\W_]+")


def normalise(text: str) -> tuple[str, list[int], list[int]]:
    """(normalised text, start of each kept run in it, start of the same run in `text`)."""
    folded = text.translate(_WIDTH)
    lower = folded.lower()
    if len(lower) != len(folded):  # a few letters lower-case to two characters (İ): keep those as they are
        lower = "".join(c.lower() if len(c.lower()) == 1 else c for c in folded)
    parts: list[str] = []
    norm_starts: list[int] = []
    orig_starts: list[int] = []
    length = 0
    for match in _KEEP.finditer(lower):
        norm_starts.append(length)
        orig_starts.append(match.start())
        piece = match.group()
        parts.append(piece)
        length += len(piece)
    return "".join(parts), norm_starts, orig_starts


@dataclass(frozen=True, slots=True)
class TabooHit:
    start: int  # in the text as written
    end: int
    entry: int  # index into the section's taboo list


class TabooMatcher:
    """An Aho–Corasick automaton over the normalised phrases of one list."""

    def __init__(self, phrases: Sequence[str]) -> None:
        self._automaton = ahocorasick.Automaton()
        for index, phrase in enumerate(phrases):
            key = normalise(phrase)[0]
            if key and self._automaton.get(key, None) is None:
                self._automaton.add_word(key, (index, len(key)))
        self.size = len(self._automaton)
        if self.size:
            self._automaton.make_automaton()

    def find(self, text: str) -> list[TabooHit]:
        """Longest non-overlapping matches, left to right, with positions in `text`."""
        if not self.size or not text:
            return []
        norm, norm_starts, orig_starts = normalise(text)
        hits = []
        for last, (index, length) in self._automaton.iter_long(norm):
            first = last - length + 1
            hits.append(
                TabooHit(
                    start=_original(first, norm_starts, orig_starts),
                    end=_original(last, norm_starts, orig_starts) + 1,
                    entry=index,
                )
            )
        return hits


def _original(position: int, norm_starts: list[int], orig_starts: list[int]) -> int:
    run = bisect_right(norm_starts, position) - 1
    return orig_starts[run] + position - norm_starts[run]


# --------------------------------------------------------------------------------------------------
# The list that applies to a case, compiled once per rulebook version


def service_language_for_case(case: Case) -> tuple[int, str, ServiceLanguageSection | None]:
    """The `service_language` section of the *active* version of the case's rulebook (version id, sha,
    section). Not the case's pinned version: a phrase the organisation bans today is banned in every
    reply sent from today on, whenever the case was opened."""
    from kefu.rulebooks.models import Rulebook

    pinned = case.rulebook_version
    row = (
        Rulebook.objects.filter(pk=pinned.rulebook_id)
        .values_list("active_version_id", "active_version__sha256")
        .first()
    )
    version_id, sha = row if row and row[0] else (pinned.pk, pinned.sha256)
    return version_id, sha, _section(version_id, sha)


@lru_cache(maxsize=64)
def _section(version_id: int, sha: str) -> ServiceLanguageSection | None:
    from kefu.rulebooks.models import RulebookVersion
    from kefu.rulebooks.selectors import rulebook_doc

    version = RulebookVersion.objects.only("id", "sha256", "document").get(pk=version_id)
    return rulebook_doc(version).section("service_language")


@lru_cache(maxsize=64)
def _matcher(version_id: int, sha: str) -> TabooMatcher | None:
    # Versions are immutable, so (id, checksum) names the list for good.
    section = _section(version_id, sha)
    if section is None or not section.taboo:
        return None
    return TabooMatcher([entry.phrase for entry in section.taboo])


def matcher_for_case(case: Case) -> tuple[TabooMatcher | None, list[TabooDef]]:
    version_id, sha, section = service_language_for_case(case)
    return _matcher(version_id, sha), list(section.taboo) if section else []


def taboo_check(text: str, context: TextCheckContext) -> list[TextFinding]:
    """The registered text check (kefu.cases.textchecks): one finding per taboo phrase in `text`."""
    matcher, entries = matcher_for_case(context.case)
    if matcher is None:
        return []
    findings = []
    for hit in matcher.find(text):
        entry = entries[hit.entry]
        findings.append(
            TextFinding(
                check="knowledge.taboo",
                start=hit.start,
                end=hit.end,
                text=text[hit.start : hit.end],
                message=_("a phrase the service rules forbid") + (f" ({entry.note})" if entry.note else ""),
                suggestion=entry.suggest,
            )
        )
    return findings
