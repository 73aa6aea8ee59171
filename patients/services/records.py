"""Writes to patient records: register, edit, archive, restore, merge."""

from dataclasses import dataclass, field

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from patients.models import (
    Appointment,
    AppointmentStatus,
    Patient,
)
from patients.selectors import appointments_cancelled_by_archiving
from revere.services import assign_fields, full_clean_fields

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
    _check(patient)
    patient.save()
    return patient


def _check(patient: Patient) -> None:
    """The fields' own checks, without a query each (issue 11): the names' check constraint is
    the fields' blank check, the consent's holds by construction (``_apply_consent``), the uuid
    is random and the user and merge links are not set here; PostgreSQL checks them again."""
    full_clean_fields(patient)


@transaction.atomic
def patient_update(*, patient: Patient, by, consent_iastr: bool | None = None, **fields) -> Patient:
    assign_fields(patient, fields, EDITABLE_FIELDS)
    _apply_consent(patient, consent_iastr=consent_iastr, by=by)
    _check(patient)
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


# --- merging a duplicate record ---------------------------------------------------------------


class MergeRefused(ValidationError):
    """The two records cannot be merged as they are; the message says why."""


@dataclass
class MergePlan:
    """What merging ``duplicate`` into ``keep`` moves, what stays, and what stops it."""

    keep: Patient
    duplicate: Patient
    appointments: list = field(default_factory=list)
    visits: list = field(default_factory=list)  # drafts: they move
    signed_visits: list = field(default_factory=list)  # locked: they stay, listed on keep's page
    programs: list = field(default_factory=list)
    check_ins: int = 0
    portal_login: bool = False
    conflicts: list[str] = field(default_factory=list)
    overlapping: list[tuple] = field(default_factory=list)  # (duplicate's, kept one's)

    @property
    def can_merge(self) -> bool:
        return not self.conflicts


def _treatments(name):
    # By name: patients never imports treatments (see revere/panels.py).
    return apps.get_model("treatments", name)


def patient_merge_plan(*, keep: Patient, duplicate: Patient) -> MergePlan:
    """Read what a merge would do, for the confirmation page and for ``patient_merge``."""
    Visit, HomeProgram, CheckIn = (_treatments(n) for n in ("Visit", "HomeProgram", "CheckIn"))
    plan = MergePlan(keep=keep, duplicate=duplicate)
    if keep.pk == duplicate.pk:
        plan.conflicts.append("Choose two different records.")
        return plan
    if keep.is_archived or duplicate.is_archived:
        plan.conflicts.append("Both records must be active: restore an archived one first.")
        return plan
    visits = list(Visit.objects.filter(patient=duplicate).order_by("date", "pk"))
    plan.visits = [v for v in visits if not v.is_signed]
    plan.signed_visits = [v for v in visits if v.is_signed]
    signed_ids = {v.pk for v in plan.signed_visits}
    # An appointment recorded by a signed visit stays with that visit on the merged record.
    plan.appointments = [
        a
        for a in Appointment.objects.filter(patient=duplicate)
        .select_related("practitioner", "type", "visit")
        .order_by("starts_at", "pk")
        if getattr(getattr(a, "visit", None), "pk", None) not in signed_ids
    ]
    plan.programs = list(
        HomeProgram.objects.filter(patient=duplicate).exclude(visit_id__in=signed_ids)
    )
    check_in_days = set(CheckIn.objects.filter(patient=duplicate).values_list("day", flat=True))
    plan.check_ins = len(check_in_days)
    if duplicate.user_id and keep.user_id:
        plan.conflicts.append(
            "Both records have a portal login: a patient has one login only. Ask the patient "
            "which one they use and remove the other login in the admin before merging."
        )
    plan.portal_login = bool(duplicate.user_id and not keep.user_id)
    kept_active = list(
        Appointment.objects.active().filter(patient=keep).select_related("practitioner", "type")
    )
    for mine in plan.appointments:
        if not mine.is_active:
            continue
        for theirs in kept_active:
            if mine.starts_at < theirs.ends_at and theirs.starts_at < mine.ends_at:
                plan.overlapping.append((mine, theirs))
    if plan.overlapping:
        plan.conflicts.append(
            "Both records have active appointments at the same time: cancel one of each pair "
            "listed below before merging."
        )
    same_days = sorted(
        CheckIn.objects.filter(patient=keep, day__in=check_in_days).values_list("day", flat=True)
    )
    if same_days:
        plan.conflicts.append(
            "Both records have a home-program check-in on "
            + ", ".join(f"{day:%Y-%m-%d}" for day in same_days)
            + ": a patient has one check-in a day."
        )
    return plan


@transaction.atomic
def patient_merge(*, keep: Patient, duplicate: Patient, by) -> MergePlan:
    """Merge ``duplicate`` into ``keep`` in one transaction: its appointments, draft visits,
    home programs (not of signed visits), check-ins and portal login (if ``keep`` has none) move
    to ``keep``; its signed visits, which the database locks, stay on it. ``duplicate`` is then
    archived with ``merged_into`` set; both rows keep their history. Refused (MergeRefused) when
    the plan lists a conflict."""
    Visit, HomeProgram, CheckIn = (_treatments(n) for n in ("Visit", "HomeProgram", "CheckIn"))
    locked = {
        p.pk: p for p in Patient.objects.select_for_update().filter(pk__in=[keep.pk, duplicate.pk])
    }
    keep, duplicate = locked.get(keep.pk, keep), locked.get(duplicate.pk, duplicate)
    plan = patient_merge_plan(keep=keep, duplicate=duplicate)
    if not plan.can_merge:
        raise MergeRefused(plan.conflicts)
    Appointment.objects.filter(pk__in=[a.pk for a in plan.appointments]).update(patient=keep)
    Visit.objects.filter(pk__in=[v.pk for v in plan.visits], status="draft").update(patient=keep)
    HomeProgram.objects.filter(pk__in=[p.pk for p in plan.programs]).update(patient=keep)
    CheckIn.objects.filter(patient=duplicate).update(patient=keep)
    if plan.portal_login:
        user_id = duplicate.user_id
        duplicate.user = None
        duplicate.save(update_fields=["user", "updated_at"])
        keep.user_id = user_id
        keep.save(update_fields=["user", "updated_at"])
    duplicate.archived_at = timezone.now()
    duplicate.archived_by = by
    duplicate.merged_into = keep
    duplicate.save(update_fields=["archived_at", "archived_by", "merged_into", "updated_at"])
    return plan
