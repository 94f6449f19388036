"""Showing who complained: the logged "show" of a case's customer (identity and full contact details).

An anonymous complainant's identity is hidden from everyone who may see the case, except the roles
and the receiver its rulebook names (`confidentiality`); those see it only when they ask, and every
time is written to `kefu.customers.models.PersonalDataAccess` (001 篇10 第十九条: 投诉举报的受理、登记、
办理等各个环节，依照有关法规、制度严格保密 …… 严禁泄露投诉举报人的姓名、单位、住址等情况). The same "show"
gives the full phone and ID numbers of a named case's customer to the roles that call customers.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from kefu.cases.models import Case, CaseAttachment
from kefu.core.exceptions import ForbiddenError
from kefu.customers.choices import PersonalDataKind
from kefu.customers.models import Customer
from kefu.customers.services import may_reveal_contacts, personal_data_access_record
from kefu.org.models import User

__all__ = ("Revealed", "case_attachment_open", "case_reveal_customer", "may_open_attachment", "may_reveal_customer")


@dataclass(frozen=True)
class Revealed:
    customer: Customer
    # Full phone, ID and e-mail (CONTACT_ROLES); otherwise the identity with masked numbers.
    full_contacts: bool


def may_reveal_customer(case: Case, actor: User) -> bool:
    """Whether `actor` (who may see `case`) gets anything from a "show" on it."""
    if case.is_anonymous:
        return case.identity_visible_to(actor)
    return may_reveal_contacts(actor)


@transaction.atomic
def case_reveal_customer(*, case: Case, actor: User, surface: str, path: str = "") -> Revealed:
    """Show `actor` who complained in `case` (from `Case.objects.visible_to(actor)`), and log it.

    Anonymous case: only for the rulebook's identity roles and (if it says so) the receiver; logged as
    `anonymous_identity`. Named case: the full contact details, for CONTACT_ROLES; logged as
    `contact_details`. Anyone else gets ForbiddenError and nothing is logged.
    """
    if case.is_anonymous:
        if not case.identity_visible_to(actor):
            raise ForbiddenError(
                _("The complainant of case %(number)s is anonymous; the rulebook does not let your role see who it is.")
                % {"number": case.number}
            )
        kind = PersonalDataKind.ANONYMOUS_IDENTITY
    else:
        if not may_reveal_contacts(actor):
            raise ForbiddenError(
                _("Your role (%(role)s) sees masked phone and ID numbers only.") % {"role": actor.get_role_display()}
            )
        kind = PersonalDataKind.CONTACT_DETAILS
    personal_data_access_record(
        viewer=actor,
        customer=case.customer,
        kind=kind,
        surface=surface,
        path=path,
        case_id=case.pk,
        case_number=case.number,
    )
    return Revealed(customer=case.customer, full_contacts=may_reveal_contacts(actor))


def may_open_attachment(case: Case, attachment: CaseAttachment, actor: User) -> bool:
    """Whether `actor` (who may see `case`) may download `attachment`.

    On an anonymous case the materials may name the complainant (a letter, a call recording), and
    篇10 第十九条(四) forbids showing them during the investigation: only the people who may see the
    complainant, and whoever uploaded the file, open them.
    """
    return not case.is_anonymous or attachment.uploaded_by_id == actor.pk or case.identity_visible_to(actor)


@transaction.atomic
def case_attachment_open(
    *, case: Case, attachment: CaseAttachment, actor: User, surface: str, path: str = ""
) -> CaseAttachment:
    """Check that `actor` may download `attachment` of `case` (visible to them); an anonymous case's
    file opened by someone other than its uploader is logged like an identity reveal."""
    if attachment.case_id != case.pk or not may_open_attachment(case, attachment, actor):
        raise ForbiddenError(
            _("The files of an anonymous complaint may name the complainant; your role may not open them.")
        )
    if case.is_anonymous and attachment.uploaded_by_id != actor.pk:
        personal_data_access_record(
            viewer=actor,
            customer=case.customer,
            kind=PersonalDataKind.ANONYMOUS_IDENTITY,
            surface=surface,
            path=path,
            case_id=case.pk,
            case_number=case.number,
        )
    return attachment
