"""The home-exercise program a visit gives, and the patient's daily check-ins.

A visit owns at most one program version. Saving it makes it the patient's active program: the
active program is the most recently activated one, so an older version is never rewritten (it may
belong to a signed, locked visit) and stays in the history with who made it, when and in which
visit.
"""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from patients.models import Patient
from revere.history import track_changes
from treatments import triggers
from treatments.models.catalogue import (  # noqa: F401 (DOSE_LIMITS: imported from here too)
    DOSE_LIMITS,
    Exercise,
    dose_constraints,
    dose_validators,
)
from treatments.models.visits import Visit


class HomeProgramQuerySet(models.QuerySet):
    def activated(self):
        return self.filter(activated_at__isnull=False)

    def active_for(self, patient) -> "HomeProgram | None":
        return self.activated().filter(patient=patient).order_by("-activated_at", "-pk").first()


@track_changes()
class HomeProgram(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="programs")
    visit = models.OneToOneField(Visit, on_delete=models.PROTECT, related_name="program")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    activated_at = models.DateTimeField(null=True, blank=True)

    objects = HomeProgramQuerySet.as_manager()

    class Meta:
        ordering = ["-activated_at", "-created_at"]
        triggers = [triggers.locked_when_visit_signed("home_program", "visit_id")]

    def __str__(self):
        return f"Home program of {self.created_at:%Y-%m-%d}"

    @property
    def is_active_version(self) -> bool:
        return self.activated_at is not None


# A patient follows a handful of exercises; the builder's page and formset hold at most this many.
MAX_PROGRAM_EXERCISES = 30


@track_changes()
class ProgramExercise(models.Model):
    program = models.ForeignKey(HomeProgram, on_delete=models.CASCADE, related_name="items")
    exercise = models.ForeignKey(Exercise, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)
    sets = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=dose_validators("sets")
    )
    reps = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=dose_validators("reps")
    )
    hold_seconds = models.PositiveSmallIntegerField(
        "Hold (seconds)", null=True, blank=True, validators=dose_validators("hold_seconds")
    )
    times_per_day = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=dose_validators("times_per_day")
    )
    days_per_week = models.PositiveSmallIntegerField(
        default=7, validators=dose_validators("days_per_week")
    )
    notes = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "exercise"], name="exercise_once_per_program"
            ),
            *dose_constraints("program"),
        ]
        triggers = [triggers.locked_when_visit_signed("program_exercise", triggers.VIA_PROGRAM)]

    def __str__(self):
        return self.exercise.name

    @property
    def dose(self) -> str:
        """The dose as patients read it: "3 x 15, hold 30 s, twice a day, 5 days a week"."""
        parts = []
        if self.sets and self.reps:
            parts.append(f"{self.sets} x {self.reps}")
        elif self.sets:
            parts.append(f"{self.sets} set{'s' if self.sets != 1 else ''}")
        elif self.reps:
            parts.append(f"{self.reps} reps")
        if self.hold_seconds:
            parts.append(f"hold {self.hold_seconds} s")
        per_day = {1: "once a day", 2: "twice a day"}.get(
            self.times_per_day, f"{self.times_per_day} times a day"
        )
        if self.times_per_day:
            parts.append(per_day)
        if self.days_per_week and self.days_per_week < 7:
            parts.append(f"{self.days_per_week} days a week")
        elif self.days_per_week == 7 and self.times_per_day:
            parts[-1] = parts[-1] + ", every day"
        return ", ".join(parts) or "as shown by your physiotherapist"


@track_changes()
class CheckIn(models.Model):
    """One day of the patient's program: the pain they rated (0-10) and what they did."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="check_ins")
    day = models.DateField()
    pain = models.PositiveSmallIntegerField(
        "Pain today (0-10)",
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(10)],
    )
    done = models.ManyToManyField(ProgramExercise, blank=True, related_name="check_ins")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-day"]
        constraints = [
            models.UniqueConstraint(fields=["patient", "day"], name="one_check_in_per_day"),
            models.CheckConstraint(
                condition=Q(pain__isnull=True) | Q(pain__lte=10), name="pain_0_to_10"
            ),
        ]

    def __str__(self):
        return f"Check-in {self.day:%Y-%m-%d}"


@track_changes(obj_field=None, model_name="CheckInDoneEvent")
class CheckInDone(CheckIn.done.through):
    """The exercises ticked on a check-in, tracked (a proxy of the auto-created through table:
    pghistory cannot reference it directly)."""

    class Meta:
        proxy = True
