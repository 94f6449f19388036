"""The case API's output plumbing: serializers that build their fields once per class, and people and
units written as plain fields. A case body is read on every request and names many people, units and
events; DRF's per-instance field building was most of its cost (docs/operations.md, "What a
registration costs")."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import SkipField
from rest_framework.relations import PKOnlyObject

from kefu.org.models import OrgUnit, User

__all__ = (
    "OutputModelSerializer",
    "PersonField",
    "PersonSerializer",
    "UnitRefField",
    "UnitRefSerializer",
    "fresh_fields",
)


def _shallow(field: Any) -> Any:
    """`copy.copy` without its generic protocol (a third of the time): a new object, the same attributes."""
    new = object.__new__(type(field))
    new.__dict__.update(field.__dict__)
    return new


def fresh_fields(built: dict[str, serializers.Field]) -> dict[str, serializers.Field]:
    """Copies of a class's field templates for one serializer instance, without `copy.deepcopy`.

    DRF deep-copies every declared field for every serializer instance (a field re-creates itself
    from its constructor arguments, recursively): 3 ms of each registration. A field's per-instance
    state is what `bind()` assigns (name, parent, source), so a shallow copy of a never-bound
    template is as good; the templates' lists and dicts (validators, choices, messages) are only read.
    A list serializer (`many=True`) binds its child to itself at construction: its copy gets a copy
    of the child, bound to the copy.
    """
    fresh: dict[str, serializers.Field] = {}
    for name, field in built.items():
        fresh[name] = _shallow(field)
        if isinstance(field, serializers.ListSerializer):
            child = fresh[name].child = _shallow(field.child)
            child.source = None  # as constructed: bind() sets it again
            child.bind(field_name="", parent=fresh[name])
    return fresh


# A ModelSerializer that introspects its model once per class, not once per instance. DRF's
# ModelSerializer rebuilds every field from the model for each serializer it makes: the case, and again
# for each nested person, unit and event, on every request — most of the cost of serialising one case.
# The fields depend only on the class (Meta and declarations), so they are built once and each instance
# gets fresh copies (`fresh_fields`). A comment, not a docstring: drf-spectacular would publish a
# docstring as the description of every API component built on this class.
class OutputModelSerializer(serializers.ModelSerializer):
    def get_fields(self) -> dict[str, serializers.Field]:
        cls = type(self)
        built = cls.__dict__.get("_built_fields")
        if built is None:
            built = super().get_fields()
            cls._built_fields = built  # a race only builds the same fields twice
        return fresh_fields(built)

    @classmethod
    def _output_plan(cls) -> list[tuple[str, serializers.Field, str]]:
        """(name, field, how) for each readable field, bound once per class: "plain" fields read the
        instance and nothing else (no context, no parent), so one bound copy serves every instance;
        "method" fields call this serializer's method; "nested" serializers need a copy bound to the
        instance (their context is the request's)."""
        plan = cls.__dict__.get("_plan")
        if plan is None:
            plan = []
            bound = cls().fields  # builds cls._built_fields, the unbound templates
            for name, field in bound.items():
                if field.write_only:
                    continue
                if isinstance(field, serializers.SerializerMethodField):
                    how = "method"
                elif isinstance(field, serializers.BaseSerializer) or getattr(field.default, "requires_context", False):
                    how = "nested"
                    field = cls.__dict__["_built_fields"][name]  # bound per instance, below
                else:
                    how = "plain"
                plan.append((name, field, how))
            cls._plan = plan
        return plan

    def to_representation(self, instance: Any) -> dict[str, Any]:
        """DRF's `Serializer.to_representation`, without building and binding this instance's fields:
        a case body with its history made ~100 field copies per request (see `_output_plan`)."""
        ret: dict[str, Any] = {}
        for name, template, how in self._output_plan():
            if how == "method":
                ret[name] = getattr(self, template.method_name)(instance)
                continue
            field = template
            if how == "nested":
                field = fresh_fields({name: template})[name]
                field.bind(field_name=name, parent=self)
            try:
                attribute = field.get_attribute(instance)
            except SkipField:
                continue
            check = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
            ret[name] = None if check is None else field.to_representation(attribute)
        return ret


class PersonSerializer(OutputModelSerializer):
    name = serializers.CharField(source="__str__", read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "name"]


class UnitRefSerializer(OutputModelSerializer):
    class Meta:
        model = OrgUnit
        fields = ["id", "code", "name"]


@extend_schema_field(PersonSerializer)
class PersonField(serializers.Field):
    """A person as `PersonSerializer` writes it, without a nested serializer per person.

    A case body names up to six people and one more per event, note and approval; each nested
    serializer is an instance with its own bound fields, for three values. Same output, same schema.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, user: User) -> dict[str, Any]:
        return {"id": user.pk, "username": user.username, "name": str(user)}


@extend_schema_field(UnitRefSerializer)
class UnitRefField(serializers.Field):
    """A unit as `UnitRefSerializer` writes it (see PersonField)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, unit: OrgUnit) -> dict[str, Any]:
        return {"id": unit.pk, "code": unit.code, "name": unit.name}
