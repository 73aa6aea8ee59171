"""Issue 13: the intake form before the first visit (treatments/models/intake.py).

The patient's answers are what they reported, kept as written: the physiotherapist confirms each
at the screening step, where nothing is ticked for them and the consent that the treatment rules
ask for is still recorded by staff. The contact details fill only the blanks of the patient's
record (through the patients' own service, in a history context naming the intake form);
differences with the record are shown to the clinic, never written over it.
"""

import datetime
from dataclasses import dataclass

import pghistory
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from patients.models import Patient
from patients.services import records as patient_records
from treatments.models import (
    ConsentExplanation,
    Contraindication,
    IntakeAnswer,
    IntakeAnswerChoice,
    IntakeForm,
)

# The contact details an intake gives, as (field on both models, label).
CONTACT_FIELDS = (
    ("date_of_birth", "Date of birth"),
    ("address", "Address"),
    ("emergency_contact_name", "Emergency contact"),
    ("emergency_contact_phone", "Emergency contact phone"),
)
HISTORY_FIELDS = (
    "complaint",
    "onset",
    "mechanism",
    "aggravating_factors",
    "easing_factors",
    "previous_treatment",
    "surgery_history",
    "goals",
)

ALREADY_SUBMITTED = (
    "We have already received your intake form. If anything has changed, please tell the clinic."
)


class IntakeAlreadySubmitted(ValidationError):
    def __init__(self):
        super().__init__(ALREADY_SUBMITTED, code="submitted")


@dataclass(frozen=True)
class AnswerInput:
    contraindication: Contraindication
    answer: str
    detail: str = ""


def intake_questions() -> list[Contraindication]:
    """The catalogue items the intake form asks about: active, with a question."""
    return list(Contraindication.objects.filter(active=True).exclude(patient_question=""))


def submitted_intake(patient) -> IntakeForm | None:
    """The patient's submitted intake (or that of a record merged into theirs), newest first."""
    return IntakeForm.objects.submitted().of_patient(patient).order_by("-submitted_at").first()


def has_submitted_intake(patient) -> bool:
    return IntakeForm.objects.submitted().of_patient(patient).exists()


@transaction.atomic
def intake_submit(
    *,
    patient: Patient,
    source: str,
    contact: dict,
    history: dict,
    answers: list[AnswerInput],
    consents_to_iastr: bool,
    consent_text: str = "",
    by=None,
) -> IntakeForm:
    """Record the patient's intake form, submitted and from then on read-only; fill the blanks
    of the patient's record from its contact details. ``consent_text``: the explanation of IASTR
    the patient read before consenting (the form checks it is the one shown; by default the
    clinic's current one). ``by`` is the portal login, or None for the emailed link. Raises
    ``IntakeAlreadySubmitted`` when the patient has one (also when two submissions race: the
    patient's row is locked, and a unique index holds the rest)."""
    patient = Patient.objects.select_for_update().get(pk=patient.pk)
    if patient.is_archived or has_submitted_intake(patient):
        raise IntakeAlreadySubmitted()
    now = timezone.now()
    explanation = (consent_text or ConsentExplanation.current().text).strip()
    if consents_to_iastr and not explanation:
        raise ValidationError("Consent to IASTR is not offered online: the clinic explains it.")
    intake = IntakeForm(
        patient=patient,
        source=source,
        consents_to_iastr=consents_to_iastr,
        consent_text=explanation if consents_to_iastr else "",
        consented_at=now if consents_to_iastr else None,
        **{name: contact.get(name) or _blank(name) for name, _ in CONTACT_FIELDS},
        **{name: (history.get(name) or "").strip() for name in HISTORY_FIELDS},
    )
    intake.full_clean(exclude=["patient"])
    try:
        with transaction.atomic():
            intake.save()
            IntakeAnswer.objects.bulk_create(
                IntakeAnswer(
                    intake=intake,
                    contraindication=a.contraindication,
                    question=a.contraindication.patient_question[:300],
                    answer=a.answer,
                    detail=(a.detail or "").strip()[:200],
                )
                for a in answers
            )
            intake.submitted_at = now
            intake.save(update_fields=["submitted_at"])
    except IntegrityError as exc:  # the unique index: another submission came first
        raise IntakeAlreadySubmitted() from exc
    _fill_blanks(patient, intake, by=by)
    return intake


