"""Coded values and the clinic's catalogues (reference data, manager-editable in the admin)."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from revere.history import track_changes

# --- Coded values (the codes are the reference data's) ---------------------------------------


class Side(models.TextChoices):
    LEFT = "left", "Left"
    RIGHT = "right", "Right"
    BOTH = "both", "Both"
    MIDLINE = "midline", "Midline"


class Severity(models.TextChoices):
    ABSOLUTE = "absolute", "Absolute"
    RELATIVE = "relative", "Relative"


class Scope(models.TextChoices):
    LOCAL = "local", "Local (at a site)"
    SYSTEMIC = "systemic", "Systemic"


class Direction(models.TextChoices):
    TRANSVERSE = "transverse", "Transverse (cross-fibre)"
    PARALLEL = "parallel", "Parallel to fibres"
    OBLIQUE = "oblique", "Oblique"
    MULTI = "multi", "Multi-directional"


class Pressure(models.TextChoices):
    LIGHT = "light", "Light"
    MODERATE = "moderate", "Moderate"
    DEEP = "deep", "Deep"


class SkinResponse(models.TextChoices):
    NONE = "none", "None"
    ERYTHEMA = "erythema", "Erythema (redness)"
    PETECHIAE = "petechiae", "Petechiae"
    ECCHYMOSIS = "ecchymosis", "Ecchymosis (bruising)"


class Tolerance(models.TextChoices):
    GOOD = "good", "Tolerated well"
    FAIR = "fair", "Tolerated with modification"
    POOR = "poor", "Poorly tolerated"


class ScreeningResult(models.TextChoices):
    CLEAR = "clear", "Clear"
    PRECAUTIONS = "precautions", "Precautions"
    REFUSED = "refused", "IASTR refused"


# --- Catalogues (reference data, manager-editable in the admin) ------------------------------


@track_changes()
class BodyRegion(models.Model):
    code = models.SlugField(primary_key=True, max_length=40)
    label = models.CharField(max_length=80)
    sided = models.BooleanField(help_text="Recorded with a side (left, right or both).")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "label"]

    def __str__(self):
        return self.label

    def allowed_sides(self) -> list[str]:
        return [Side.LEFT, Side.RIGHT, Side.BOTH] if self.sided else [Side.MIDLINE]


@track_changes()
class OutcomeMeasure(models.Model):
    code = models.SlugField(primary_key=True, max_length=20)
    label = models.CharField(max_length=120)
    min_value = models.DecimalField(max_digits=6, decimal_places=1)
    max_value = models.DecimalField(max_digits=6, decimal_places=1)
    better = models.CharField(max_length=6, choices=[("lower", "Lower"), ("higher", "Higher")])
    mcid = models.DecimalField(max_digits=6, decimal_places=1, null=True, blank=True)
    source = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_value__lt=models.F("max_value")), name="measure_range_valid"
            )
        ]

    def __str__(self):
        return f"{self.code}: {self.label}"


@track_changes()
class Condition(models.Model):
    code = models.SlugField(primary_key=True, max_length=40)
    label = models.CharField(max_length=120)
    regions = models.ManyToManyField(BodyRegion, blank=True, related_name="conditions")
    measures = models.ManyToManyField(OutcomeMeasure, blank=True, related_name="conditions")
    exercises = models.ManyToManyField(
        "Exercise", blank=True, related_name="conditions", help_text="Suggested for the program."
    )

    class Meta:
        ordering = ["label"]

    def __str__(self):
        return self.label


@track_changes()
class Contraindication(models.Model):
    code = models.SlugField(primary_key=True, max_length=40)
    label = models.CharField(max_length=200)
    severity = models.CharField(max_length=8, choices=Severity.choices)
    scope = models.CharField(max_length=8, choices=Scope.choices)
    active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)
    # Issue 13: the intake form's question, in plain words; blank: the patient is not asked.
    patient_question = models.CharField(
        "Question for the patient",
        max_length=300,
        blank=True,
        help_text="Asked on the intake form before the first visit, in plain words (no medical "
        "terms), e.g. “Do you take blood thinners?”. Leave blank to not ask it: the "
        "physiotherapist still asks every item at the screening.",
    )

    class Meta:
        ordering = ["position", "code"]

    def __str__(self):
        return self.label

    @property
    def is_local(self) -> bool:
        return self.scope == Scope.LOCAL

    @property
    def is_absolute(self) -> bool:
        return self.severity == Severity.ABSOLUTE


UNCONTROLLED_HYPERTENSION = "uncontrolled_hypertension"


@track_changes()
class BloodPressurePolicy(models.Model):
    """The clinic's blood-pressure lines (one row).

    At or above the absolute line (systolic or diastolic) the screening marks uncontrolled
    hypertension; at or above the caution line it asks for a precaution. Clinic defaults, not a
    cited guideline; the manager edits them in the admin."""

    absolute_systolic = models.PositiveSmallIntegerField(default=160)
    absolute_diastolic = models.PositiveSmallIntegerField(default=100)
    caution_systolic = models.PositiveSmallIntegerField(default=140)
    caution_diastolic = models.PositiveSmallIntegerField(default=90)

    class Meta:
        verbose_name = "blood pressure policy"
        verbose_name_plural = "blood pressure policy"
        constraints = [
            models.CheckConstraint(
                condition=Q(caution_systolic__lt=models.F("absolute_systolic"))
                & Q(caution_diastolic__lt=models.F("absolute_diastolic")),
                name="bp_caution_below_absolute",
            )
        ]

    def __str__(self):
        return (
            f"Absolute {self.absolute_systolic}/{self.absolute_diastolic}, "
            f"caution {self.caution_systolic}/{self.caution_diastolic}"
        )

    @classmethod
    def current(cls) -> "BloodPressurePolicy":
        return cls.objects.order_by("pk").first() or cls()


@track_changes()
class Instrument(models.Model):
    name = models.CharField(max_length=80, unique=True)
    maker = models.CharField(max_length=80, blank=True)
    material = models.CharField(max_length=80, blank=True)
    edge = models.CharField(max_length=40, blank=True)
    bevel = models.CharField(max_length=40, blank=True)
    regions = models.ManyToManyField(BodyRegion, blank=True, related_name="instruments")
    note = models.CharField(max_length=200, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


@track_changes()
class StrokeTechnique(models.Model):
    code = models.SlugField(primary_key=True, max_length=40)
    label = models.CharField(max_length=80)
    definition = models.CharField(max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "label"]

    def __str__(self):
        return self.label


class ExerciseKind(models.TextChoices):
    STRETCH = "stretch", "Stretch"
    STRENGTH = "strength", "Strength"
    MOBILITY = "mobility", "Mobility"
    BALANCE = "balance", "Balance"
    OTHER = "other", "Other"


# The dose limits a program accepts, and so a library exercise's default dose. The models carry
# them as validators (full_clean, the services' check) and as CHECK constraints (raw SQL).
DOSE_LIMITS = {
    "sets": 20,
    "reps": 200,
    "hold_seconds": 600,
    "times_per_day": 10,
    "days_per_week": 7,
}
DOSE_LABELS = {
    "sets": "Sets",
    "reps": "Reps",
    "hold_seconds": "Hold (seconds)",
    "times_per_day": "Times a day",
    "days_per_week": "Days a week",
}


def dose_validators(name: str) -> list:
    message = f"{DOSE_LABELS[name]} is from 1 to {DOSE_LIMITS[name]}."
    return [
        MinValueValidator(1, message=message),
        MaxValueValidator(DOSE_LIMITS[name], message=message),
    ]


def dose_constraints(table: str) -> list[models.CheckConstraint]:
    """One CHECK per dose field: empty, or from 1 to its limit."""
    return [
        models.CheckConstraint(
            condition=Q(**{f"{name}__isnull": True}) | Q(**{f"{name}__range": (1, limit)}),
            name=f"{table}_{name}_1_to_{limit}",
            violation_error_message=f"{DOSE_LABELS[name]} is from 1 to {limit}.",
        )
        for name, limit in DOSE_LIMITS.items()
    ]


@track_changes()
class Exercise(models.Model):
    """The exercise library: the reference exercises and the clinic's own."""

    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=12, choices=ExerciseKind.choices, default=ExerciseKind.OTHER)
    regions = models.ManyToManyField(BodyRegion, blank=True, related_name="exercises")
    instructions = models.TextField()
    sets = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=dose_validators("sets")
    )
    reps = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=dose_validators("reps")
    )
    hold_seconds = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=dose_validators("hold_seconds")
    )
    times_per_day = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=dose_validators("times_per_day")
    )
    days_per_week = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=dose_validators("days_per_week")
    )
    source = models.CharField(max_length=200, blank=True)
    sourced = models.BooleanField(
        default=False, help_text="The default dose comes from the cited protocol."
    )
    added_by_clinic = models.BooleanField(default=False)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = dose_constraints("exercise")

    def __str__(self):
        return self.name


@track_changes()
class PostCare(models.Model):
    """The post-treatment section of the handout (one row, editable by the manager)."""

    expect = models.TextField("What to expect")
    ice = models.TextField("Ice")
    exercises = models.TextField("Exercises")
    call_us = models.TextField("When to call the clinic")

    class Meta:
        verbose_name = "post-care text"
        verbose_name_plural = "post-care text"

    def __str__(self):
        return "Post-care text of the handout"

    @classmethod
    def current(cls) -> "PostCare":
        return cls.objects.order_by("pk").first() or cls(
            expect="", ice="", exercises="", call_us=""
        )

    def items(self) -> list[tuple[str, str]]:
        return [
            ("What to expect", self.expect),
            ("Ice", self.ice),
            ("Exercises", self.exercises),
            ("When to call us", self.call_us),
        ]
