"""The visit and its steps, and the locks on a signed record.

Rules that the database can hold are held there: the 1-120 s application check, the screening
rules on every application row (treatments/triggers.py), and read-only rows once a visit is signed.
The services (treatments/services.py) check the same rules first, so the user sees a clear message.
"""

import uuid
from functools import cached_property

import pgtrigger
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from patients.models import Patient, Practitioner
from revere.history import track_changes
from treatments import triggers
from treatments.models.catalogue import (
    BodyRegion,
    Condition,
    Contraindication,
    Direction,
    Instrument,
    OutcomeMeasure,
    Pressure,
    ScreeningResult,
    Side,
    SkinResponse,
    StrokeTechnique,
    Tolerance,
)

MAX_APPLICATION_SECONDS = 120
PAIN_NOW_MESSAGE = "Pain now is from 0 (none) to 10 (worst imaginable)."
MAX_APPLICATION_SECONDS_MESSAGE = "An application lasts 1 to 120 seconds (2:00 at most per region)."


# --- The visit --------------------------------------------------------------------------------


class VisitStep(models.TextChoices):
    ASSESSMENT = "assessment", "Assessment"
    SCREENING = "screening", "Screening"
    TREATMENT = "treatment", "Treatment"
    HANDOUT = "handout", "Handout"
    REVIEW = "review", "Review and sign"


class VisitStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SIGNED = "signed", "Signed"


class VisitQuerySet(models.QuerySet):
    def visible_to(self, user):
        from revere import roles

        if roles.can_see_clinical(user):
            # A visit signed under a record since merged into an active one stays readable.
            return self.filter(
                Q(patient__archived_at__isnull=True)
                | Q(patient__merged_into__isnull=False, patient__merged_into__archived_at=None)
            )
        return self.none()


@track_changes()
class Visit(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="visits")
    practitioner = models.ForeignKey(Practitioner, on_delete=models.PROTECT, related_name="visits")
    appointment = models.OneToOneField(
        "patients.Appointment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="visit",
        help_text="The appointment this visit records, if it was started from the schedule.",
    )
    date = models.DateField(default=timezone.localdate)
    current_step = models.CharField(
        max_length=12, choices=VisitStep.choices, default=VisitStep.ASSESSMENT
    )
    status = models.CharField(max_length=8, choices=VisitStatus.choices, default=VisitStatus.DRAFT)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = VisitQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="draft", signed_at__isnull=True, signed_by__isnull=True)
                | Q(status="signed", signed_at__isnull=False, signed_by__isnull=False),
                name="visit_signature_matches_status",
            )
        ]
        triggers = [
            triggers.UnignorableProtect(
                name="signed_visit_is_read_only",
                operation=pgtrigger.Update | pgtrigger.Delete,
                condition=pgtrigger.Q(old__status="signed"),
            ),
            triggers.visit_signed_by_its_practitioner(),
            triggers.visit_not_for_a_phone_call(),
        ]

    def __str__(self):
        return f"Visit {self.date:%Y-%m-%d}"

    @property
    def is_signed(self) -> bool:
        return self.status == VisitStatus.SIGNED


@track_changes()
class Assessment(models.Model):
    visit = models.OneToOneField(Visit, on_delete=models.PROTECT, related_name="assessment")
    condition = models.ForeignKey(
        Condition, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    complaint = models.TextField("Chief complaint", blank=True)
    onset = models.CharField(max_length=200, blank=True)
    mechanism = models.CharField("Mechanism of injury", max_length=200, blank=True)
    duration = models.CharField("Duration of symptoms", max_length=100, blank=True)
    aggravating_factors = models.TextField(blank=True)
    easing_factors = models.TextField(blank=True)
    previous_treatment = models.TextField(blank=True)
    surgery_history = models.TextField("Surgery or injury history", blank=True)
    findings = models.TextField("Objective findings", blank=True)
    goals = models.TextField(blank=True)
    plan = models.TextField(blank=True)
    # A follow-up visit's short re-assessment (issue 12); not copied from the last assessment.
    changes_since_last = models.TextField("Changes since the last visit", blank=True)
    pain_now = models.PositiveSmallIntegerField(
        "Pain now (0-10)",
        null=True,
        blank=True,
        validators=[
            MinValueValidator(0, message=PAIN_NOW_MESSAGE),
            MaxValueValidator(10, message=PAIN_NOW_MESSAGE),
        ],
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(pain_now__isnull=True) | Q(pain_now__range=(0, 10)),
                name="assessment_pain_now_0_to_10",
                violation_error_message=PAIN_NOW_MESSAGE,
            )
        ]
        triggers = [triggers.locked_when_visit_signed("assessment", "visit_id")]


