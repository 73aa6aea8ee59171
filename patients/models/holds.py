"""Issue 13: a time held for an online booking while the person confirms it by email.

A hold blocks its practitioner's time for everyone (the public page, the front desk's booking and
rescheduling, the free-time lists) until it is confirmed (it becomes an appointment), or expires.
It holds only what the person typed and a keyed hash of the code emailed to them; it is not
tracked by pghistory, so nothing of an abandoned request outlives its deletion.
"""

import uuid

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import RangeBoundary, RangeOperators
from django.db import models
from django.db.models import Q
from django.utils import timezone

from patients.models.appointments import TsTzRange


class OnlineBookingHoldQuerySet(models.QuerySet):
    def unexpired(self, now):
        return self.filter(expires_at__gt=now)

    def overlapping(self, starts_at, ends_at):
        return self.alias(span=TsTzRange("starts_at", "ends_at", RangeBoundary())).filter(
            span__overlap=(starts_at, ends_at)
        )


class OnlineBookingHold(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    practitioner = models.ForeignKey(
        "patients.Practitioner", on_delete=models.CASCADE, related_name="+"
    )
    type = models.ForeignKey("patients.AppointmentType", on_delete=models.CASCADE, related_name="+")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    # Only what was typed on the public page; the patient is found or created on confirmation.
    first_name = models.CharField(max_length=80)
    last_name = models.CharField(max_length=80)
    phone = models.CharField(max_length=32)
    email = models.EmailField()
    # A salted HMAC of the hold's uuid and the 6-digit code: never the code itself.
    code_hash = models.CharField(max_length=64)
    failed_attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = OnlineBookingHoldQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["expires_at"], name="online_hold_expires_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")),
                name="online_hold_ends_after_start",
            ),
            # Two holds of one practitioner never overlap (expired ones are deleted, under the
            # practitioner's row lock, before a new hold is inserted).
            ExclusionConstraint(
                name="online_hold_no_overlap",
                expressions=[
                    (TsTzRange("starts_at", "ends_at", RangeBoundary()), RangeOperators.OVERLAPS),
                    ("practitioner", RangeOperators.EQUAL),
                ],
                violation_error_code="held",
                violation_error_message="That time is held for another online booking.",
            ),
        ]

    def __str__(self):
        return f"Held online until {timezone.localtime(self.expires_at):%H:%M}"


class PossibleDuplicateFlag(models.Model):
    """A record created by an online booking that may be the same person as ``other`` (same
    phone or email): the front desk checks before the visit. Never merged automatically; the
    flag is cleared when someone marks it checked."""

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.CASCADE, related_name="duplicate_flags"
    )
    other = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="+")
    reasons = models.CharField(max_length=120)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["patient", "other"], name="duplicate_flag_once"),
        ]

    def __str__(self):
        return f"Possible duplicate ({self.reasons})"
