"""Forms of the web interface. They check the input's shape; the services check the business rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from kefu.cases.choices import CaseStatus, Channel, NoteVisibility, RemedyKind, Responsibility
from kefu.cases.models import Case
from kefu.core.inputs import TEXT_LIMITS as LIMITS
from kefu.customers.choices import CustomerGrade, CustomerType, Region
from kefu.customers.models import Customer
from kefu.org.models import OrgUnit, User
from kefu.org.paths import unit_paths
from kefu.rulebooks.choices import Operation, TransitionAction
from kefu.rulebooks.schema import RulebookDoc, TransitionDef
from kefu.web.fieldforms import FIELD_PREFIX, add_case_fields, field_input_values, form_name
from kefu.web.templatetags.kefu_web import rb_label

REMEDY_ROWS = 3


def staff_queryset() -> QuerySet[User]:
    return User.objects.filter(is_active=True).select_related("unit").order_by("unit__path", "username")


def unit_queryset() -> QuerySet[OrgUnit]:
    return OrgUnit.objects.filter(is_active=True).order_by("path")


class PathSelect(forms.Select):
    """A select whose options carry their unit's materialised path (`data-path`), so the case page's
    script can narrow the handlers to the unit chosen in the same form (kefu/static/kefu/case-page.js)."""

    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(*args, **kwargs)
        instance = getattr(option["value"], "instance", None)
        path = getattr(instance, "path", None)
        if path is None and getattr(instance, "unit_id", None):
            path = instance.unit.path
        if path:
            option["attrs"]["data-path"] = path
        return option


class _PathLabels:
    """Labels with unit paths ("杭州公司 / 售后部"), computed once for the whole queryset."""

    _paths: dict[int, str] | None = None

    def _path(self, unit: OrgUnit | None) -> str:
        if unit is None:
            return ""
        if self._paths is None or unit.pk not in self._paths:
            units = [getattr(o, "unit", o) for o in self.queryset]  # type: ignore[attr-defined]
            self._paths = unit_paths([u for u in units if u is not None] + [unit])
        return self._paths[unit.pk]


class StaffChoiceField(_PathLabels, forms.ModelChoiceField):
    widget = PathSelect

    def label_from_instance(self, obj: User) -> str:
        return f"{obj}（{self._path(obj.unit)}）" if obj.unit_id else str(obj)


class UnitChoiceField(_PathLabels, forms.ModelChoiceField):
    widget = PathSelect

    def label_from_instance(self, obj: OrgUnit) -> str:
        return self._path(obj)


# --------------------------------------------------------------------------------------------------
# Board filters


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


# --------------------------------------------------------------------------------------------------
# Intake


class IntakeForm(forms.Form):
    """Registration of a case, optionally with a new customer, in one submit."""

    customer = forms.ModelChoiceField(
        label=_("Customer"), queryset=Customer.objects.filter(is_active=True), required=False, widget=forms.HiddenInput
    )
    new_name = forms.CharField(label=_("Name"), required=False, max_length=200)
    new_phone = forms.CharField(label=_("Phone"), required=False, max_length=30)
    new_type = forms.ChoiceField(
        label=_("Customer type"), choices=CustomerType.choices, initial=CustomerType.INDIVIDUAL
    )
    new_grade = forms.ChoiceField(label=_("Grade"), choices=CustomerGrade.choices, initial=CustomerGrade.C)
    new_region = forms.ChoiceField(label=_("Region"), choices=Region.choices, initial=Region.URBAN)
    new_overseas = forms.BooleanField(label=_("Overseas"), required=False)

    rulebook = forms.ChoiceField(label=_("Rulebook"))
    case_type = forms.ChoiceField(label=_("Case type"))
    category = forms.ChoiceField(label=_("Category"), required=False)
    severity = forms.ChoiceField(label=_("Severity"))
    channel = forms.ChoiceField(label=_("Channel"), choices=(), initial=Channel.PHONE)
    title = forms.CharField(label=_("Title"), max_length=LIMITS["title"])
    description = forms.CharField(
        label=_("Description"), max_length=LIMITS["description"], widget=forms.Textarea(attrs={"rows": 4})
    )
    customer_request = forms.CharField(
        label=_("Customer's request"),
        required=False,
        max_length=LIMITS["customer_request"],
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    subject_person = StaffChoiceField(
        label=_("Person complained about"), queryset=User.objects.none(), required=False, empty_label=_("— none —")
    )
    attachment = forms.FileField(label=_("Attachment"), required=False)
    is_anonymous = forms.BooleanField(
        label=_("Anonymous complainant"),
        required=False,
        help_text=_(
            "The complainant asked not to be named: their name, phone and address are hidden from everyone "
            "but the people the rulebook names. Do not write them in the title or description."
        ),
    )

    def __init__(
        self,
        *args: Any,
        rulebooks: dict[str, RulebookDoc],
        default_key: str,
        user: Any = None,
        rulebook_key: str | None = None,
        case_type: str | None = None,
        category: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.rulebooks = rulebooks
        key = self.data.get("rulebook") if self.is_bound else rulebook_key
        key = key if key in rulebooks else default_key
        doc = rulebooks[key]
        self.fields["rulebook"].choices = [
            (k, d.name_en if _english() and d.name_en else d.name) for k, d in rulebooks.items()
        ]
        self.fields["rulebook"].initial = key
        self.doc = doc
        self.fields["case_type"].choices = [(code, rb_label(ct)) for code, ct in doc.case_types.items()]
        case_type = self.data.get("case_type") if self.is_bound else case_type
        if case_type not in doc.case_types:
            case_type = next(iter(doc.case_types))
        self.fields["case_type"].initial = case_type
        self.fields["category"].choices = category_choices(doc, case_type)
        if category and any(code == category for code, _label in self.fields["category"].choices):
            self.fields["category"].initial = category
        self.fields["severity"].choices = [(s.code, rb_label(s)) for s in doc.severities]
        self.fields["channel"].choices = channel_choices(doc, case_type)
        self.fields["subject_person"].queryset = staff_queryset()
        if user is not None:
            # Only a customer this person may see can be picked (the intake roles see the directory).
            self.fields["customer"].queryset = Customer.objects.visible_to(user).filter(is_active=True)
        self.fields["new_phone"].widget.attrs.update(placeholder="13812345678")
        # The case type's form fields; a contact field once a customer is chosen.
        self.case_type_def = doc.case_types[case_type]
        picked = self.data.get("customer") if self.is_bound else None
        customer_id = int(picked) if picked and str(picked).isascii() and str(picked).isdigit() else None
        self.field_names = add_case_fields(
            self,
            self.case_type_def.fields,
            required={f.key for f in self.case_type_def.fields if f.required},
            customer_id=customer_id,
        )

    @property
    def case_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.field_names]

    def field_values(self) -> dict[str, Any]:
        return field_input_values(self, self.case_type_def.fields)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("customer"):
            if not data.get("new_name"):
                self.add_error("new_name", _("Pick a customer from the search, or enter a new customer's name."))
            if not data.get("new_phone"):
                self.add_error("new_phone", _("Enter the new customer's phone number."))
        return data


def _english() -> bool:
    from django.utils.translation import get_language

    return (get_language() or "").startswith("en")


def channel_choices(doc: RulebookDoc, case_type: str) -> list[tuple[str, str]]:
    """The channels of the rulebook (its own list, or Kefu's) that the case type accepts."""
    return [(code, doc.channel_label(code, english=_english())) for code in doc.channel_codes(case_type)]


def category_choices(doc: RulebookDoc, case_type: str) -> list[tuple[str, str]]:
    cats = doc.categories_for(case_type) if case_type in doc.case_types else []
    return [("", _("— none —"))] + [(c.code, rb_label(c)) for c in cats]


# --------------------------------------------------------------------------------------------------
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
