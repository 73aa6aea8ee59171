"""Issue 11: the applications by time, newest first (the cleaning log's latest uses), and by
instrument and time (an instrument's log and its last use, which the "needs cleaning" warning asks
on every treatment step). Built concurrently: the applications table is among the largest and
keeps taking rows. The cleanings in the log's order, newest first."""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("treatments", "0012_intake_forms"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="application",
            index=models.Index(fields=["created_at"], name="application_created_idx"),
        ),
        AddIndexConcurrently(
            model_name="application",
            index=models.Index(
                fields=["instrument", "created_at"], name="application_instrument_idx"
            ),
        ),
        AddIndexConcurrently(
            model_name="instrumentcleaning",
            index=models.Index(fields=["-cleaned_at", "-id"], name="cleaning_log_order_idx"),
        ),
    ]
