"""Rulebook sections contributed by other apps: validated with lines, stored with the version, read back."""

import pytest
from pydantic import BaseModel, ConfigDict, Field

from kefu.rulebooks.schema import RulebookError, parse_rulebook
from kefu.rulebooks.sections import register_section, unregister_section
from kefu.rulebooks.selectors import rulebook_for_new_case
from kefu.rulebooks.services import rulebook_load
from kefu.rulebooks.tests.test_schema import BASE


class CallBackRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    case_type: str
    sample_percent: int = Field(ge=1, le=100)


class VisitsSection(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    call_backs: list[CallBackRule] = Field(min_length=1)


def check_visits(doc, section: VisitsSection):
    return [
        (("call_backs", i, "case_type"), f"unknown case type '{rule.case_type}'")
        for i, rule in enumerate(section.call_backs)
        if rule.case_type not in doc.case_types
    ]


@pytest.fixture
def visits_section():
    # A section of the test's own, not the real apps' `visits` (kefu.visits), which must stay registered.
    register_section("sample_visits", VisitsSection, check=check_visits)
    yield
    unregister_section("sample_visits")


SECTION = """\
sample_visits:
  call_backs:
    - {case_type: complaint, sample_percent: 10}
"""


def test_a_registered_section_is_validated_and_read_from_the_document(visits_section):
    doc = parse_rulebook(BASE + SECTION)
    assert doc.section("sample_visits").call_backs[0].sample_percent == 10
    assert doc.section("no_such_section") is None


def test_section_errors_have_their_path_and_line(visits_section):
    text = BASE + SECTION.replace("sample_percent: 10", "sample_percent: 0").replace("complaint,", "complain,")
    with pytest.raises(RulebookError) as err:
        parse_rulebook(text, source="r.yaml")
    assert "r.yaml:28: sample_visits.call_backs.0.sample_percent: Input should be greater than or equal to 1" in str(
        err.value
    )


def test_section_cross_references_are_checked_against_the_core(visits_section):
    text = BASE + SECTION.replace("complaint,", "complain,")
    with pytest.raises(RulebookError) as err:
        parse_rulebook(text, source="r.yaml")
    assert "r.yaml:28: sample_visits.call_backs.0.case_type: unknown case type 'complain'" in str(err.value)


def test_a_key_no_app_registered_is_an_unknown_field():
    with pytest.raises(RulebookError) as err:
        parse_rulebook(BASE + SECTION, source="r.yaml")
    assert "r.yaml:27: sample_visits: unknown field" in str(err.value)


def test_the_section_is_stored_with_the_version_and_pinned(db, visits_section, calendars):
    version, _ = rulebook_load(text=BASE + SECTION, make_default=True)
    assert version.document["sample_visits"]["call_backs"][0]["case_type"] == "complaint"
    assert rulebook_for_new_case("mini").doc.section("sample_visits").call_backs[0].sample_percent == 10
    rulebook_load(text=BASE + SECTION.replace("10}", "30}"))
    assert version.doc.section("sample_visits").call_backs[0].sample_percent == 10  # the old version keeps its rules
    assert rulebook_for_new_case("mini").doc.section("sample_visits").call_backs[0].sample_percent == 30
