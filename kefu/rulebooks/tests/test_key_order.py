"""A rulebook's case types and stages keep the author's order when read back from the database.

PostgreSQL keeps a JSONField as jsonb, which orders keys by length: read back as stored, the
service-complaint preset listed 表扬 (praise) before 投诉 (complaint) in the intake's case types, and
its stages out of their flow. On SQLite the same test passes with or without the fix; CI runs both.
"""

import yaml

from kefu.rulebooks.models import RulebookVersion
from kefu.rulebooks.schema import doc_from_document
from kefu.rulebooks.services import PRESET_DIR


def test_case_types_and_stages_come_back_in_the_files_order(rulebooks):
    source = yaml.safe_load((PRESET_DIR / "service-complaint.yaml").read_text(encoding="utf-8"))
    version = RulebookVersion.objects.filter(rulebook__key="service-complaint").latest("number")
    stored = RulebookVersion.objects.values_list("document", flat=True).get(pk=version.pk)  # fresh from the database
    doc = doc_from_document(stored)
    assert (
        list(doc.case_types) == list(source["case_types"]) == ["complaint", "inquiry", "suggestion", "praise", "repair"]
    )
    for code, case_type in doc.case_types.items():
        assert list(case_type.states) == list(source["case_types"][code]["states"]), code
