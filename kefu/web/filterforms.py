"""The filters of the queue and of the board: their shape only; the views apply them to what a user may see."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kefu.cases.choices import CaseStatus, Channel
from kefu.core.inputs import TEXT_LIMITS as LIMITS
from kefu.org.models import OrgUnit
from kefu.rulebooks.schema import RulebookDoc
from kefu.web.fieldforms import form_name
from kefu.web.pickers import UnitChoiceField, unit_queryset
from kefu.web.templatetags.kefu_web import rb_label

__all__ = ("BoardFilterForm", "QueueFilterForm")


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


class QueueFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=LIMITS["search"])
    status = forms.ChoiceField(label=_("Status"), required=False)
    case_type = forms.ChoiceField(label=_("Case type"), required=False)
    stage = forms.ChoiceField(label=_("Stage"), required=False)
    channel = forms.ChoiceField(label=_("Channel"), required=False)
    mine = forms.BooleanField(label=_("My cases"), required=False)
    received_from = forms.DateField(
        label=_("Received from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    received_to = forms.DateField(
        label=_("Received to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, docs: list[RulebookDoc], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        everything = [("", _("All"))]
        self.fields["status"].choices = everything + list(CaseStatus.choices)
        channels: dict[str, str] = {c.value: str(c.label) for c in Channel}
        types: dict[str, str] = {}
        stages: dict[str, str] = {}
        for doc in docs:
            for code in doc.channel_codes():
                channels.setdefault(code, doc.channel_label(code, english=_english()))
            for code, ct in doc.case_types.items():
                types.setdefault(code, rb_label(ct))
                for state_code, state in ct.states.items():
                    stages.setdefault(state_code, rb_label(state))
        self.fields["channel"].choices = everything + list(channels.items())
        self.fields["case_type"].choices = everything + list(types.items())
        self.fields["stage"].choices = everything + list(stages.items())
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
