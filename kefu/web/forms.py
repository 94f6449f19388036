"""Forms of the web interface. They check the input's shape; the services check the business rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kefu.cases.choices import NoteVisibility, RemedyKind, Responsibility
from kefu.cases.models import Case
from kefu.core.inputs import TEXT_LIMITS as LIMITS
from kefu.org.models import OrgUnit, User
from kefu.rulebooks.choices import Operation, TransitionAction
from kefu.rulebooks.schema import RulebookDoc, TransitionDef
from kefu.web.fieldforms import FIELD_PREFIX, add_case_fields, field_input_values
from kefu.web.filterforms import BoardFilterForm, QueueFilterForm
from kefu.web.intakeforms import IntakeForm, category_choices, channel_choices
from kefu.web.pickers import PathSelect, StaffChoiceField, UnitChoiceField, staff_queryset, unit_queryset
from kefu.web.templatetags.kefu_web import rb_label

# The queue, board and intake forms and the pickers live in their own modules (split by responsibility);
# their names stay importable from here.
__all__ = (
    "OPERATION_FORMS",
    "REMEDY_ROWS",
    "BoardFilterForm",
    "CaseFieldsForm",
    "ClassificationForm",
    "ExtensionForm",
    "IntakeForm",
    "PathSelect",
    "PromiseForm",
    "QueueFilterForm",
    "StaffChoiceField",
    "UnitChoiceField",
    "VersionedForm",
    "category_choices",
    "channel_choices",
    "staff_queryset",
    "transition_form",
    "transition_form_class",
    "unit_queryset",
)

REMEDY_ROWS = 3

# Case transitions: one form per rulebook action, with exactly the inputs the action needs.


class VersionedForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    # Set by transition_form(): the rulebook's form fields this transition asks for.
    asked_fields: list[Any] = []

    def service_data(self) -> dict[str, Any]:
        """The cleaned data as the service expects it: model instances as ids, nothing empty; the form
        fields a transition asks for go under `fields`, an uploaded file is passed on separately."""
        out: dict[str, Any] = {}
        for name, value in self.cleaned_data.items():
            if name in ("version", "upload") or name.startswith(FIELD_PREFIX) or value in (None, ""):
                continue
            out[name] = value.pk if hasattr(value, "pk") else value
        if self.asked_fields:
            out["fields"] = field_input_values(self, self.asked_fields, keep_empty=True)
        return out

    def upload(self) -> Any:
        return self.cleaned_data.get("upload")


class CommentForm(VersionedForm):
    comment = forms.CharField(
        max_length=LIMITS["comment"], label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class RequiredCommentForm(VersionedForm):
    comment = forms.CharField(
        max_length=LIMITS["comment"], label=_("Why is it sent back?"), widget=forms.Textarea(attrs={"rows": 2})
    )


class ReasonForm(VersionedForm):
    reason = forms.CharField(max_length=LIMITS["reason"], label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


class TextCheckedMixin:
    """A form whose text the customer reads (kefu.cases.textchecks). The override box stays hidden
    until a check refused the text: then the findings are shown and the sender may tick it."""

    text_check_field = ""
    text_check_findings: tuple = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        self.fields["override_text_checks"] = forms.BooleanField(  # type: ignore[attr-defined]
            label=_("Send it as it is: I have read the warning (this is recorded)"),
            required=False,
            widget=forms.HiddenInput,
        )

    def show_text_check_findings(self, findings: tuple) -> None:
        self.text_check_findings = findings
        field = self.fields["override_text_checks"]  # type: ignore[attr-defined]
        field.widget = forms.CheckboxInput()

    def text_check_segments(self) -> list[tuple[str, Any]]:
        """The checked text cut at the findings: (piece, finding or None), for highlighting."""
        text = str(self[self.text_check_field].value() or "").strip()  # type: ignore[index]
        out: list[tuple[str, Any]] = []
        at = 0
        for finding in self.text_check_findings:
            if finding.start < at:
                continue  # overlapping hits: the first one is marked
            out += [(text[at : finding.start], None), (text[finding.start : finding.end], finding)]
            at = finding.end
        out.append((text[at:], None))
        return [(piece, finding) for piece, finding in out if piece]


class NotEstablishedForm(TextCheckedMixin, VersionedForm):
    text_check_field = "reason"
    reason = forms.CharField(
        max_length=LIMITS["reason"], label=_("Reason (sent to the customer)"), widget=forms.Textarea(attrs={"rows": 3})
    )


class CustomerRejectForm(VersionedForm):
    reason = forms.CharField(
        max_length=LIMITS["reason"],
        label=_("Why does the customer not accept?"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class RouteForm(VersionedForm):
    unit = UnitChoiceField(label=_("Responsible unit"), queryset=OrgUnit.objects.none())
    assignee = StaffChoiceField(
        label=_("Handler"), queryset=User.objects.none(), required=False, empty_label=_("— later —")
    )
    comment = forms.CharField(
        max_length=LIMITS["comment"], label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = unit_queryset()
        self.fields["assignee"].queryset = staff_queryset()


class AssignForm(VersionedForm):
    assignee = StaffChoiceField(label=_("Handler"), queryset=User.objects.none())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = staff_queryset()


class FindingForm(VersionedForm):
    cause = forms.CharField(max_length=LIMITS["cause"], label=_("Cause"), widget=forms.Textarea(attrs={"rows": 3}))
    responsibility = forms.ChoiceField(label=_("Responsibility"), choices=Responsibility.choices)
    responsible_unit = UnitChoiceField(
        label=_("Responsible unit"), queryset=OrgUnit.objects.none(), required=False, empty_label=_("— unchanged —")
    )
    responsible_person = StaffChoiceField(
        label=_("Responsible person"), queryset=User.objects.none(), required=False, empty_label=_("— none —")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["responsible_unit"].queryset = unit_queryset()
        self.fields["responsible_person"].queryset = staff_queryset()


class RemedyForm(VersionedForm):
    """Up to REMEDY_ROWS remedies; empty rows are ignored, at least one is needed."""

    comment = forms.CharField(
        max_length=LIMITS["comment"], label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for i in range(REMEDY_ROWS):
            self.fields[f"kind_{i}"] = forms.ChoiceField(
                label=_("Remedy"), required=False, choices=[("", "—"), *RemedyKind.choices]
            )
            self.fields[f"amount_{i}"] = forms.DecimalField(
                label=_("Amount (yuan)"), required=False, min_value=0, max_digits=12, decimal_places=2
            )
            self.fields[f"description_{i}"] = forms.CharField(
                label=_("Description"), required=False, max_length=LIMITS["remedy_description"]
            )

    @property
    def rows(self) -> list[tuple[forms.BoundField, forms.BoundField, forms.BoundField]]:
        return [(self[f"kind_{i}"], self[f"amount_{i}"], self[f"description_{i}"]) for i in range(REMEDY_ROWS)]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        remedies = []
        for i in range(REMEDY_ROWS):
            kind, amount, description = data.get(f"kind_{i}"), data.get(f"amount_{i}"), data.get(f"description_{i}")
            if not kind:
                if amount or description:
                    self.add_error(f"kind_{i}", _("Choose the kind of remedy."))
                continue
            remedies.append({"kind": kind, "amount": str(amount or 0), "description": description or ""})
        if not remedies and not self.errors:
            self.add_error("kind_0", _("Propose at least one remedy."))
        data["remedies"] = remedies
        return data

    def service_data(self) -> dict[str, Any]:
        data = {"remedies": self.cleaned_data["remedies"], "comment": self.cleaned_data.get("comment", "")}
        if self.asked_fields:
            data["fields"] = field_input_values(self, self.asked_fields, keep_empty=True)
        return data


class ReplyForm(TextCheckedMixin, VersionedForm):
    text_check_field = "reply"
    reply = forms.CharField(
        max_length=LIMITS["reply"], label=_("Reply to the customer"), widget=forms.Textarea(attrs={"rows": 4})
    )


class ReturnVisitForm(VersionedForm):
    note = forms.CharField(
        max_length=LIMITS["note"], label=_("What the customer said"), widget=forms.Textarea(attrs={"rows": 3})
    )


class ReviewForm(VersionedForm):
    summary = forms.CharField(
        max_length=LIMITS["summary"], label=_("Review summary"), widget=forms.Textarea(attrs={"rows": 3})
    )


ACTION_FORMS: dict[str, type[VersionedForm]] = {
    TransitionAction.NOT_ESTABLISHED: NotEstablishedForm,
    TransitionAction.ROUTE: RouteForm,
    TransitionAction.ASSIGN: AssignForm,
    TransitionAction.FINDING: FindingForm,
    TransitionAction.REMEDY: RemedyForm,
    TransitionAction.DECLINE: RequiredCommentForm,
    TransitionAction.REPLY: ReplyForm,
    TransitionAction.CUSTOMER_REJECT: CustomerRejectForm,
    TransitionAction.RETURN_VISIT: ReturnVisitForm,
    TransitionAction.REVIEW: ReviewForm,
}


def transition_form_class(action: str) -> type[VersionedForm]:
    return ACTION_FORMS.get(action, CommentForm)


def transition_form(case: Case, td: TransitionDef, *args: Any, **kwargs: Any) -> VersionedForm:
    """The form of a transition: its action's inputs, plus what the rulebook requires on it (a comment,
    form fields — shown with their current values — and a file to upload)."""
    from kefu.cases.services import transition_inputs

    form = transition_form_class(td.action)(*args, **kwargs)
    comment_required, keys, attachment_required = transition_inputs(case, td)
    if comment_required:
        if "comment" not in form.fields:
            form.fields["comment"] = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 2}))
        form.fields["comment"].required = True
    asked = [case.type_def.field(k) for k in keys]
    form.asked_fields = [d for d in asked if d is not None and d.type != "attachment"]
    add_case_fields(
        form,
        form.asked_fields,
        required={d.key for d in form.asked_fields},
        customer_id=case.customer_id,
        case=case,
        values=case.fields,
    )
    # An attachment field the transition needs is filled by the file uploaded with it.
    attachment_keys = [d.key for d in asked if d is not None and d.type == "attachment"]
    if attachment_required or attachment_keys:
        form.fields["upload"] = forms.FileField(
            label=_("Attachment"),
            required=attachment_required or not all((case.fields or {}).get(k) for k in attachment_keys),
        )
    form.attachment_keys = attachment_keys
    return form


class CaseFieldsForm(VersionedForm):
    """The form fields of a case that this person may change."""

    reason = forms.CharField(label=_("Reason (optional)"), required=False, max_length=500)

    def __init__(self, *args: Any, case: Case, definitions: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.definitions = definitions
        self.field_names = add_case_fields(
            self, definitions, customer_id=case.customer_id, case=case, values=case.fields
        )
        self.order_fields([*self.field_names, "reason"])

    def values(self) -> dict[str, Any]:
        return field_input_values(self, self.definitions, changed_only=True, keep_empty=True)


class PromiseForm(VersionedForm):
    deadline = forms.DateTimeField(
        label=_("Promised time"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    reason = forms.CharField(label=_("What was promised to the customer"), max_length=500)


# --------------------------------------------------------------------------------------------------
# Operations outside the state graph ("more actions")


class TransferForm(VersionedForm):
    new_owner = StaffChoiceField(label=_("New owner"), queryset=User.objects.none())
    unit = UnitChoiceField(
        label=_("Responsible unit"), queryset=OrgUnit.objects.none(), required=False, empty_label=_("— unchanged —")
    )
    reason = forms.CharField(max_length=LIMITS["reason"], label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["new_owner"].queryset = staff_queryset()
        self.fields["unit"].queryset = unit_queryset()


class OptionalReasonForm(VersionedForm):
    reason = forms.CharField(
        max_length=LIMITS["reason"], label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class MergeForm(VersionedForm):
    into = forms.CharField(label=_("Surviving case number"), max_length=40)
    reason = forms.CharField(
        max_length=LIMITS["reason"], label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class NoteForm(TextCheckedMixin, forms.Form):
    text_check_field = "body"
    body = forms.CharField(max_length=LIMITS["body"], label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}))
    visibility = forms.ChoiceField(
        label=_("Visibility"), choices=NoteVisibility.choices, initial=NoteVisibility.INTERNAL
    )


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("File"))
    visibility = forms.ChoiceField(
        label=_("Visibility"), choices=NoteVisibility.choices, initial=NoteVisibility.INTERNAL
    )


OPERATION_FORMS: dict[str, type[forms.Form]] = {
    Operation.TRANSFER: TransferForm,
    Operation.SUSPEND: ReasonForm,
    Operation.RESUME: OptionalReasonForm,
    Operation.WITHDRAW: ReasonForm,
    Operation.REOPEN: ReasonForm,
    Operation.MERGE: MergeForm,
    "note": NoteForm,
    "attachment": AttachmentForm,
}


# --------------------------------------------------------------------------------------------------
# Deadlines: extending a clock, changing the classification (which recomputes the open clocks)

EXTENSION_UNITS = ("working_days", "working_hours", "working_minutes", "calendar_days", "hours", "minutes")


def _extension_unit_choices() -> list[tuple[str, str]]:
    labels = {
        "working_days": _("working days"),
        "working_hours": _("working hours"),
        "working_minutes": _("working minutes"),
        "calendar_days": _("calendar days"),
        "hours": _("hours"),
        "minutes": _("minutes"),
    }
    return [(unit, labels[unit]) for unit in EXTENSION_UNITS]


class ExtensionForm(VersionedForm):
    amount = forms.IntegerField(label=_("Extend by"), min_value=1, max_value=100_000)
    unit = forms.ChoiceField(label=_("Unit"), choices=())
    reason = forms.CharField(max_length=LIMITS["reason"], label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, clock_unit: str = "", consent: str = "none", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = _extension_unit_choices()
        if clock_unit in EXTENSION_UNITS and not self.is_bound:
            self.fields["unit"].initial = clock_unit
        if consent != "none":
            # The rulebook records the customer's agreement with the extension (required or optional).
            self.fields["customer_consent"] = forms.BooleanField(
                label=_("The customer agrees to the extension"), required=consent == "required"
            )

    def consent(self) -> bool | None:
        if "customer_consent" not in self.fields:
            return None
        return bool(self.cleaned_data.get("customer_consent"))


class ClassificationForm(VersionedForm):
    category = forms.ChoiceField(label=_("Category"), required=False)
    severity = forms.ChoiceField(label=_("Severity"))
    reason = forms.CharField(max_length=LIMITS["reason"], label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, doc: RulebookDoc, case_type: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices(doc, case_type)
        self.fields["severity"].choices = [(s.code, rb_label(s)) for s in doc.severities]
