"""Issue 13: the patient's intake form before the first visit.

The patient fills it in from the link in the booking confirmation email or in the portal: contact
details, the history of the complaint, one answer per question of the screening catalogue
(``Contraindication.patient_question``) and consent to IASTR after reading the clinic's
explanation. The physiotherapist sees the answers beside the screening items as "patient
reported", to confirm with the patient: an intake never completes a screening and never records
the consent that the treatment rules ask for (``patients_patient.consent_iastr_at``).

A submitted intake is kept as the patient wrote it: a database trigger refuses any change to a
submitted form and to its answers (raw SQL included). The rows are written as a draft, then the
form is marked submitted, in one transaction (``services.intake.intake_submit``).
"""

import uuid

import pgtrigger
from django.db import models
from django.db.models import Q
from django.utils import timezone

from revere.history import track_changes
from treatments import triggers
from treatments.models.catalogue import Contraindication


class IntakeSource(models.TextChoices):
    EMAIL_LINK = "email_link", "Link in the confirmation email"
    PORTAL = "portal", "Patient portal"


class IntakeAnswerChoice(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"
    NOT_SURE = "not_sure", "Not sure"


@track_changes()
class ConsentExplanation(models.Model):
    """The clinic's explanation of IASTR that a patient reads before consenting online (one row,
    edited by the manager in the admin; each intake keeps the text it showed)."""

    text = models.TextField(
        "Explanation of IASTR",
        help_text="Shown on the intake form above the consent box, in plain words: what IASTR "
        "is, what to expect afterwards, that the patient can stop at any time.",
    )

    class Meta:
        verbose_name = "IASTR consent explanation"
        verbose_name_plural = "IASTR consent explanation"

    def __str__(self):
        return "Explanation of IASTR on the intake form"

    @classmethod
    def current(cls) -> "ConsentExplanation":
        return cls.objects.order_by("pk").first() or cls(text="")


class IntakeFormQuerySet(models.QuerySet):
    def submitted(self):
        return self.filter(submitted_at__isnull=False)

    def of_patient(self, patient):
        """The patient's intakes and those of records merged into theirs (the merged record's
        rows stay where they were written: submitted rows are read-only)."""
        return self.filter(Q(patient=patient) | Q(patient__merged_into=patient))


@track_changes()
class IntakeForm(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="intake_forms"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    submitted_at = models.DateTimeField(null=True, blank=True)
    source = models.CharField(max_length=12, choices=IntakeSource.choices)
    # Contact details as the patient gave them (the record's blanks are filled from these).
    date_of_birth = models.DateField("Date of birth", null=True, blank=True)
    address = models.TextField("Address", blank=True)
    emergency_contact_name = models.CharField("Emergency contact", max_length=120, blank=True)
    emergency_contact_phone = models.CharField("Emergency contact phone", max_length=32, blank=True)
    # The complaint, in the patient's words.
    complaint = models.TextField("What is the problem, and where do you feel it?", blank=True)
    onset = models.CharField("Since when?", max_length=200, blank=True)
    mechanism = models.CharField("How did it start?", max_length=200, blank=True)
    aggravating_factors = models.TextField("What makes it worse?", blank=True)
    easing_factors = models.TextField("What makes it better?", blank=True)
    previous_treatment = models.TextField("Treatment you have had for it", blank=True)
    surgery_history = models.TextField("Surgery or injuries in the past", blank=True)
    goals = models.TextField("What would you like to be able to do again?", blank=True)
    # Consent to IASTR online: the explanation as it was shown (a snapshot).
    consents_to_iastr = models.BooleanField(default=False)
    consent_text = models.TextField(blank=True)
    consented_at = models.DateTimeField(null=True, blank=True)

    objects = IntakeFormQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient"],
                condition=Q(submitted_at__isnull=False),
                name="one_submitted_intake_per_patient",
            ),
            models.CheckConstraint(
                condition=Q(source__in=IntakeSource.values), name="intake_source_is_known"
            ),
            models.CheckConstraint(
                condition=Q(consents_to_iastr=False, consented_at__isnull=True)
                | (Q(consents_to_iastr=True, consented_at__isnull=False) & ~Q(consent_text="")),
                name="intake_consent_has_time_and_text",
            ),
        ]
        triggers = [
            triggers.UnignorableProtect(
                name="submitted_intake_is_read_only",
                operation=pgtrigger.Update | pgtrigger.Delete,
                condition=pgtrigger.Q(old__submitted_at__isnull=False),
            )
        ]

    def __str__(self):
        return f"Intake form {self.uuid}"

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None


@track_changes()
class IntakeAnswer(models.Model):
    intake = models.ForeignKey(IntakeForm, on_delete=models.PROTECT, related_name="answers")
    contraindication = models.ForeignKey(
        Contraindication, on_delete=models.PROTECT, related_name="+"
    )
    question = models.CharField(max_length=300, help_text="The question as the patient read it.")
    answer = models.CharField(max_length=8, choices=IntakeAnswerChoice.choices)
    detail = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["intake", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["intake", "contraindication"], name="one_answer_per_intake_item"
            ),
            models.CheckConstraint(
                condition=Q(answer__in=IntakeAnswerChoice.values), name="intake_answer_is_known"
            ),
        ]
        triggers = [triggers.locked_when_intake_submitted()]

    def __str__(self):
        return f"{self.contraindication_id}: {self.answer}"
