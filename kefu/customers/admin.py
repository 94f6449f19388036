from django.contrib import admin

from kefu.customers.models import Address, Contact, Customer


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0


class AddressInline(admin.TabularInline):
    model = Address
    extra = 0


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "customer_type", "grade", "region", "is_overseas", "is_active")
    list_filter = ("customer_type", "grade", "region", "is_overseas", "is_active")
    search_fields = ("code", "name", "contacts__phone")
    inlines = [ContactInline, AddressInline]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
