"""Writes to patient records: register, edit, archive, restore."""

from django.db import transaction
from django.utils import timezone

from patients.models import (
    AppointmentStatus,
    Patient,
)
from patients.selectors import appointments_cancelled_by_archiving
from revere.services import assign_fields

PATIENT_ARCHIVED = "Patient archived"

# Fields a registration or edit form may set; the rest are kept by the services below.
EDITABLE_FIELDS = (
    "first_name",
    "last_name",
    "preferred_name",
    "date_of_birth",
    "phone",
    "email",
    "address",
    "emergency_contact_name",
    "emergency_contact_phone",
    "emergency_contact_relationship",
    "referral_source",
    "referral_note",
)


def _apply_consent(patient: Patient, *, consent_iastr: bool | None, by) -> None:
    """Record who recorded consent to IASTR and when; withdrawing consent clears it (the change
    stays in the record's history)."""
    if consent_iastr is None:
        return
    if consent_iastr and patient.consent_iastr_at is None:
        patient.consent_iastr_at = timezone.now()
        patient.consent_iastr_recorded_by = by
    elif not consent_iastr and patient.consent_iastr_at is not None:
        patient.consent_iastr_at = None
        patient.consent_iastr_recorded_by = None


@transaction.atomic
def patient_create(*, by, consent_iastr: bool = False, **fields) -> Patient:
    """Register a patient. ``fields`` are the form's cleaned data (see EDITABLE_FIELDS)."""
    patient = Patient(created_by=by)
    assign_fields(patient, fields, EDITABLE_FIELDS)
    _apply_consent(patient, consent_iastr=consent_iastr, by=by)
    patient.full_clean()
    patient.save()
    return patient


@transaction.atomic
def patient_update(*, patient: Patient, by, consent_iastr: bool | None = None, **fields) -> Patient:
    assign_fields(patient, fields, EDITABLE_FIELDS)
    _apply_consent(patient, consent_iastr=consent_iastr, by=by)
    patient.full_clean()
    patient.save()
    return patient


@transaction.atomic
def patient_archive(*, patient: Patient, by) -> Patient:
    """Take a patient out of the default list. Nothing is deleted; a manager can restore it.
    Their booked appointments still to come are cancelled ("Patient archived"), in the same
    transaction, so the schedule does not keep time for a record nobody can open."""
    patient = Patient.objects.select_for_update().get(pk=patient.pk)
    if patient.archived_at is None:
        for appointment in appointments_cancelled_by_archiving(patient=patient).select_for_update(
            of=("self",)
        ):
            appointment.set_status(AppointmentStatus.CANCELLED, by=by, reason=PATIENT_ARCHIVED)
        patient.archived_at = timezone.now()
        patient.archived_by = by
        patient.save(update_fields=["archived_at", "archived_by", "updated_at"])
    return patient


@transaction.atomic
def patient_restore(*, patient: Patient, by) -> Patient:
    if patient.archived_at is not None:
        patient.archived_at = None
        patient.archived_by = None
        patient.save(update_fields=["archived_at", "archived_by", "updated_at"])
    return patient