@track_changes()
class AdhesionSite(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="sites")
    region = models.ForeignKey(BodyRegion, on_delete=models.PROTECT, related_name="+")
    side = models.CharField(max_length=8, choices=Side.choices)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["pk"]
        triggers = [
            triggers.locked_when_visit_signed("adhesion_site", triggers.VIA_ASSESSMENT),
            triggers.side_fits_region("adhesion_site"),
        ]


@track_changes()
class OutcomeScore(models.Model):
    """A baseline (or follow-up) score, checked against the measure's range by the service."""

    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="scores")
    measure = models.ForeignKey(OutcomeMeasure, on_delete=models.PROTECT, related_name="+")
    value = models.DecimalField(max_digits=6, decimal_places=1)

    class Meta:
        ordering = ["measure_id"]
        constraints = [
            models.UniqueConstraint(fields=["visit", "measure"], name="one_score_per_measure")
        ]
        triggers = [triggers.locked_when_visit_signed("outcome_score", "visit_id")]


@track_changes()
class Screening(models.Model):
    visit = models.OneToOneField(Visit, on_delete=models.PROTECT, related_name="screening")
    systolic = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(50), MaxValueValidator(300)]
    )
    diastolic = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(20), MaxValueValidator(200)]
    )
    bp_not_measured_reason = models.TextField(
        "Why blood pressure could not be measured",
        blank=True,
        help_text="Only when no reading was taken; IASTR then needs an acknowledged precaution.",
    )
    # Computed by services.screening_save from the findings and the blood-pressure policy.
    result = models.CharField(max_length=12, choices=ScreeningResult.choices, blank=True)
    result_reasons = models.JSONField(default=list, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    precaution = models.TextField(blank=True)
    precaution_acknowledged_at = models.DateTimeField(null=True, blank=True)
    precaution_acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(precaution_acknowledged_at__isnull=True)
                | (~Q(precaution="") & Q(precaution_acknowledged_by__isnull=False)),
                name="acknowledged_precaution_is_written",
            ),
            models.CheckConstraint(
                condition=Q(completed_at__isnull=True) | ~Q(result=""),
                name="completed_screening_has_result",
            ),
            # A reading is both values; a reason is only for no reading at all.
            models.CheckConstraint(
                condition=Q(systolic__isnull=True, diastolic__isnull=True)
                | Q(systolic__isnull=False, diastolic__isnull=False, bp_not_measured_reason=""),
                name="screening_blood_pressure_is_both_values_or_none",
            ),
            models.CheckConstraint(
                condition=Q(completed_at__isnull=True)
                | Q(systolic__isnull=False, diastolic__isnull=False)
                | ~Q(bp_not_measured_reason=""),
                name="completed_screening_has_blood_pressure",
            ),
        ]
        triggers = [triggers.locked_when_visit_signed("screening", "visit_id")]

    @property
    def is_complete(self) -> bool:
        return self.completed_at is not None

    @property
    def precaution_acknowledged(self) -> bool:
        return self.precaution_acknowledged_at is not None

    @cached_property
    def refused_sites(self) -> list[str]:
        """The sites an absolute local finding refuses, as "Calf (left)", for the pages that say
        "Clear except: ...". Uses the prefetched findings when the view has them."""
        if "findings" in getattr(self, "_prefetched_objects_cache", {}):
            findings = self.findings.all()
        else:
            findings = self.findings.select_related("contraindication", "region")
        return [
            f"{f.region.label} ({f.get_side_display().lower()})"
            for f in findings
            if f.contraindication.is_absolute and f.contraindication.is_local
        ]


