"""The rulebooks endpoint's serializers: what a client needs to build forms for a rulebook's case types
(categories, severities, channels, states, transitions with their conditions and required input, and
the form fields with their types, options and who may edit them)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from kefu.rulebooks.fields import FIELD_TYPES
from kefu.rulebooks.models import Rulebook

__all__ = ("RulebookSerializer",)


class _CodeLabelSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    label_en = serializers.CharField()


class _StateSerializer(_CodeLabelSerializer):
    kind = serializers.CharField()


class _RequiresSerializer(serializers.Serializer):
    comment = serializers.BooleanField()
    fields = serializers.ListField(child=serializers.CharField())
    attachment = serializers.BooleanField()


class _TransitionDefSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    label_en = serializers.CharField()
    action = serializers.CharField()
    from_stages = serializers.ListField(child=serializers.CharField())
    to = serializers.CharField()
    roles = serializers.ListField(child=serializers.CharField())
    when = serializers.CharField(allow_null=True, help_text="Condition (docs/rulebooks.md); null = always.")
    requires = _RequiresSerializer(help_text="Input the transition cannot be taken without.")
    approval_pass = serializers.CharField(help_text='approve/decline: the approval pass ("" = the case type\'s chain).')


class _OptionSerializer(_CodeLabelSerializer):
    pass


class _FieldDefSerializer(serializers.Serializer):
    key = serializers.CharField()
    type = serializers.ChoiceField(choices=list(FIELD_TYPES))
    label = serializers.CharField()
    label_en = serializers.CharField()
    help = serializers.CharField()
    help_en = serializers.CharField()
    required = serializers.BooleanField(help_text="Required at registration.")
    required_before = serializers.ListField(
        child=serializers.CharField(), help_text="Transitions that cannot be taken while it is empty."
    )
    editable_by = serializers.ListField(
        child=serializers.CharField(), help_text="Roles, and/or owner, assignee, receiver."
    )
    options = _OptionSerializer(many=True, allow_null=True, help_text="choice and multi_choice only.")
    max_length = serializers.IntegerField(allow_null=True, help_text="text and long_text.")
    min = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    max = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)


class _CaseTypeSerializer(_CodeLabelSerializer):
    kind = serializers.CharField()
    categories = _CodeLabelSerializer(many=True)
    channels = _CodeLabelSerializer(many=True, help_text="The channels this case type accepts.")
    initial = serializers.CharField()
    states = _StateSerializer(many=True)
    transitions = _TransitionDefSerializer(many=True)
    fields = _FieldDefSerializer(many=True, help_text='Form fields (docs/rulebooks.md, "Form fields").')
    sealed = serializers.BooleanField(help_text="Visible only to the rulebook's named roles and the people assigned.")


class RulebookSerializer(serializers.ModelSerializer):
    version = serializers.IntegerField(source="active_version.number", read_only=True)
    severities = serializers.SerializerMethodField()
    categories = serializers.SerializerMethodField()
    case_types = serializers.SerializerMethodField()

    class Meta:
        model = Rulebook
        fields = ["key", "name", "is_default", "version", "severities", "categories", "case_types"]
        read_only_fields = fields

    @staticmethod
    def _labelled(items: Any) -> list[dict[str, str]]:
        return [{"code": i.code, "label": i.label, "label_en": i.label_en} for i in items]

    @extend_schema_field(_CodeLabelSerializer(many=True))
    def get_severities(self, rulebook: Rulebook) -> list[dict[str, str]]:
        return self._labelled(rulebook.active_version.doc.severities)

    @extend_schema_field(_CodeLabelSerializer(many=True))
    def get_categories(self, rulebook: Rulebook) -> list[dict[str, str]]:
        return self._labelled(rulebook.active_version.doc.categories)

    @extend_schema_field(_CaseTypeSerializer(many=True))
    def get_case_types(self, rulebook: Rulebook) -> list[dict[str, Any]]:
        doc = rulebook.active_version.doc
        return [
            {
                "code": code,
                "label": ct.label,
                "label_en": ct.label_en,
                "kind": ct.kind,
                "categories": self._labelled(doc.categories_for(code)),
                "channels": [
                    {"code": c, "label": doc.channel_label(c), "label_en": doc.channel_label(c, english=True)}
                    for c in doc.channel_codes(code)
                ],
                "initial": ct.initial,
                "states": [
                    {"code": s, "label": d.label, "label_en": d.label_en, "kind": str(d.kind)}
                    for s, d in ct.states.items()
                ],
                "transitions": [
                    {
                        "name": t.name,
                        "label": t.label,
                        "label_en": t.label_en,
                        "action": str(t.action),
                        "from_stages": list(t.from_),
                        "to": t.to,
                        "roles": list(t.roles),
                        "when": t.when,
                        "requires": {
                            "comment": bool(t.requires and t.requires.comment),
                            "fields": list(t.requires.fields) if t.requires else [],
                            "attachment": bool(t.requires and t.requires.attachment),
                        },
                        "approval_pass": t.approval_pass,
                    }
                    for t in ct.transitions
                ],
                "fields": [f.model_dump(mode="json") for f in ct.fields],
                "sealed": ct.sealed is not None,
            }
            for code, ct in doc.case_types.items()
        ]
