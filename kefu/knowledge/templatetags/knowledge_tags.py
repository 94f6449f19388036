"""Knowledge tools on the case page: the search box (prefilled from the case) and the reply-template
picker above the reply and note boxes."""

from __future__ import annotations

from typing import Any

from django import template

from kefu.knowledge.replies import render_text, values_for_case
from kefu.knowledge.selectors import templates_for_case

register = template.Library()


@register.inclusion_tag("knowledge/partials/case_search.html")
def kb_case_search(case: Any) -> dict[str, Any]:
    return {"case": case}


@register.inclusion_tag("knowledge/partials/template_picker.html", takes_context=True)
def reply_templates(context: template.Context, case: Any, purpose: str, form: Any) -> dict[str, Any]:
    """The templates that fit the case, filled in for it, to insert into `form`'s text box."""
    user = context["request"].user
    templates = templates_for_case(case, purpose)
    if not templates:
        return {"templates": []}
    values = getattr(case, "_knowledge_values", None)
    if values is None:
        values = case._knowledge_values = values_for_case(case, user)
    field = form[getattr(form, "text_check_field", "") or "body"]
    rendered = []
    for t in templates:
        result = render_text(t.body, values)
        rendered.append({"name": t.name, "text": result.text, "missing": result.missing})
    return {"templates": rendered, "target": field.id_for_label, "purpose": purpose}
