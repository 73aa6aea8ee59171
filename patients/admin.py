import re

from django.contrib import admin
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html

from audit.admin import AccessLoggedAdmin
from patients.models import (
    Appointment,
    AppointmentType,
    Patient,
    Practitioner,
    TimeOff,
    WorkingHours,
)


class WorkingHoursInline(admin.TabularInline):
    model = WorkingHours
    extra = 1
    fields = ["weekday", "starts", "ends"]
    verbose_name = "weekly working-hours block"
    verbose_name_plural = (
        "Weekly working hours (clinic local time; several blocks a day for breaks, e.g. "
        "08:00-12:00 and 13:00-17:00)"
    )


class TimeOffInline(admin.TabularInline):
    """Read-only here: time off is entered on the app's time off page, which lists the
    appointments it would cover before saving (issue 10)."""

    model = TimeOff
    extra = 0
    fields = ["starts_at", "ends_at", "reason", "change_link"]
    readonly_fields = fields
    verbose_name_plural = "Time off (add or change it on the time off page)"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="Change")
    def change_link(self, obj):
        if obj.pk is None:
            return ""
        return format_html(
            '<a href="{}">Change on the time off page</a>',
            reverse("patients:time_off_edit", args=[obj.pk]),
        )


@admin.register(Practitioner)
class PractitionerAdmin(admin.ModelAdmin):
    list_display = ["display_name", "registration_number", "user", "active", "online_booking"]
    list_filter = ["active", "online_booking"]
    search_fields = ["display_name", "registration_number", "user__username"]
    autocomplete_fields = ["user"]
    inlines = [WorkingHoursInline, TimeOffInline]
    readonly_fields = ["add_time_off"]

    @admin.display(description="Time off")
    def add_time_off(self, obj):
        url = reverse("patients:time_off_create")
        if obj is not None and obj.pk is not None:
            url += f"?practitioner={obj.pk}"
        return format_html('<a href="{}">Add time off</a> (lists the appointments it covers)', url)


@admin.register(Patient)
class PatientAdmin(AccessLoggedAdmin, admin.ModelAdmin):
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


@admin.register(AppointmentType)
class AppointmentTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "minutes", "mode", "kind", "active", "online_booking"]
    list_filter = ["mode", "active", "online_booking"]
    search_fields = ["name"]

    def has_delete_permission(self, request, obj=None):
        # Retire a type with "active" instead: past appointments keep theirs.
        return False


@admin.register(TimeOff)
class TimeOffAdmin(admin.ModelAdmin):
    """Adding or changing time off opens the app's time off page, which lists the booked
    appointments it covers and asks what happens to each before saving (issue 10): the admin's
    own form would save it over them without a word. Deleting stays here."""

    list_display = ["practitioner", "starts_at", "ends_at", "reason"]
    list_filter = ["practitioner"]
    date_hierarchy = "starts_at"

    def add_view(self, request, form_url="", extra_context=None):
        return redirect("patients:time_off_create")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if not re.fullmatch(r"[0-9]{1,9}", object_id or "") or not (
            TimeOff.objects.filter(pk=object_id).exists()
        ):
            return super().change_view(request, object_id, form_url, extra_context)
        return redirect("patients:time_off_edit", time_off_id=int(object_id))


@admin.register(Appointment)
class AppointmentAdmin(AccessLoggedAdmin, admin.ModelAdmin):
    """Read-only: appointments are booked and changed in the app, where the booking rules and
    the status transitions live."""

    list_display = ["starts_at", "practitioner", "type", "status", "uuid"]
    list_filter = ["status", "practitioner", "type"]
    date_hierarchy = "starts_at"
    search_fields = ["uuid"]
    list_select_related = ["practitioner", "type"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
