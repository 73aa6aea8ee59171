from django.contrib import admin

from patients.models import Patient, Practitioner


@admin.register(Practitioner)
class PractitionerAdmin(admin.ModelAdmin):
    list_display = ["display_name", "registration_number", "user", "active"]
    list_filter = ["active"]
    search_fields = ["display_name", "registration_number", "user__username"]
    autocomplete_fields = ["user"]


@admin.register(Patient)
class PatientAdmin(admin.ModelAdmin):
    """Read-mostly: patients are registered and edited in the app, where the rules live.
    The admin lets the manager link a portal login and see archived records."""

    list_display = ["last_name", "first_name", "uuid", "archived_at"]
    list_filter = [("archived_at", admin.EmptyFieldListFilter)]
    search_fields = ["last_name", "first_name", "email", "phone"]
    fields = ["uuid", "first_name", "last_name", "user", "archived_at", "created_at"]
    readonly_fields = ["uuid", "first_name", "last_name", "archived_at", "created_at"]
    autocomplete_fields = ["user"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
