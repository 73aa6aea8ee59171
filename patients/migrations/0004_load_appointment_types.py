"""The clinic's three appointment types. The manager adds or retires types in the admin."""

from django.db import migrations

APPOINTMENT_TYPES = (
    # name, minutes, mode
    ("Initial assessment", 60, "in_clinic"),
    ("Follow-up IASTR", 30, "in_clinic"),
    ("Free 10-minute consultation call", 10, "phone"),
)


def load_appointment_types(apps, schema_editor):
    """Idempotent: tests/support.py runs it again after a browser test flushes the database."""
    AppointmentType = apps.get_model("patients", "AppointmentType")
    for name, minutes, mode in APPOINTMENT_TYPES:
        AppointmentType.objects.get_or_create(
            name=name, defaults={"minutes": minutes, "mode": mode}
        )


def remove_unused_appointment_types(apps, schema_editor):
    # A type already used by an appointment stays (the foreign key protects it).
    AppointmentType = apps.get_model("patients", "AppointmentType")
    AppointmentType.objects.filter(
        name__in=[name for name, _, _ in APPOINTMENT_TYPES], appointments__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("patients", "0003_working_hours_time_off_and_appointments"),
    ]

    operations = [migrations.RunPython(load_appointment_types, remove_unused_appointment_types)]