def _blank(name):
    return None if name == "date_of_birth" else ""


def _fill_blanks(patient, intake, *, by):
    """The record's empty contact fields take the intake's values; nothing is overwritten."""
    blanks = {
        name: getattr(intake, name)
        for name, _ in CONTACT_FIELDS
        if getattr(intake, name) not in (None, "") and getattr(patient, name) in (None, "")
    }
    if not blanks:
        return
    try:
        with transaction.atomic(), pghistory.context(intake_form=str(intake.uuid)):
            patient_records.patient_update(patient=patient, by=by, **blanks)
    except ValidationError:
        # The record itself fails a check (a legacy value): it stays as it is, and the clinic
        # reads the intake's details on its page.
        patient.refresh_from_db()


def contact_differences(intake, patient) -> list[tuple[str, str, str]]:
    """(label, on the record, on the intake) for each contact detail the two give differently."""
    rows = []
    for name, label in CONTACT_FIELDS:
        given, recorded = getattr(intake, name), getattr(patient, name)
        if given in (None, "") or recorded in (None, ""):
            continue
        if isinstance(given, str) and " ".join(given.split()) == " ".join(recorded.split()):
            continue
        if given != recorded:
            rows.append((label, _shown(recorded), _shown(given)))
    return rows


def _shown(value) -> str:
    return f"{value:%Y-%m-%d}" if isinstance(value, datetime.date) else str(value)


# --- At the screening step --------------------------------------------------------------------


def screening_items(patient):
    """The screening's catalogue (active items) with the patient's submitted intake folded in,
    one statement: each item carries ``intake_answer`` and ``intake_detail`` (None where the
    intake has no answer for it), and every row the intake's ``intake_submitted_at``,
    ``intake_consents`` and ``intake_consented_at`` (None without an intake)."""
    latest = (
        IntakeForm.objects.submitted()
        .of_patient(patient)
        .order_by("-submitted_at")
        .values("pk", "uuid", "submitted_at", "consents_to_iastr", "consented_at")[:1]
    )
    answer = IntakeAnswer.objects.filter(
        intake=Subquery(latest.values("pk")), contraindication=OuterRef("pk")
    )
    return Contraindication.objects.filter(active=True).annotate(
        intake_answer=Subquery(answer.values("answer")[:1]),
        intake_detail=Subquery(answer.values("detail")[:1]),
        intake_uuid=Subquery(latest.values("uuid")),
        intake_submitted_at=Subquery(latest.values("submitted_at")),
        intake_consents=Subquery(latest.values("consents_to_iastr")),
        intake_consented_at=Subquery(latest.values("consented_at")),
    )


@dataclass
class IntakeSummary:
    uuid: object
    submitted_at: datetime.datetime
    yes: int
    not_sure: int
    no: int
    consents: bool
    consented_at: datetime.datetime | None


def intake_summary(items) -> IntakeSummary | None:
    """What ``screening_items`` folded in, counted; None without a submitted intake."""
    items = list(items)
    first = next((i for i in items if getattr(i, "intake_submitted_at", None)), None)
    if first is None:
        return None
    answers = [getattr(i, "intake_answer", None) for i in items]
    return IntakeSummary(
        uuid=first.intake_uuid,
        submitted_at=first.intake_submitted_at,
        yes=answers.count(IntakeAnswerChoice.YES),
        not_sure=answers.count(IntakeAnswerChoice.NOT_SURE),
        no=answers.count(IntakeAnswerChoice.NO),
        consents=bool(first.intake_consents),
        consented_at=first.intake_consented_at,
    )
