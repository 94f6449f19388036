"""Case API serializers. Output serializers shape what clients read; input serializers only check
types and references, and the services decide everything else (stage, role, recusal)."""

from __future__ import annotations

import copy
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from kefu.cases.choices import Channel, NoteVisibility, Responsibility, Validity
from kefu.cases.models import Approval, Case, CaseAttachment, CaseEvent, CaseNote, Remedy
from kefu.cases.selectors import IdentityRedactor, customer_label
from kefu.cases.services import may_reveal_customer, transition_allowed
from kefu.core.inputs import MAX_ID, TEXT_LIMITS, is_id
from kefu.customers.models import Contact, Customer
from kefu.org.models import OrgUnit, User
from kefu.rulebooks.models import Rulebook

__all__ = (
    "CaseListSerializer",
    "CaseDetailSerializer",
    "CaseCustomerViewSerializer",
    "CaseCreateSerializer",
    "CaseTransitionSerializer",
    "CaseTransferSerializer",
    "CaseReasonSerializer",
    "CaseResumeSerializer",
    "CaseRevealSerializer",
    "CaseMergeSerializer",
    "CaseClassificationSerializer",
    "CaseNoteInputSerializer",
    "CaseAttachmentInputSerializer",
    "CaseNoteSerializer",
    "CaseAttachmentSerializer",
    "RulebookSerializer",
)

_MAX_ID = MAX_ID


