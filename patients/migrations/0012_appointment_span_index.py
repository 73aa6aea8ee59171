"""Issue 11: a GiST index over each appointment's time range and practitioner, any status, for the
schedule's overlap query (the exclusion constraints' indexes hold active appointments only).
Built concurrently: the appointments table is the largest one and keeps taking bookings."""

import django.contrib.postgres.fields.ranges
import django.contrib.postgres.indexes
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models

import patients.models.appointments


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("patients", "0011_patient_search_indexes_and_ranking"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="appointment",
            index=django.contrib.postgres.indexes.GistIndex(
                patients.models.appointments.TsTzRange(
                    "starts_at", "ends_at", django.contrib.postgres.fields.ranges.RangeBoundary()
                ),
                models.F("practitioner"),
                name="appointment_span_idx",
            ),
        ),
    ]
