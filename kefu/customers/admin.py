from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from kefu.customers.masking import mask_email, mask_id_number, mask_phone
from kefu.customers.models import Address, Contact, Customer, PersonalDataAccess


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0

    def get_fields(self, request, obj=None):
        if request.user.is_superuser:
            return super().get_fields(request, obj)
        return ("name", "role", "masked_phone", "masked_email")

    def get_readonly_fields(self, request, obj=None):
        return () if request.user.is_superuser else ("name", "role", "masked_phone", "masked_email")

    def has_add_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser and super().has_add_permission(request, obj)

    @admin.display(description=_("phone"))
    def masked_phone(self, obj: Contact) -> str:
        return mask_phone(obj.phone)

    @admin.display(description=_("e-mail"))
    def masked_email(self, obj: Contact) -> str:
        return mask_email(obj.email)


class AddressInline(admin.TabularInline):
    model = Address
    extra = 0


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    """Staff who are not superusers see the customers `visible_to` them, with numbers masked (the full
    numbers are shown only by the logged "show" on the case page or the API)."""

    list_display = ("code", "name", "customer_type", "grade", "region", "is_overseas", "is_active")
    list_filter = ("customer_type", "grade", "region", "is_overseas", "is_active")
    search_fields = ("code", "name", "contacts__phone")
    inlines = [ContactInline, AddressInline]

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return qs if request.user.is_superuser else qs.visible_to(request.user)

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        if not request.user.is_superuser:
            fields = ["masked_id_number" if f == "id_number" else f for f in fields]
        return fields

    def get_readonly_fields(self, request, obj=None):
        return () if request.user.is_superuser else ("masked_id_number",)

    @admin.display(description=_("ID number"))
    def masked_id_number(self, obj: Customer) -> str:
        return mask_id_number(obj.id_number)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(admin.ModelAdmin):
    """The log of every "show" of personal data. Read-only, for superusers."""

    list_display = ("at", "viewer", "kind", "customer", "case_number", "surface", "path")
    list_filter = ("kind", "surface")
    search_fields = ("case_number", "viewer__username")
    list_select_related = ("viewer", "customer")
    show_full_result_count = False

    def has_module_permission(self, request) -> bool:
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
