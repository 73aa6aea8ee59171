"""The schedule: practitioners' working hours and time off, appointment types, appointments.

Double booking is impossible in the database itself: two exclusion constraints refuse two active
appointments of one practitioner, or of one patient, whose time ranges overlap. The booking
services (patients/services.py) check first so the user reads a clear message, and turn the
database's refusal of a concurrent booking into the same message.
"""

import datetime
import uuid

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField, RangeBoundary, RangeOperators
from django.contrib.postgres.indexes import GistIndex
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Func, Q
from django.utils import timezone

from revere import roles
from revere.history import track_changes


class TsTzRange(Func):
    """PostgreSQL's ``tstzrange(start, end, '[)')``: half-open, so back-to-back appointments
    (one ends at 10:00, the next starts at 10:00) do not overlap."""

    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


class Weekday(models.IntegerChoices):
    # Python's date.weekday() numbering, so a date maps to its working hours without a table.
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


@track_changes()
class WorkingHours(models.Model):
    """One block of a practitioner's regular week, in the clinic's local wall time (08:00-12:00
    stays 08:00-12:00 across daylight-saving changes). A day may have several blocks."""

    practitioner = models.ForeignKey(
        "patients.Practitioner", on_delete=models.CASCADE, related_name="working_hours"
    )
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    starts = models.TimeField("Start")
    ends = models.TimeField("End")

    class Meta:
        verbose_name = "working hours block"
        verbose_name_plural = "working hours"
        ordering = ["practitioner", "weekday", "starts"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends__gt=models.F("starts")),
                name="working_hours_end_after_start",
                violation_error_message="The block must end after it starts.",
            ),
        ]

    def __str__(self):
        return f"{self.get_weekday_display()} {self.starts:%H:%M}-{self.ends:%H:%M}"

    def clean(self):
        if self.starts is None or self.ends is None or self.practitioner_id is None:
            return
        overlapping = WorkingHours.objects.filter(
            practitioner_id=self.practitioner_id,
            weekday=self.weekday,
            starts__lt=self.ends,
            ends__gt=self.starts,
        ).exclude(pk=self.pk)
        if overlapping.exists():
            raise ValidationError(
                "This block overlaps another block of the same day: "
                "join them into one or change the times."
            )


@track_changes()
class TimeOff(models.Model):
    practitioner = models.ForeignKey(
        "patients.Practitioner", on_delete=models.CASCADE, related_name="time_off"
    )
    starts_at = models.DateTimeField("Starts")
    ends_at = models.DateTimeField("Ends")
    reason = models.CharField(
        max_length=200, blank=True, help_text="For the manager; the schedule shows only “Away”."
    )

    class Meta:
        verbose_name = "time off"
        verbose_name_plural = "time off"
        ordering = ["practitioner", "starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")),
                name="time_off_end_after_start",
                violation_error_message="Time off must end after it starts.",
            ),
        ]
        indexes = [models.Index(fields=["practitioner", "ends_at"], name="time_off_lookup_idx")]

    def __str__(self):
        start, end = timezone.localtime(self.starts_at), timezone.localtime(self.ends_at)
        return f"{self.practitioner}: away {start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M}"


class AppointmentMode(models.TextChoices):
    IN_CLINIC = "in_clinic", "In clinic"
    PHONE = "phone", "Phone call"


class AppointmentKind(models.TextChoices):
    """What a type is for, so the booking page can preselect one (issue 10): a follow-up for a
    patient already assessed, an initial assessment otherwise, the free consultation call where
    only a few minutes are free."""

    INITIAL_ASSESSMENT = "initial_assessment", "Initial assessment"
    FOLLOW_UP = "follow_up", "Follow-up"
    CONSULTATION = "consultation", "Free consultation call"
    OTHER = "other", "Other"