class _IdField(serializers.PrimaryKeyRelatedField):
    """An object by id; the out-of-range guard turns a 30-digit id into 400, not a driver error."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, bool) or not isinstance(data, int | str):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if not is_id(data):
            self.fail("does_not_exist", pk_value=str(data)[:30])
        return super().to_internal_value(data)


class _VisibleCustomerField(_IdField):
    """A customer the requesting user may see (the directory for intake roles, else their cases' customers)."""

    def get_queryset(self) -> Any:
        return Customer.objects.visible_to(self.context["request"].user).filter(is_active=True)


class _VisibleCaseField(_IdField):
    """A case id the requesting user may see; others do not exist as far as they can tell."""

    def get_queryset(self) -> Any:
        return Case.objects.visible_to(self.context["request"].user)


# --------------------------------------------------------------------------------------------------
# Output


class _OutputModelSerializer(serializers.ModelSerializer):
    """A ModelSerializer that introspects its model once per class, not once per instance.

    DRF's ModelSerializer rebuilds every field from the model for each serializer it makes: the case,
    and again for each nested person, unit and event, on every request. That was most of the cost
    of serialising one case. The fields depend only on the class (Meta and declarations), so they
    are built once and each instance gets fresh copies, the way DRF copies declared fields anyway.
    """

    def get_fields(self) -> dict[str, serializers.Field]:
        cls = type(self)
        built = cls.__dict__.get("_built_fields")
        if built is None:
            built = super().get_fields()
            cls._built_fields = built  # a race only builds the same fields twice
        return copy.deepcopy(built)


class PersonSerializer(_OutputModelSerializer):
    name = serializers.CharField(source="__str__", read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "name"]


class UnitRefSerializer(_OutputModelSerializer):
    class Meta:
        model = OrgUnit
        fields = ["id", "code", "name"]


class CaseEventSerializer(_OutputModelSerializer):
    actor = PersonSerializer(read_only=True)

    class Meta:
        model = CaseEvent
        fields = [
            "id",
            "kind",
            "transition",
            "actor",
            "from_stage",
            "to_stage",
            "from_status",
            "to_status",
            "message",
            "data",
            "case_version",
            "created_at",
        ]


class CaseNoteSerializer(_OutputModelSerializer):
    author = PersonSerializer(read_only=True)

    class Meta:
        model = CaseNote
        fields = ["id", "author", "visibility", "body", "created_at"]


class CaseAttachmentSerializer(_OutputModelSerializer):
    uploaded_by = PersonSerializer(read_only=True)

    class Meta:
        model = CaseAttachment
        fields = ["id", "name", "size", "content_type", "visibility", "uploaded_by", "created_at"]


class RemedySerializer(_OutputModelSerializer):
    proposed_by = PersonSerializer(read_only=True)

    class Meta:
        model = Remedy
        fields = ["id", "approval_round", "kind", "amount", "description", "superseded", "proposed_by", "created_at"]


class ApprovalSerializer(_OutputModelSerializer):
    approver = PersonSerializer(read_only=True)
    # Stored from 0; shown from 1, as the rulebook counts steps (a severity's `approval_min_step`).
    step = serializers.SerializerMethodField(help_text="The step of the approval chain, 1 for the first.")

    class Meta:
        model = Approval
        fields = ["id", "approval_round", "step", "role", "approver", "decision", "comment", "decided_at"]

    @extend_schema_field({"type": "integer", "minimum": 1})
    def get_step(self, approval: Approval) -> int:
        return approval.step + 1


class AllowedTransitionSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    action = serializers.CharField()


class CaseListSerializer(_OutputModelSerializer):
    """A case in a list. An anonymous case names no customer ("匿名投诉人", customer null) and its
    title has the complainant's name and number blanked, for everyone: the identity is shown only by
    the logged `reveal` (001 篇10 第十九条)."""

    type_label = serializers.CharField(read_only=True)
    stage_label = serializers.CharField(read_only=True)
    customer = serializers.SerializerMethodField()
    customer_name = serializers.SerializerMethodField()
    owner = PersonSerializer(read_only=True)
    assignee = PersonSerializer(read_only=True, allow_null=True)
    responsible_unit = UnitRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Case
        fields = [
            "id",
            "number",
            "case_type",
            "type_label",
            "category",
            "severity",
            "channel",
            "status",
            "stage",
            "stage_label",
            "title",
            "customer",
            "customer_name",
            "is_anonymous",
            "received_at",
            "owner",
            "assignee",
            "responsible_unit",
            "version",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_customer(self, case: Case) -> int | None:
        return None if case.is_anonymous else case.customer_id

    def get_customer_name(self, case: Case) -> str:
        return customer_label(case)

    def to_representation(self, instance: Case) -> Any:
        data = super().to_representation(instance)
        if instance.is_anonymous:
            data = IdentityRedactor.for_case(instance, brief=True).data(data)
        return data


class CaseDetailSerializer(CaseListSerializer):
    # Empty until the case is judged: the schema lists "" with the codes (a read-only model field's
    # choices would not).
    validity = serializers.ChoiceField(
        choices=Validity.choices, allow_blank=True, read_only=True, help_text="Empty until the complaint is judged."
    )
    responsibility = serializers.ChoiceField(
        choices=Responsibility.choices, allow_blank=True, read_only=True, help_text="Empty until the finding."
    )
    category_label = serializers.CharField(read_only=True)
    severity_label = serializers.CharField(read_only=True)
    rulebook = serializers.CharField(source="rulebook_version.rulebook.key", read_only=True)
    rulebook_version = serializers.IntegerField(source="rulebook_version.number", read_only=True)
    receiver = PersonSerializer(read_only=True)
    receiving_unit = UnitRefSerializer(read_only=True, allow_null=True)
    subject_person = PersonSerializer(read_only=True, allow_null=True)
    subject_unit = UnitRefSerializer(read_only=True, allow_null=True)
    responsible_person = PersonSerializer(read_only=True, allow_null=True)
    parent_number = serializers.CharField(source="parent.number", read_only=True, allow_null=True, default=None)
    merged_into_number = serializers.CharField(
        source="merged_into.number", read_only=True, allow_null=True, default=None
    )
    contact = serializers.SerializerMethodField()
    identity_revealable = serializers.SerializerMethodField()
    allowed_transitions = serializers.SerializerMethodField()
    events = CaseEventSerializer(many=True, read_only=True)
    notes = CaseNoteSerializer(many=True, read_only=True)
    attachments = CaseAttachmentSerializer(many=True, read_only=True)
    remedies = RemedySerializer(many=True, read_only=True)
    approvals = ApprovalSerializer(many=True, read_only=True)

    class Meta(CaseListSerializer.Meta):
        fields = [
            *CaseListSerializer.Meta.fields,
            "category_label",
            "severity_label",
            "rulebook",
            "rulebook_version",
            "contact",
            "identity_revealable",
            "description",
            "customer_request",
            "receiver",
            "receiving_unit",
            "subject_person",
            "subject_unit",
            "validity",
            "cause",
            "responsibility",
            "responsible_person",
            "remedy_total",
            "approval_round",
            "reply",
            "customer_accepted",
            "return_visit_note",
            "review_summary",
            "closed_at",
            "archived_at",
            "parent",
            "parent_number",
            "merged_into",
            "merged_into_number",
            "created_at",
            "updated_at",
            "allowed_transitions",
            "events",
            "notes",
            "attachments",
            "remedies",
            "approvals",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_contact(self, case: Case) -> int | None:
        return None if case.is_anonymous else case.contact_id

    def get_identity_revealable(self, case: Case) -> bool:
        """Whether `POST …/reveal/` would show this user more (identity, or full numbers)."""
        return may_reveal_customer(case, self.context["request"].user)

    def to_representation(self, instance: Case) -> Any:
        data = serializers.ModelSerializer.to_representation(self, instance)
        if instance.is_anonymous:
            data = IdentityRedactor.for_case(instance).data(data)
            data["customer_name"] = customer_label(instance)
        return data

    @extend_schema_field(AllowedTransitionSerializer(many=True))
    def get_allowed_transitions(self, case: Case) -> list[dict[str, str]]:
        user = self.context["request"].user
        return [
            {"name": td.name, "label": td.label, "action": str(td.action)}
            for td in case.type_def.transitions
            if transition_allowed(case, user, td)
        ]


class CustomerNoteSerializer(serializers.ModelSerializer):
    class Meta:
        model = CaseNote
        fields = ["id", "body", "created_at"]


class CustomerAttachmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = CaseAttachment
        fields = ["id", "name", "size", "content_type", "created_at"]


class CaseCustomerViewSerializer(serializers.ModelSerializer):
    """What the customer may be told. Built field by field so a new model field never leaks here."""

    type_label = serializers.CharField(read_only=True)
    stage_label = serializers.CharField(read_only=True)
    notes = serializers.SerializerMethodField()
    attachments = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = ["number", "type_label", "stage_label", "status", "received_at", "reply", "notes", "attachments"]
        read_only_fields = fields

    @extend_schema_field(CustomerNoteSerializer(many=True))
    def get_notes(self, case: Case) -> list[dict[str, Any]]:
        notes = case.notes.filter(visibility=NoteVisibility.CUSTOMER).order_by("created_at", "id")
        return CustomerNoteSerializer(notes, many=True).data

    @extend_schema_field(CustomerAttachmentSerializer(many=True))
    def get_attachments(self, case: Case) -> list[dict[str, Any]]:
        files = case.attachments.filter(visibility=NoteVisibility.CUSTOMER).order_by("created_at", "id")
        return CustomerAttachmentSerializer(files, many=True).data


class CaseRevealSerializer(serializers.Serializer):
    """The answer of a logged "show": the customer, with full numbers when `full_contacts`."""

    customer = serializers.DictField(help_text="The customer, as GET /api/v1/customers/{id}/ shows it.")
    full_contacts = serializers.BooleanField()


# --------------------------------------------------------------------------------------------------
# Input


class CaseCreateSerializer(serializers.Serializer):
    # case_type, category and severity depend on the rulebook, so the service checks them and names
    # the allowed codes in its error.
    case_type = serializers.CharField(max_length=40)
    category = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    severity = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    channel = serializers.ChoiceField(choices=Channel.choices)
    customer = _VisibleCustomerField(queryset=Customer.objects.none())
    contact = _IdField(queryset=Contact.objects.all(), required=False, allow_null=True, default=None)
    title = serializers.CharField(max_length=TEXT_LIMITS["title"])
    description = serializers.CharField(max_length=TEXT_LIMITS["description"])
    customer_request = serializers.CharField(
        max_length=TEXT_LIMITS["customer_request"], required=False, allow_blank=True, default=""
    )
    subject_person = _IdField(
        queryset=User.objects.filter(is_active=True), required=False, allow_null=True, default=None
    )
    subject_unit = _IdField(
        queryset=OrgUnit.objects.filter(is_active=True), required=False, allow_null=True, default=None
    )
    is_anonymous = serializers.BooleanField(required=False, default=False)
    received_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text="When the customer got in touch; default now. Without a zone offset it is read in the site's "
        "zone (Asia/Shanghai). From 1 January of the first year the working calendars hold, up to 5 minutes "
        "ahead of the server's clock.",
    )
    rulebook = serializers.SlugField(max_length=60, required=False, allow_blank=True, default="")

    def fingerprint_payload(self) -> dict[str, Any]:
        """The validated request as plain values, so a retry hashes the same whatever the JSON key order."""
        return {key: getattr(value, "pk", value) for key, value in self.validated_data.items()}


class CaseTransitionSerializer(serializers.Serializer):
    transition = serializers.CharField(max_length=40)
    version = serializers.IntegerField(min_value=1, max_value=_MAX_ID)
    # Each transition's action reads its own keys (unit, assignee, cause, remedies, reply, ...).
    data = serializers.DictField(
        required=False,
        default=dict,
        help_text="The keys the transition's action reads (docs/api.md, 'Take a transition'); texts within "
        "their limits (docs/api.md, 'Limits').",
    )


def _reason(*, required: bool = True) -> serializers.CharField:
    if required:
        return serializers.CharField(max_length=TEXT_LIMITS["reason"])
    return serializers.CharField(max_length=TEXT_LIMITS["reason"], required=False, allow_blank=True, default="")


class CaseTransferSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, max_value=_MAX_ID)
    new_owner = _IdField(queryset=User.objects.all())
    unit = _IdField(queryset=OrgUnit.objects.filter(is_active=True), required=False, allow_null=True, default=None)
    reason = _reason()


class CaseReasonSerializer(serializers.Serializer):
    """Suspend, withdraw and reopen: the reason is required and goes into the history."""

    version = serializers.IntegerField(min_value=1, max_value=_MAX_ID)
    reason = _reason()


class CaseResumeSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, max_value=_MAX_ID)
    reason = _reason(required=False)


class CaseMergeSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, max_value=_MAX_ID)
    into = _VisibleCaseField(queryset=Case.objects.none())
    reason = _reason(required=False)


class CaseClassificationSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, max_value=_MAX_ID)
    category = serializers.CharField(
        max_length=40, required=False, allow_null=True, default=None, help_text="A category code; omitted: unchanged."
    )
    severity = serializers.CharField(
        max_length=40, required=False, allow_null=True, default=None, help_text="A severity code; omitted: unchanged."
    )
    reason = _reason()


class CaseNoteInputSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=TEXT_LIMITS["body"])
    visibility = serializers.ChoiceField(choices=NoteVisibility.choices, default=NoteVisibility.INTERNAL)
    # A customer-visible note that fails a text check (服务忌语) is refused unless this is true; the
    # override is recorded in the case history.
    override_text_checks = serializers.BooleanField(default=False)


class CaseAttachmentInputSerializer(serializers.Serializer):
    file = serializers.FileField()
    visibility = serializers.ChoiceField(choices=NoteVisibility.choices, default=NoteVisibility.INTERNAL)


# --------------------------------------------------------------------------------------------------
# Rulebooks (read-only, for building forms)


class _CodeLabelSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    label_en = serializers.CharField()


class _StateSerializer(_CodeLabelSerializer):
    kind = serializers.CharField()


class _TransitionDefSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    label_en = serializers.CharField()
    action = serializers.CharField()
    from_stages = serializers.ListField(child=serializers.CharField())
    to = serializers.CharField()
    roles = serializers.ListField(child=serializers.CharField())


class _CaseTypeSerializer(_CodeLabelSerializer):
    kind = serializers.CharField()
    categories = _CodeLabelSerializer(many=True)
    initial = serializers.CharField()
    states = _StateSerializer(many=True)
    transitions = _TransitionDefSerializer(many=True)


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
                    }
                    for t in ct.transitions
                ],
            }
            for code, ct in doc.case_types.items()
        ]