@track_changes()
class ScreeningFinding(models.Model):
    """A contraindication found present; local ones carry the region and side."""

    screening = models.ForeignKey(Screening, on_delete=models.CASCADE, related_name="findings")
    contraindication = models.ForeignKey(
        Contraindication, on_delete=models.PROTECT, related_name="+"
    )
    region = models.ForeignKey(
        BodyRegion, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    side = models.CharField(max_length=8, choices=Side.choices, blank=True)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            # The same local item may be found at several sites; each site once.
            models.UniqueConstraint(
                fields=["screening", "contraindication", "region", "side"],
                nulls_distinct=False,
                name="one_finding_per_item_and_site",
            ),
            models.CheckConstraint(
                condition=(Q(region__isnull=True) & Q(side=""))
                | (Q(region__isnull=False) & ~Q(side="")),
                name="finding_region_has_side",
            ),
        ]
        triggers = [
            triggers.locked_when_visit_signed("screening_finding", triggers.VIA_SCREENING),
            triggers.side_fits_region("screening_finding"),
        ]


@track_changes()
class TreatmentSession(models.Model):
    visit = models.OneToOneField(Visit, on_delete=models.PROTECT, related_name="session")
    warm_up = models.CharField(max_length=200, blank=True)
    lubricant = models.CharField(max_length=80, blank=True)
    tolerance = models.CharField(
        "Patient tolerance", max_length=8, choices=Tolerance.choices, blank=True
    )
    skin_response = models.CharField(max_length=12, choices=SkinResponse.choices, blank=True)
    cryotherapy_minutes = models.PositiveSmallIntegerField(
        "Ice (minutes)", null=True, blank=True, validators=[MaxValueValidator(30)]
    )
    adverse_event_note = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(cryotherapy_minutes__isnull=True) | Q(cryotherapy_minutes__lte=30),
                name="cryotherapy_at_most_30_minutes",
            )
        ]
        triggers = [triggers.locked_when_visit_signed("treatment_session", "visit_id")]


@track_changes()
class Application(models.Model):
    """One region treated with one instrument: at most two minutes."""

    session = models.ForeignKey(
        TreatmentSession, on_delete=models.PROTECT, related_name="applications"
    )
    region = models.ForeignKey(BodyRegion, on_delete=models.PROTECT, related_name="+")
    side = models.CharField(max_length=8, choices=Side.choices)
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="+")
    stroke = models.ForeignKey(StrokeTechnique, on_delete=models.PROTECT, related_name="+")
    direction = models.CharField(max_length=12, choices=Direction.choices)
    pressure = models.CharField(max_length=8, choices=Pressure.choices)
    angle_degrees = models.PositiveSmallIntegerField(
        "Angle (degrees)",
        null=True,
        blank=True,
        validators=[MinValueValidator(15), MaxValueValidator(90)],
    )
    duration_seconds = models.PositiveSmallIntegerField(
        validators=[
            MinValueValidator(1, message=MAX_APPLICATION_SECONDS_MESSAGE),
            MaxValueValidator(MAX_APPLICATION_SECONDS, message=MAX_APPLICATION_SECONDS_MESSAGE),
        ]
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            # Issue 11: the cleaning log's latest uses, and an instrument's last use (its log,
            # the "needs cleaning" warning), read backwards from the newest.
            models.Index(fields=["created_at"], name="application_created_idx"),
            models.Index(fields=["instrument", "created_at"], name="application_instrument_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_seconds__gte=1)
                & Q(duration_seconds__lte=MAX_APPLICATION_SECONDS),
                name="application_duration_1_to_120_seconds",
                violation_error_message=MAX_APPLICATION_SECONDS_MESSAGE,
            ),
            models.CheckConstraint(
                condition=Q(angle_degrees__isnull=True)
                | Q(angle_degrees__gte=15, angle_degrees__lte=90),
                name="application_angle_15_to_90_degrees",
            ),
        ]
        triggers = [
            triggers.locked_when_visit_signed("application", triggers.VIA_SESSION),
            triggers.side_fits_region("application"),
            triggers.application_screening_rules(),
        ]

    @property
    def duration_display(self) -> str:
        return f"{self.duration_seconds // 60}:{self.duration_seconds % 60:02d}"


@track_changes()
class Addendum(models.Model):
    """A correction or note appended to a signed visit. Addenda are never edited or deleted."""

    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="addenda")
    text = models.TextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name_plural = "addenda"
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="addendum_has_text"),
        ]
        triggers = [
            triggers.UnignorableProtect(
                name="addenda_are_append_only", operation=pgtrigger.Update | pgtrigger.Delete
            )
        ]
