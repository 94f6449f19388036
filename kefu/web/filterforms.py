"""The filters of the queue and of the board: their shape only; the views apply them to what a user may see."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kefu.cases.choices import CaseStatus, Channel
from kefu.core.inputs import TEXT_LIMITS as LIMITS
from kefu.org.models import OrgUnit
from kefu.rulebooks.models import Rulebook
from kefu.rulebooks.schema import RulebookDoc
from kefu.web.fieldforms import form_name
from kefu.web.pickers import UnitChoiceField, unit_queryset
from kefu.web.templatetags.kefu_web import rb_label

__all__ = ("BoardFilterForm", "QueueFilterForm", "stage_choices", "stage_filter", "stage_value")

CODE_RE = re.compile(r"[a-z][a-z0-9_]{0,39}")


def _english() -> bool:
    from django.utils.translation import get_language

    return (get_language() or "").startswith("en")


class BoardFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[("", _("Overdue and due soon")), ("overdue", _("Overdue only")), ("warning", _("Due soon only"))],
    )
    unit = UnitChoiceField(
        label=_("Responsible unit"), queryset=OrgUnit.objects.none(), required=False, empty_label=_("All units")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = unit_queryset()


# --------------------------------------------------------------------------------------------------
# Queue filters


def stage_value(rulebook_key: str, case_type: str, stage: str) -> str:
    """The stage filter's value: "service-complaint.complaint.approving". Rulebook keys are slugs and
    codes are lower-case words, so the dots cannot be part of either."""
    return f"{rulebook_key}.{case_type}.{stage}"


def stage_choices(rulebooks: list[Rulebook]) -> list[tuple[str, list[tuple[str, str]]]]:
    """The stages grouped by rulebook and case type, in the rulebook's own order, each group labelled
    "<rulebook> · <case type>": two stages sharing a code in two rulebooks or case types (审批中 here,
    核决中 there) keep their own label and their own filter value (issue 7)."""
    groups = []
    for rb in rulebooks:
        for code, ct in rb.active_version.doc.case_types.items():
            options = [(stage_value(rb.key, code, s), rb_label(state)) for s, state in ct.states.items()]
            groups.append((f"{rb.name} · {rb_label(ct)}", options))
    return groups


def stage_filter(value: str) -> Q:
    """The cases a stage filter value means: that rulebook (any of its versions), case type and stage.
    A bare stage code (a link from before the grouping) still filters by the stage alone."""
    parts = value.split(".")
    if len(parts) == 3:
        key, case_type, stage = parts
        return Q(rulebook_version__rulebook__key=key, case_type=case_type, stage=stage)
    return Q(stage=value)


class StageChoiceField(forms.ChoiceField):
    def valid_value(self, value: Any) -> bool:
        # A bare stage code (bookmarks, links from before the grouping) is still accepted.
        return super().valid_value(value) or (isinstance(value, str) and bool(CODE_RE.fullmatch(value)))


class QueueFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=LIMITS["search"])
    status = forms.ChoiceField(label=_("Status"), required=False)
    case_type = forms.ChoiceField(label=_("Case type"), required=False)
    stage = StageChoiceField(label=_("Stage"), required=False)
    channel = forms.ChoiceField(label=_("Channel"), required=False)
    mine = forms.BooleanField(label=_("My cases"), required=False)
    received_from = forms.DateField(
        label=_("Received from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    received_to = forms.DateField(
        label=_("Received to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, rulebooks: list[Rulebook], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        docs: list[RulebookDoc] = [rb.active_version.doc for rb in rulebooks]
        everything = [("", _("All"))]
        self.fields["status"].choices = everything + list(CaseStatus.choices)
        channels: dict[str, str] = {c.value: str(c.label) for c in Channel}
        types: dict[str, str] = {}
        for doc in docs:
            for code in doc.channel_codes():
                channels.setdefault(code, doc.channel_label(code, english=_english()))
            for code, ct in doc.case_types.items():
                types.setdefault(code, rb_label(ct))
        self.fields["channel"].choices = everything + list(channels.items())
        self.fields["case_type"].choices = everything + list(types.items())
        self.fields["stage"].choices = everything + stage_choices(rulebooks)
        self.fields["q"].widget.attrs.update(placeholder=_("Case number, title or customer"))
        # With a case type chosen, its choice fields become filters too (the same key in two rulebooks
        # is one filter with the options of both).
        chosen = self.data.get("case_type") if self.is_bound else None
        self.choice_filters: list[str] = []
        options: dict[str, tuple[str, dict[str, str]]] = {}
        for doc in docs if chosen else []:
            ct = doc.case_types.get(chosen)
            for definition in ct.fields if ct else []:
                if definition.type in ("choice", "multi_choice"):
                    label, known = options.setdefault(definition.key, (rb_label(definition), {}))
                    for option in definition.options or []:
                        known.setdefault(option.code, rb_label(option))
        for key, (label, known) in options.items():
            self.fields[form_name(key)] = forms.ChoiceField(
                label=label, required=False, choices=everything + list(known.items())
            )
            self.choice_filters.append(key)
