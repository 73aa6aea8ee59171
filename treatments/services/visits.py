"""Every write to a visit goes through these functions: they enforce the clinical rules (DESIGN.md,
"Clinical rules") and give the message the user sees. The database enforces the same rules again
(treatments/triggers.py), so a crafted request or raw SQL meets the same refusal.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone

from patients import services as patient_services
from patients.models import Appointment, AppointmentStatus, Patient, Practitioner
from revere import roles
from revere.services import assign_fields, full_clean_fields
from treatments.models import (
    Addendum,
    AdhesionSite,
    Application,
    Assessment,
    BloodPressurePolicy,
    Contraindication,
    HomeProgram,
    OutcomeMeasure,
    OutcomeScore,
    Screening,
    ScreeningFinding,
    ScreeningResult,
    Severity,
    Side,
    TreatmentSession,
    Visit,
    VisitStatus,
    VisitStep,
)
from treatments.services.combined import fetch_together, field_names, instance, prefetched

# Messages for the SQLSTATEs raised by treatments/triggers.py.
TRIGGER_MESSAGES = {
    "RV001": "This visit is signed: its record is read-only. Add an addendum instead.",
    "RV002": "IASTR cannot be recorded before the screening is completed in this visit.",
    "RV003": "IASTR is refused for this visit: the screening found an absolute contraindication.",
    "RV004": "IASTR is refused at this region and side: the screening found an absolute "
    "contraindication there.",
    "RV005": "Write and acknowledge the precaution on the screening step before treating.",
    "RV006": "The side does not fit the region: limbs are left, right or both; the neck and "
    "back are midline.",
    "RV007": "Only the visit's practitioner can sign it: ask the clinic manager to reassign the "
    "visit if it should be yours.",
    "RV008": "Record the patient's consent to IASTR before treating: tick it on the screening "
    "step once you have explained the treatment.",
    "RV009": "A visit can only be assigned to an active practitioner.",
    "RV010": "A phone consultation call is not a clinic visit: no clinical record is opened for "
    "it.",
}


def _num(value) -> str:
    """0.0 -> '0', 2.5 -> '2.5': how clinicians write scale bounds."""
    return f"{value.normalize():f}"


class VisitSigned(ValidationError):
    def __init__(self):
        super().__init__(TRIGGER_MESSAGES["RV001"], code="signed")


def _database_refusal(exc: DatabaseError) -> str | None:
    code = getattr(exc.__cause__, "pgcode", None)
    return TRIGGER_MESSAGES.get(code)


def _ensure_draft(visit: Visit) -> None:
    # Read the status from the database under a row lock, so a visit signed in another tab
    # meanwhile is seen as signed.
    status = Visit.objects.select_for_update().values_list("status", flat=True).get(pk=visit.pk)
    if status == VisitStatus.SIGNED:
        raise VisitSigned()


def _advance(visit: Visit, step: str) -> None:
    order = list(VisitStep.values)
    if order.index(step) > order.index(visit.current_step):
        visit.current_step = step
        visit.save(update_fields=["current_step"])


# --- Starting a visit and the assessment ------------------------------------------------------

ASSESSMENT_FIELDS = (
    "condition",
    "complaint",
    "onset",
    "mechanism",
    "duration",
    "aggravating_factors",
    "easing_factors",
    "previous_treatment",
    "surgery_history",
    "findings",
    "goals",
    "plan",
)
# A follow-up's short re-assessment: this visit's own, never copied from the last assessment.
REASSESSMENT_FIELDS = ("changes_since_last", "pain_now")


def _appointment_follows(visit: Visit, status: str, *, by) -> None:
    """The schedule follows the chart: a visit started marks its appointment arrived (the patient
    is seen), a visit signed marks it completed (charted). A cancelled or no-show appointment
    stays as it is (the map allows nothing from there)."""
    if visit.appointment_id is None:
        return
    appointment = Appointment.objects.select_for_update().get(pk=visit.appointment_id)
    steps = {
        AppointmentStatus.ARRIVED: [AppointmentStatus.ARRIVED],
        AppointmentStatus.COMPLETED: [AppointmentStatus.ARRIVED, AppointmentStatus.COMPLETED],
    }[status]
    for step in steps:
        if step in appointment.allowed_statuses():
            appointment.set_status(step, by=by)


def _check_appointment(appointment, *, patient, practitioner) -> None:
    """A visit records an in-clinic appointment of this patient with this practitioner, on its
    day or after it, or earlier once the patient is marked arrived (never a phone call, a
    cancelled booking or next week's appointment still booked)."""
    if appointment.type.is_phone:
        raise ValidationError(
            f"{appointment.type} is a phone call, not a clinic visit: no clinical record is "
            "opened for it. Book an initial assessment to see the patient.",
            code="phone_call",
        )
    if not appointment.is_active:
        raise ValidationError(
            f"This appointment is {appointment.get_status_display().lower()}: no visit to start.",
            code="not_active",
        )
    if appointment.patient_id != patient.pk or appointment.practitioner_id != practitioner.pk:
        raise ValidationError(
            "This appointment is for another patient or practitioner.", code="mismatch"
        )
    # On a later day only once the front desk has marked the patient arrived (they are here).
    if (
        appointment.status == AppointmentStatus.BOOKED
        and timezone.localdate(appointment.starts_at) > timezone.localdate()
    ):
        raise ValidationError(
            f"This appointment is on {timezone.localtime(appointment.starts_at):%A %d %B}: its "
            "visit is started on that day.",
            code="future",
        )


@transaction.atomic
def visit_start(*, patient, practitioner, appointment=None) -> Visit:
    """Open a draft visit, or resume the practitioner's open draft for this patient.

    From an appointment: the visit records it, and the appointment is marked arrived (see
    ``_appointment_follows``); a phone consultation call, a cancelled or no-show booking, one of
    another patient or practitioner, or one on a later day is refused with a ValidationError.

    A follow-up starts from the patient's last assessment (fields and adhesion sites copied) so the
    physiotherapist updates it instead of typing it again.
    """
    if appointment is not None:
        existing = Visit.objects.filter(appointment=appointment).first()
        if existing is not None:
            return existing
        _check_appointment(appointment, patient=patient, practitioner=practitioner)
    else:
        existing = (
            Visit.objects.filter(
                patient=patient, practitioner=practitioner, status=VisitStatus.DRAFT
            )
            .order_by("-created_at")
            .first()
        )
    if existing is not None:
        return existing
    visit = Visit.objects.create(
        patient=patient, practitioner=practitioner, appointment=appointment
    )
    _appointment_follows(visit, AppointmentStatus.ARRIVED, by=practitioner.user)
    previous = (
        Assessment.objects.filter(visit__patient=patient)
        .exclude(visit=visit)
        .order_by("-visit__date", "-visit__created_at")
        .prefetch_related("sites")
        .first()
    )
    assessment = Assessment(visit=visit)
    if previous is not None:
        for name in ASSESSMENT_FIELDS:
            setattr(assessment, name, getattr(previous, name))
    assessment.save()
    if previous is not None:
        AdhesionSite.objects.bulk_create(
            AdhesionSite(assessment=assessment, region=s.region, side=s.side, note=s.note)
            for s in previous.sites.all()
        )
    return visit


def _check_side(region, side) -> None:
    if region is not None and side not in region.allowed_sides():
        allowed = ", ".join(Side(s).label.lower() for s in region.allowed_sides())
        raise ValidationError(f"{region.label} is recorded with side: {allowed}.", code="side")


def score_range_message(measure: OutcomeMeasure) -> str:
    return f"{measure.code} is scored from {_num(measure.min_value)} to {_num(measure.max_value)}."


def score_check(measure: OutcomeMeasure, value: Decimal) -> None:
    if not measure.min_value <= value <= measure.max_value:
        raise ValidationError(score_range_message(measure), code="out_of_range")


@transaction.atomic
def assessment_save(
    *,
    visit: Visit,
    fields: dict,
    sites: list[dict],
    scores: dict,
    advance: bool = False,
    known=None,
) -> Assessment:
    """Save step 1 (a draft may be incomplete). ``sites`` replaces the adhesion sites;
    ``scores`` maps OutcomeMeasure to a value (None removes the score). ``known``: the sites and
    scores the caller read (``AssessmentReads``); what equals them is not written again (an
    autosave that only changed the text writes no site and no score). A fixed number of
    queries whatever the number of sites and scores."""
    _ensure_draft(visit)
    assessment = visit.assessment
    assign_fields(assessment, fields, ASSESSMENT_FIELDS + REASSESSMENT_FIELDS)
    # The visit is locked and the condition comes from the form's catalogue; the pain check
    # constraint is the field's validators.
    full_clean_fields(assessment)
    assessment.save()
    for site in sites:
        _check_side(site["region"], site["side"])
    site_rows = [
        {"region": site["region"].pk, "side": site["side"], "note": site.get("note", "")}
        for site in sites
    ]
    if known is None or site_rows != known.sites:
        assessment.sites.all().delete()
        AdhesionSite.objects.bulk_create(
            AdhesionSite(assessment=assessment, **site) for site in sites
        )
    scored = known.scored if known is not None else None
    removed, kept = [], []
    for measure, value in scores.items():
        if scored is not None and scored.get(measure.code) == value:
            continue  # as recorded (or still absent)
        if value is None:
            removed.append(measure.code)
            continue
        score_check(measure, value)
        kept.append(OutcomeScore(visit=visit, measure=measure, value=value))
    if removed:
        OutcomeScore.objects.filter(visit=visit, measure_id__in=removed).delete()
    if kept:
        OutcomeScore.objects.bulk_create(
            kept, update_conflicts=True, unique_fields=["visit", "measure"], update_fields=["value"]
        )
    if advance:
        _advance(visit, VisitStep.SCREENING)
    return assessment


# --- Screening --------------------------------------------------------------------------------


@dataclass
class FindingInput:
    contraindication: Contraindication
    region: object = None
    side: str = ""
    note: str = ""


@dataclass
class Evaluation:
    result: str
    reasons: list[str] = field(default_factory=list)
    # (region code, side) pairs where IASTR is refused by an absolute local finding
    refused_sites: list[tuple[str, str]] = field(default_factory=list)


def screening_evaluate(
    *,
    findings: list[FindingInput],
    systolic,
    diastolic,
    policy: BloodPressurePolicy,
    bp_not_measured_reason: str = "",
) -> Evaluation:
    """The screening result from what was found: refused, precautions or clear.

    - absolute systemic finding, or blood pressure at or above the absolute line: refused;
    - relative finding, blood pressure at or above the caution line, or blood pressure that
      could not be measured: precautions;
    - absolute local finding: that region and side are refused (listed in ``refused_sites``, with
      a reason) and the rest of the body is not concerned, so alone it leaves the result clear.
    """
    refused, cautions, site_reasons, refused_sites = [], [], [], []
    for finding in findings:
        item = finding.contraindication
        where = ""
        if finding.region is not None:
            where = f" ({finding.region.label}, {Side(finding.side).label.lower()})"
        if item.severity == Severity.ABSOLUTE and not item.is_local:
            refused.append(f"{item.label}: absolute contraindication.")
        elif item.severity == Severity.ABSOLUTE:
            site_reasons.append(f"{item.label}{where}: IASTR refused at this site.")
            refused_sites.append((finding.region.code, finding.side))
        else:
            cautions.append(f"{item.label}{where}: relative contraindication.")
    if systolic is None and diastolic is None and bp_not_measured_reason.strip():
        cautions.append(f"Blood pressure could not be measured: {bp_not_measured_reason.strip()}")
    if systolic is not None or diastolic is not None:
        sys_, dia = systolic or 0, diastolic or 0
        reading = f"{systolic or '?'}/{diastolic or '?'}"
        if sys_ >= policy.absolute_systolic or dia >= policy.absolute_diastolic:
            refused.append(
                f"Blood pressure {reading} is at or above the clinic's line of "
                f"{policy.absolute_systolic}/{policy.absolute_diastolic}: uncontrolled "
                "hypertension."
            )
        elif sys_ >= policy.caution_systolic or dia >= policy.caution_diastolic:
            cautions.append(
                f"Blood pressure {reading} is at or above the caution line of "
                f"{policy.caution_systolic}/{policy.caution_diastolic}."
            )
    if refused:
        return Evaluation(ScreeningResult.REFUSED, refused + cautions + site_reasons, refused_sites)
    if cautions:
        return Evaluation(ScreeningResult.PRECAUTIONS, cautions + site_reasons, refused_sites)
    return Evaluation(ScreeningResult.CLEAR, site_reasons, refused_sites)


@transaction.atomic
def screening_save(
    *,
    visit: Visit,
    findings: list[FindingInput],
    systolic,
    diastolic,
    precaution: str,
    acknowledge: bool,
    complete: bool,
    by,
    bp_not_measured_reason: str = "",
) -> Screening:
    """Save step 2 and compute its result. ``complete`` marks the screening done (every item
    was asked); a precaution is acknowledged only when written and only while one is needed.

    Blood pressure is both values or none; a completed screening has it, or says why it could
    not be measured (``bp_not_measured_reason``), which then needs a precaution like a relative
    finding."""
    _ensure_draft(visit)
    bp_not_measured_reason = bp_not_measured_reason.strip()
    if (systolic is None) != (diastolic is None):
        raise ValidationError(
            "Enter both blood-pressure values (systolic and diastolic): one alone is not a "
            "reading.",
            code="blood_pressure",
        )
    if systolic is not None and bp_not_measured_reason:
        raise ValidationError(
            "A blood pressure is entered and also marked as not measured: keep one of them.",
            code="blood_pressure",
        )
    if complete and systolic is None and not bp_not_measured_reason:
        raise ValidationError(
            "Take the blood pressure (systolic and diastolic) to complete the screening, or tick "
            "that it could not be measured and say why.",
            code="blood_pressure",
        )
    for finding in findings:
        if finding.contraindication.is_local:
            if finding.region is None or not finding.side:
                raise ValidationError(
                    f"{finding.contraindication.label}: give the region and side.", code="site"
                )
            _check_side(finding.region, finding.side)
        else:
            finding.region, finding.side = None, ""
    sites = [(f.contraindication.pk, getattr(f.region, "pk", None), f.side) for f in findings]
    if len(set(sites)) != len(sites):
        raise ValidationError("The same finding is listed twice at one site.", code="duplicate")
    evaluation = screening_evaluate(
        findings=findings,
        systolic=systolic,
        diastolic=diastolic,
        policy=BloodPressurePolicy.current(),
        bp_not_measured_reason=bp_not_measured_reason,
    )
    screening, _ = Screening.objects.get_or_create(visit=visit)
    screening.systolic, screening.diastolic = systolic, diastolic
    screening.bp_not_measured_reason = bp_not_measured_reason
    screening.result = evaluation.result
    screening.result_reasons = evaluation.reasons
    screening.precaution = precaution.strip()
    needs_precaution = evaluation.result == ScreeningResult.PRECAUTIONS
    if acknowledge and needs_precaution:
        if not screening.precaution:
            raise ValidationError(
                "Write the precaution (e.g. lighter pressure, avoid the site, physician "
                "clearance) before acknowledging it.",
                code="precaution",
            )
        screening.precaution_acknowledged_at = timezone.now()
        screening.precaution_acknowledged_by = by
    else:
        screening.precaution_acknowledged_at = None
        screening.precaution_acknowledged_by = None
    if complete and screening.completed_at is None:
        screening.completed_at = timezone.now()
    screening.full_clean()
    screening.save()
    screening.findings.all().delete()
    ScreeningFinding.objects.bulk_create(
        ScreeningFinding(
            screening=screening,
            contraindication=f.contraindication,
            region=f.region,
            side=f.side,
            note=f.note,
        )
        for f in findings
    )
    # Applications already recorded must still be allowed by the new screening.
    for application in Application.objects.filter(session__visit=visit).select_related("region"):
        refusal = application_refusal(screening, application.region, application.side)
        if refusal:
            raise ValidationError(
                f"This screening would refuse an application already recorded "
                f"({application.region.label}): remove that application first. {refusal}",
                code="conflict",
            )
    if complete:
        _advance(visit, VisitStep.TREATMENT)
    return screening


def application_refusal(screening: Screening | None, region, side: str) -> str | None:
    """Why IASTR may not be applied at ``region``/``side`` in this screening's visit, or None."""
    if screening is None or not screening.is_complete:
        return TRIGGER_MESSAGES["RV002"]
    if screening.result == ScreeningResult.REFUSED:
        return TRIGGER_MESSAGES["RV003"]
    for finding in screening.findings.all():
        item = finding.contraindication
        if (
            item.is_absolute
            and item.is_local
            and finding.region_id == getattr(region, "pk", None)
            and (side == finding.side or Side.BOTH in (side, finding.side))
        ):
            return (
                f"IASTR is refused at {region.label} ({Side(side).label.lower()}): "
                f"{item.label.lower()} was found there."
            )
    # As the trigger: a reading missing (not measured) needs the precaution whatever the result.
    needs_precaution = screening.result == ScreeningResult.PRECAUTIONS or (
        screening.systolic is None or screening.diastolic is None
    )
    if needs_precaution and not screening.precaution_acknowledged:
        return TRIGGER_MESSAGES["RV005"]
    return None


def consent_refusal(patient) -> str | None:
    """Why IASTR may not be applied to this patient at all (no consent recorded), or None."""
    if patient.consent_iastr_at is None:
        return TRIGGER_MESSAGES["RV008"]
    return None


@transaction.atomic
def iastr_consent_record(*, visit: Visit, by) -> Patient:
    """The physiotherapist records, from the visit's screening step, that the patient consents
    to IASTR after it was explained today: who and when, through the patients' own service."""
    if not roles.is_physio(by):
        raise ValidationError(
            "Only a physiotherapist records consent to IASTR from a visit.", code="role"
        )
    _ensure_draft(visit)
    patient = Patient.objects.select_for_update().get(pk=visit.patient_id)
    if patient.consent_iastr_at is None:
        patient_services.patient_update(patient=patient, by=by, consent_iastr=True)
    visit.patient = patient
    return patient


# --- The IASTR session ------------------------------------------------------------------------

SESSION_FIELDS = (
    "warm_up",
    "lubricant",
    "tolerance",
    "skin_response",
    "cryotherapy_minutes",
    "adverse_event_note",
)


@transaction.atomic
def session_save(*, visit: Visit, fields: dict, advance: bool = False) -> TreatmentSession:
    _ensure_draft(visit)
    session, _ = TreatmentSession.objects.get_or_create(visit=visit)
    assign_fields(session, fields, SESSION_FIELDS)
    # The visit is locked; cryotherapy's check constraint is its field's validator.
    full_clean_fields(session)
    session.save()
    if advance:
        _advance(visit, VisitStep.HANDOUT)
    return session


def _rules_of_the_visit(visit: Visit):
    """The screening with its findings (and their contraindications), the patient's consent and
    the session, read in one statement once the visit is locked: a screening or a consent
    changed since the page was loaded counts."""
    rows = fetch_together(
        screening=Screening.objects.filter(visit=visit).values(*field_names(Screening)),
        findings=ScreeningFinding.objects.filter(screening__visit=visit)
        .order_by()
        .values(
            *field_names(ScreeningFinding), *field_names(Contraindication, "contraindication__")
        ),
        patient=Patient.objects.filter(pk=visit.patient_id).values(*field_names(Patient)),
        session=TreatmentSession.objects.filter(visit=visit).values(*field_names(TreatmentSession)),
    )
    screening = instance(Screening, rows["screening"][0]) if rows["screening"] else None
    if screening is not None:
        findings = []
        for row in sorted(rows["findings"], key=lambda row: row["id"]):
            finding = instance(ScreeningFinding, row)
            finding.contraindication = instance(Contraindication, row, "contraindication__")
            findings.append(finding)
        prefetched(screening, "findings", findings)
    patient = instance(Patient, rows["patient"][0])
    session = instance(TreatmentSession, rows["session"][0]) if rows["session"] else None
    return screening, patient, session


def application_add(*, visit: Visit, **fields) -> Application:
    """Record one IASTR application, or raise ValidationError saying why it is refused."""
    try:
        with transaction.atomic():
            _ensure_draft(visit)
            screening, patient, session = _rules_of_the_visit(visit)
            refusal = consent_refusal(patient) or application_refusal(
                screening, fields.get("region"), fields.get("side", "")
            )
            if refusal:
                raise ValidationError(refusal, code="refused")
            _check_side(fields.get("region"), fields.get("side"))
            if session is None:
                # No race: the visit's row is locked, and the next statement sees a session
                # another request committed before it.
                session = TreatmentSession.objects.create(visit=visit)
            application = Application(session=session, **fields)
            # The session is the locked visit's; region, instrument and stroke come from the
            # form's catalogues (or an application recorded before); the duration and angle
            # check constraints are their fields' validators.
            full_clean_fields(application)
            application.save()
            return application
    except (IntegrityError, DatabaseError) as exc:
        # The database's own check (a race with a screening change, or a rule the service
        # missed) has the last word; say it in the same words.
        message = _database_refusal(exc)
        if message is None:
            raise
        raise ValidationError(message, code="refused") from exc


@transaction.atomic
def application_remove(*, visit: Visit, application: Application) -> None:
    _ensure_draft(visit)
    application.delete()


# --- Signing and addenda ----------------------------------------------------------------------


@transaction.atomic
def visit_sign(*, visit: Visit, by) -> Visit:
    """Lock the visit. From here on the database refuses any change to its clinical rows.
    Only the visit's practitioner signs it (the database holds that too)."""
    # The row locked, with what the signature depends on read again in the same query: the
    # practitioner (a reassignment may have just happened), the assessment and the screening.
    locked = (
        Visit.objects.select_for_update(of=("self",))
        .select_related("practitioner", "assessment", "screening")
        .get(pk=visit.pk)
    )
    if locked.status == VisitStatus.SIGNED:
        raise VisitSigned()
    visit.practitioner = locked.practitioner
    if refusal := sign_refusal(visit, by):
        raise ValidationError(refusal, code="signer")
    problems = []
    assessment = locked.assessment
    if not assessment.complaint.strip() and assessment.condition_id is None:
        problems.append("Record the condition or the chief complaint in the assessment.")
    screening = getattr(locked, "screening", None)
    if screening is None or not screening.is_complete:
        problems.append("Complete the contraindication screening.")
    elif screening.result == ScreeningResult.PRECAUTIONS and not screening.precaution_acknowledged:
        problems.append("Write and acknowledge the precaution on the screening step.")
    if problems:
        raise ValidationError(problems, code="incomplete")
    # A program built in this visit but never saved becomes the active one: the patient leaves
    # with the handout they were given.
    HomeProgram.objects.filter(visit=visit, activated_at__isnull=True, items__isnull=False).update(
        activated_at=timezone.now()
    )
    visit.status = VisitStatus.SIGNED
    visit.signed_at = timezone.now()
    visit.signed_by = by
    visit.current_step = VisitStep.REVIEW
    # No savepoint of its own: a refusal leaves this function's transaction, which rolls back.
    try:
        visit.save(update_fields=["status", "signed_at", "signed_by", "current_step"])
    except DatabaseError as exc:
        message = _database_refusal(exc)
        if message is None:
            raise
        raise ValidationError(message, code="signer") from exc
    _appointment_follows(visit, AppointmentStatus.COMPLETED, by=by)
    return visit


def sign_refusal(visit: Visit, user) -> str | None:
    """Why ``user`` may not sign this visit (it is another practitioner's), or None. The review
    page asks it too, to say who signs instead of offering the button."""
    if visit.practitioner.user_id != getattr(user, "pk", None):
        return (
            f"Only {visit.practitioner} can sign this visit: it is recorded as theirs. Ask them "
            "to sign it, or ask the clinic manager to reassign the visit to you."
        )
    return None


@transaction.atomic
def visit_reassign(*, visit: Visit, practitioner: Practitioner, by) -> Visit:
    """The clinic manager hands a draft visit to another (active) practitioner, who then signs
    it. The change is kept in the visit's history (pghistory)."""
    if not roles.is_manager(by):
        raise ValidationError("Only the clinic manager reassigns a visit.", code="role")
    _ensure_draft(visit)
    if not practitioner.active:
        raise ValidationError(
            f"{practitioner} is not an active practitioner: choose another.", code="inactive"
        )
    if practitioner.pk == visit.practitioner_id:
        raise ValidationError(f"This visit is already with {practitioner}.", code="same")
    previous, visit.practitioner = visit.practitioner, practitioner
    try:
        with transaction.atomic():
            visit.save(update_fields=["practitioner"])
    except DatabaseError as exc:
        visit.practitioner = previous
        message = _database_refusal(exc)
        if message is None:
            raise
        raise ValidationError(message, code="inactive") from exc
    return visit


ADDENDUM_MAX_LENGTH = 20_000


@transaction.atomic
def addendum_add(*, visit: Visit, text: str, by) -> Addendum:
    if not visit.is_signed:
        raise ValidationError(
            "Addenda are for signed visits; edit the draft instead.", code="draft"
        )
    text = text.strip()
    if not text:
        raise ValidationError("Write the addendum.", code="empty")
    if "\x00" in text:
        # PostgreSQL cannot store a NUL character in text (it comes only from a crafted request
        # or a pasted binary).
        raise ValidationError(
            "The addendum contains a null character, which cannot be stored: remove it.",
            code="null_character",
        )
    if len(text) > ADDENDUM_MAX_LENGTH:
        raise ValidationError(
            f"An addendum is at most {ADDENDUM_MAX_LENGTH:,} characters: split it in two.",
            code="too_long",
        )
    return Addendum.objects.create(visit=visit, text=text, author=by)
