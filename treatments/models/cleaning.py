"""Issue 12: the instrument cleaning log. A row says who cleaned which instrument, when and how;
rows are appended, never edited or deleted (a database trigger refuses both, even in raw SQL). An
instrument's uses are not stored again here: they are its applications in treatment sessions."""

import pgtrigger
from django.conf import settings
from django.db import models
from django.utils import timezone

from treatments import triggers
from treatments.models.catalogue import Instrument


class CleaningMethod(models.TextChoices):
    WIPE = "wipe", "Disinfectant wipe"
    SOAP_THEN_DISINFECTANT = "soap_disinfectant", "Soap and water, then disinfectant"
    AUTOCLAVE = "autoclave", "Autoclave"


class InstrumentCleaning(models.Model):
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="cleanings")
    method = models.CharField(max_length=20, choices=CleaningMethod.choices)
    note = models.CharField(max_length=200, blank=True)
    cleaned_at = models.DateTimeField(default=timezone.now, editable=False)
    cleaned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-cleaned_at", "-pk"]
        indexes = [
            models.Index(fields=["instrument", "-cleaned_at"], name="cleaning_latest_idx"),
            # Issue 11: the log's latest cleanings of every instrument, in its order.
            models.Index(fields=["-cleaned_at", "-id"], name="cleaning_log_order_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(method__in=CleaningMethod.values),
                name="cleaning_method_is_known",
            )
        ]
        triggers = [
            triggers.UnignorableProtect(
                name="cleaning_log_is_append_only",
                operation=pgtrigger.Update | pgtrigger.Delete,
            )
        ]

    def __str__(self):
        return f"{self.instrument} cleaned {timezone.localtime(self.cleaned_at):%Y-%m-%d %H:%M}"
