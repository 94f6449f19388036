"""The appraisal section is validated like the rest of the rulebook: errors name the line."""

import pytest

from kefu.rulebooks.services import PRESET_DIR, rulebook_load

pytestmark = pytest.mark.django_db


def test_a_bad_appraisal_section_is_refused_naming_the_line(calendars):
    from kefu.rulebooks.schema import RulebookError

    text = (PRESET_DIR / "service-complaint.yaml").read_text(encoding="utf-8")
    broken = text.replace(
        "measure: cases.on_time, group: records, points: 50", "measure: cases.on_tim, group: records, points: 50"
    )
    broken = broken.replace("weight: 30, assessed_by: self", "weight: 20, assessed_by: self")
    with pytest.raises(RulebookError) as refused:
        rulebook_load(text=broken, source="sc.yaml")
    message = str(refused.value)
    lines = text.splitlines()
    kpi_line = next(i for i, line in enumerate(lines, 1) if "measure: cases.on_time" in line)
    groups_line = next(i for i, line in enumerate(lines, 1) if "{code: records" in line)  # the list starts here
    assert f"sc.yaml:{kpi_line}: appraisal.kpis.0.measure: unknown measure 'cases.on_tim'" in message
    assert f"sc.yaml:{groups_line}: appraisal.groups: the group weights add up to 90, not 100" in message
