"""Case API serializers. Output serializers shape what clients read; input serializers only check
types and references, and the services decide everything else (stage, role, recusal)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from kefu.cases.api.output import OutputModelSerializer, PersonField, PersonSerializer, UnitRefField, fresh_fields
from kefu.cases.api.rulebooks import RulebookSerializer  # noqa: E402  (re-exported: the API's rulebook view)
from kefu.cases.choices import NoteVisibility, Responsibility, Validity
from kefu.cases.models import Approval, Case, CaseAttachment, CaseEvent, CaseNote, Remedy
from kefu.cases.selectors import IdentityRedactor, customer_label, field_rows
from kefu.cases.services import may_reveal_customer, transition_allowed, transition_inputs
from kefu.core.inputs import MAX_ID, TEXT_LIMITS, is_id
from kefu.customers.models import Contact, Customer
from kefu.customers.selectors import customer_for_intake
from kefu.org.models import OrgUnit, User

__all__ = (
    "CaseListSerializer",
    "CaseDetailSerializer",
    "CaseCustomerViewSerializer",
    "CaseCreateSerializer",
    "CaseTransitionSerializer",
    "CaseFieldsUpdateSerializer",
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

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, bool) or not isinstance(data, int | str):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if not is_id(data):
            self.fail("does_not_exist", pk_value=str(data)[:30])
        # The same rule as get_queryset, in a statement compiled once (every registration asks).
        customer = customer_for_intake(user=self.context["request"].user, pk=int(data))
        if customer is None:
            self.fail("does_not_exist", pk_value=data)
        return customer


class _VisibleCaseField(_IdField):
    """A case id the requesting user may see; others do not exist as far as they can tell."""

    def get_queryset(self) -> Any:
        return Case.objects.visible_to(self.context["request"].user)


# --------------------------------------------------------------------------------------------------
# Output


class CaseEventSerializer(OutputModelSerializer):
    actor = PersonField()

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


class CaseNoteSerializer(OutputModelSerializer):
    author = PersonField()

    class Meta:
        model = CaseNote
        fields = ["id", "author", "visibility", "body", "created_at"]


class CaseAttachmentSerializer(OutputModelSerializer):
    uploaded_by = PersonField()

    class Meta:
        model = CaseAttachment
        fields = ["id", "name", "size", "content_type", "visibility", "uploaded_by", "created_at"]


class RemedySerializer(OutputModelSerializer):
    proposed_by = PersonField()

    class Meta:
        model = Remedy
        fields = ["id", "approval_round", "kind", "amount", "description", "superseded", "proposed_by", "created_at"]


class ApprovalSerializer(OutputModelSerializer):
    approver = PersonField()
    # Stored from 0; shown from 1, as the rulebook counts steps (a severity's `approval_min_step`).
    step = serializers.SerializerMethodField(help_text="The step of the approval chain, 1 for the first.")

    class Meta:
        model = Approval
        fields = ["id", "approval_round", "step", "role", "approver", "decision", "comment", "decided_at"]

    @extend_schema_field({"type": "integer", "minimum": 1})
    def get_step(self, approval: Approval) -> int:
        return approval.step + 1


# The form fields of a case: keys are the case type's field keys (GET /api/v1/rulebooks/ lists them per
# case type with their types); values are in the stored form of docs/rulebooks.md, "Form fields".
FIELDS_SCHEMA = {
    "type": "object",
    "description": (
        "Form fields of the case type (rulebook `fields:`): key → value. text/long_text/choice: string; "
        "integer: integer; money: string with 2 decimals (yuan); date: YYYY-MM-DD; datetime: ISO 8601 with "
        "offset; multi_choice: array of option codes; yes_no: boolean; staff/unit/contact/attachment: id. "
        "A field without a value is absent."
    ),
    "additionalProperties": {
        "oneOf": [
            {"type": "string"},
            {"type": "integer"},
            {"type": "boolean"},
            {"type": "array", "items": {"type": "string"}},
        ]
    },
    "example": {"order_no": "SO-2603-0042", "defective_qty": 12, "loss_amount": "8000.00", "penalty": "fine"},
}
FIELDS_INPUT_SCHEMA = {
    **FIELDS_SCHEMA,
    "description": (
        "Form field values, key → value (null clears a field). Numbers may be given as strings; "
        "money with at most 2 decimals. Errors come back per field as `fields.<key>`."
    ),
    "additionalProperties": {
        "nullable": True,
        "oneOf": [
            {"type": "string"},
            {"type": "number"},
            {"type": "boolean"},
            {"type": "array", "items": {"type": "string"}},
        ],
    },
}
FIELDS_DISPLAY_SCHEMA = {
    "type": "object",
    "description": "The same fields as people read them (option labels, names, 是/否, amounts): key → text.",
    "additionalProperties": {"type": "string"},
}


@extend_schema_field(FIELDS_SCHEMA)
class FieldsField(serializers.JSONField):
    pass


@extend_schema_field(FIELDS_INPUT_SCHEMA)
class FieldsInputField(serializers.DictField):
    pass


class AllowedTransitionSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    action = serializers.CharField()
    requires_comment = serializers.BooleanField(help_text="`data.comment` must not be empty.")
    requires_fields = serializers.ListField(
        child=serializers.CharField(), help_text="Form fields that must have a value (give them in `data.fields`)."
    )
    requires_attachment = serializers.BooleanField(
        help_text="`data.attachment` must be the id of an attachment of this case (upload it first)."
    )


class CaseListSerializer(OutputModelSerializer):
    """A case in a list. An anonymous case names no customer ("匿名投诉人", customer null) and its
    title has the complainant's name and number blanked, for everyone: the identity is shown only by
    the logged `reveal` (001 篇10 第十九条)."""

    type_label = serializers.CharField(read_only=True)
    stage_label = serializers.CharField(read_only=True)
    customer = serializers.SerializerMethodField()
    customer_name = serializers.SerializerMethodField()
    owner = PersonField()
    assignee = PersonField(allow_null=True)
    responsible_unit = UnitRefField(allow_null=True)

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
    receiver = PersonField()
    receiving_unit = UnitRefField(allow_null=True)
    subject_person = PersonField(allow_null=True)
    subject_unit = UnitRefField(allow_null=True)
    responsible_person = PersonField(allow_null=True)
    parent_number = serializers.CharField(source="parent.number", read_only=True, allow_null=True, default=None)
    merged_into_number = serializers.CharField(
        source="merged_into.number", read_only=True, allow_null=True, default=None
    )
    contact = serializers.SerializerMethodField()
    identity_revealable = serializers.SerializerMethodField()
    allowed_transitions = serializers.SerializerMethodField()
    channel_label = serializers.CharField(read_only=True)
    fields = FieldsField(read_only=True)
    fields_display = serializers.SerializerMethodField()
    sealed = serializers.BooleanField(source="is_sealed", read_only=True)
    supervisors = serializers.SerializerMethodField()
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
            "channel_label",
            "fields",
            "fields_display",
            "sealed",
            "supervisors",
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
        data = OutputModelSerializer.to_representation(self, instance)
        if instance.is_anonymous:
            data = IdentityRedactor.for_case(instance).data(data)
            data["customer_name"] = customer_label(instance)
        return data

    @extend_schema_field(AllowedTransitionSerializer(many=True))
    def get_allowed_transitions(self, case: Case) -> list[dict[str, Any]]:
        user = self.context["request"].user
        out = []
        for td in case.type_def.transitions:
            if transition_allowed(case, user, td):
                comment, keys, attachment = transition_inputs(case, td)
                out.append(
                    {
                        "name": td.name,
                        "label": td.label,
                        "action": str(td.action),
                        "requires_comment": comment,
                        "requires_fields": keys,
                        "requires_attachment": attachment,
                    }
                )
        return out

    @extend_schema_field(FIELDS_DISPLAY_SCHEMA)
    def get_fields_display(self, case: Case) -> dict[str, str]:
        return {row.key: row.display for row in field_rows(case, only_set=True)}

    @extend_schema_field(PersonSerializer(many=True))
    def get_supervisors(self, case: Case) -> list[dict[str, Any]]:
        people = [s.user for s in sorted(case.supervisors.all(), key=lambda s: (s.added_at, s.pk))]
        return PersonSerializer(people, many=True).data if people else []


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
    channel = serializers.CharField(
        max_length=20, help_text="A channel code of the rulebook (GET /api/v1/rulebooks/: `channels` per case type)."
    )
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
    fields = FieldsInputField(required=False, default=dict)

    def get_fields(self) -> dict[str, serializers.Field]:
        return fresh_fields(self._declared_fields)  # see fresh_fields: no deep copies per request

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
        help_text=(
            "The transition's input (docs/api.md): the action's keys, plus `comment`, `fields` (form field "
            "values saved with the step) and `attachment` (id of an attachment of the case) where the rulebook "
            "requires them (`allowed_transitions[].requires_*`)."
        ),
    )


def _reason(*, required: bool = True) -> serializers.CharField:
    if required:
        return serializers.CharField(max_length=TEXT_LIMITS["reason"])
    return serializers.CharField(max_length=TEXT_LIMITS["reason"], required=False, allow_blank=True, default="")


class CaseFieldsUpdateSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    fields = FieldsInputField()
    reason = _reason(required=False)


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