@track_changes()
class AppointmentType(models.Model):
    name = models.CharField(max_length=80, unique=True)
    minutes = models.PositiveSmallIntegerField(
        "Length (minutes)", validators=[MinValueValidator(5), MaxValueValidator(480)]
    )
    mode = models.CharField(max_length=12, choices=AppointmentMode.choices)
    kind = models.CharField(
        max_length=20,
        choices=AppointmentKind.choices,
        default=AppointmentKind.OTHER,
        help_text="The booking page preselects the follow-up for a patient who has had an "
        "initial assessment, the initial assessment otherwise, and the consultation call where "
        "only a few minutes are free.",
    )
    active = models.BooleanField(
        default=True, help_text="Untick to stop offering it; past appointments keep it."
    )
    online_booking = models.BooleanField(
        "Bookable online",
        default=False,
        help_text="Patients may book it themselves: an initial assessment or the consultation "
        "call on the public booking page, a follow-up in the portal (issue 13).",
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(minutes__gte=5) & Q(minutes__lte=480),
                name="appointment_type_minutes_range",
                violation_error_message="An appointment lasts between 5 and 480 minutes.",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def label(self) -> str:
        return f"{self.name} ({self.minutes} min, {self.get_mode_display().lower()})"

    @property
    def is_phone(self) -> bool:
        return self.mode == AppointmentMode.PHONE


class BookingSource(models.TextChoices):
    """Who made the booking (issue 13): the front desk sees online bookings marked as such."""

    CLINIC = "clinic", "Booked by the clinic"
    ONLINE = "online", "Booked online"
    PORTAL = "portal", "Booked in the portal"


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", "Booked"
    ARRIVED = "arrived", "Arrived"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"
    NO_SHOW = "no_show", "No-show"


# Appointments that hold their time: a cancelled or no-show appointment frees the slot.
ACTIVE_STATUSES = (
    AppointmentStatus.BOOKED,
    AppointmentStatus.ARRIVED,
    AppointmentStatus.COMPLETED,
)
_ACTIVE = Q(status__in=[s.value for s in ACTIVE_STATUSES])


# The longest an appointment can last (AppointmentType.minutes is at most 480, a check
# constraint): "not ended yet" is also "started less than this long ago", a bound that lets the
# (patient, starts_at) index answer it.
LONGEST_APPOINTMENT = datetime.timedelta(minutes=480)


class AppointmentQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Every appointment for clinic staff; a portal user's own (record not archived)."""
        if roles.is_clinic_staff(user):
            return self.all()
        if roles.is_patient_user(user):
            return self.filter(patient__user=user, patient__archived_at__isnull=True)
        return self.none()

    def active(self):
        return self.filter(_ACTIVE)

    def overlapping(self, starts_at, ends_at):
        """Appointments whose [starts_at, ends_at) meets [``starts_at``, ``ends_at``), written as
        ``tstzrange(...) && tstzrange(...)`` so a GiST index answers it (issue 11): the exclusion
        constraints' for active rows, appointment_span_idx for any status. The two-column form
        (``ends_at > start AND starts_at < end``) has no lower bound on ``starts_at`` and reads
        every earlier appointment."""
        return self.alias(span=TsTzRange("starts_at", "ends_at", RangeBoundary())).filter(
            span__overlap=(starts_at, ends_at)
        )

    def not_ended(self, now):
        """Appointments that end after ``now``. Issue 11: with only ``ends_at > now``, a
        patient's upcoming appointments were read through the exclusion constraint's GiST index
        on (range, patient) as a whole (0.2 s at a million appointments); the lower bound on
        ``starts_at`` lets the (patient, starts_at) btree answer it."""
        return self.filter(ends_at__gt=now, starts_at__gt=now - LONGEST_APPOINTMENT)

    def due_for_reminder(self, now, *, hours: int = 24):
        """Booked appointments starting within ``hours`` of ``now``, not reminded yet, for a
        patient with an email address."""
        return self.filter(
            status=AppointmentStatus.BOOKED,
            reminded_at__isnull=True,
            starts_at__gt=now,
            starts_at__lte=now + datetime.timedelta(hours=hours),
            patient__archived_at__isnull=True,
        ).exclude(patient__email="")


@track_changes()
class Appointment(models.Model):
    # The allowed status changes (django-oscar style): nothing leaves completed, cancelled or
    # no-show; a mistaken one is corrected by booking again, and the history keeps both.
    TRANSITIONS = {
        AppointmentStatus.BOOKED: (
            AppointmentStatus.ARRIVED,
            AppointmentStatus.CANCELLED,
            AppointmentStatus.NO_SHOW,
        ),
        AppointmentStatus.ARRIVED: (AppointmentStatus.COMPLETED,),
        AppointmentStatus.COMPLETED: (),
        AppointmentStatus.CANCELLED: (),
        AppointmentStatus.NO_SHOW: (),
    }

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="appointments"
    )
    practitioner = models.ForeignKey(
        "patients.Practitioner", on_delete=models.PROTECT, related_name="appointments"
    )
    type = models.ForeignKey(AppointmentType, on_delete=models.PROTECT, related_name="appointments")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    status = models.CharField(
        max_length=12, choices=AppointmentStatus.choices, default=AppointmentStatus.BOOKED
    )
    notes = models.TextField(blank=True, max_length=1000)
    outside_hours_reason = models.TextField(
        blank=True,
        max_length=500,
        help_text="Why it was booked outside the practitioner's working hours, if it was.",
    )
    booked_at = models.DateTimeField(default=timezone.now, editable=False)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    source = models.CharField(
        max_length=8, choices=BookingSource.choices, default=BookingSource.CLINIC, editable=False
    )
    status_changed_at = models.DateTimeField(null=True, blank=True)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cancellation_reason = models.CharField(max_length=300, blank=True)
    cancelled_by_patient = models.BooleanField(default=False)
    reminded_at = models.DateTimeField(null=True, blank=True)
    # --- Issue 10: rescheduling and calendar files ---
    # The start it had before its last move (the history keeps every earlier one), and the
    # iCalendar SEQUENCE of its .ics files: one more at each change the patient is told of.
    rescheduled_from = models.DateTimeField(null=True, blank=True)
    rescheduled_at = models.DateTimeField(null=True, blank=True)
    rescheduled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    calendar_sequence = models.PositiveIntegerField(default=0, editable=False)

    objects = AppointmentQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "pk"]
        indexes = [
            models.Index(fields=["starts_at"], name="appointment_starts_idx"),
            models.Index(fields=["patient", "starts_at"], name="appointment_patient_idx"),
            # Issue 11: the schedule shows cancelled and no-show appointments too, which the
            # exclusion constraints' partial indexes leave out; this one serves overlapping()
            # for any status (the day: every practitioner; the week: one).
            GistIndex(
                TsTzRange("starts_at", "ends_at", RangeBoundary()),
                F("practitioner"),
                name="appointment_span_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")),
                name="appointment_ends_after_start",
                violation_error_message="An appointment must end after it starts.",
            ),
            ExclusionConstraint(
                name="appointment_no_practitioner_overlap",
                expressions=[
                    (TsTzRange("starts_at", "ends_at", RangeBoundary()), RangeOperators.OVERLAPS),
                    ("practitioner", RangeOperators.EQUAL),
                ],
                condition=_ACTIVE,
                violation_error_code="practitioner_busy",
                violation_error_message="The practitioner already has an appointment at that time.",
            ),
            ExclusionConstraint(
                name="appointment_no_patient_overlap",
                expressions=[
                    (TsTzRange("starts_at", "ends_at", RangeBoundary()), RangeOperators.OVERLAPS),
                    ("patient", RangeOperators.EQUAL),
                ],
                condition=_ACTIVE,
                violation_error_code="patient_busy",
                violation_error_message="The patient already has an appointment at that time.",
            ),
            models.CheckConstraint(
                condition=(
                    Q(status=AppointmentStatus.CANCELLED)
                    & Q(cancelled_at__isnull=False)
                    & ~Q(cancellation_reason="")
                )
                | (~Q(status=AppointmentStatus.CANCELLED) & Q(cancelled_at__isnull=True)),
                name="appointment_cancellation_recorded",
                violation_error_message="A cancelled appointment records when and why.",
            ),
        ]

    def __str__(self):
        local = timezone.localtime(self.starts_at)
        return f"{self.type} on {local:%Y-%m-%d %H:%M}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)

    @property
    def cancelled_online(self) -> bool:
        """Cancelled by the patient themselves in the portal (not recorded by the desk)."""
        return (
            self.cancelled_by_patient
            and self.cancelled_by_id is not None
            and self.cancelled_by_id == self.patient.user_id
        )

    def allowed_statuses(self) -> tuple[str, ...]:
        return self.TRANSITIONS[AppointmentStatus(self.status)]

    def set_status(self, new_status, *, by, reason: str = "", by_patient: bool = False):
        """Move the appointment to ``new_status`` if the map allows it, recording who and when;
        anything else raises a ValidationError saying why. Cancelling needs a reason;
        ``by_patient`` records that the patient cancelled it themselves. Saves the row."""
        try:
            new_status = AppointmentStatus(new_status)
        except ValueError:
            raise ValidationError(
                "That is not an appointment status.", code="unknown_status"
            ) from None
        current = AppointmentStatus(self.status)
        if new_status == current:
            raise ValidationError(
                f"The appointment is already {current.label.lower()}.", code="same_status"
            )
        if new_status not in self.TRANSITIONS[current]:
            raise ValidationError(
                f"A {current.label.lower()} appointment cannot be marked as "
                f"{new_status.label.lower()}."
                + (
                    " Mark the patient as arrived first."
                    if new_status == AppointmentStatus.COMPLETED
                    else ""
                ),
                code="illegal_transition",
            )
        now = timezone.now()
        if new_status == AppointmentStatus.NO_SHOW and now < self.starts_at:
            raise ValidationError(
                "An appointment can be marked as a no-show only once its start time has passed.",
                code="too_early",
            )
        reason = " ".join(reason.split())
        if new_status == AppointmentStatus.CANCELLED and not reason:
            raise ValidationError("Give the reason for cancelling.", code="reason_required")

        self.status = new_status
        self.status_changed_at = now
        self.status_changed_by = by
        fields = ["status", "status_changed_at", "status_changed_by"]
        if new_status == AppointmentStatus.CANCELLED:
            self.cancelled_at = now
            self.cancelled_by = by
            self.cancellation_reason = reason[:300]
            self.cancelled_by_patient = by_patient
            self.calendar_sequence += 1  # the METHOD:CANCEL .ics supersedes the last one
            fields += [
                "calendar_sequence",
                "cancelled_at",
                "cancelled_by",
                "cancellation_reason",
                "cancelled_by_patient",
            ]
        self.save(update_fields=fields)
        return self
