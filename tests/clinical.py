"""Shared helpers for the clinical tests: a draft visit, a screening, an application, and the
same steps done straight in SQL (bypassing the services) to reach the database's own rules.

Everything here goes through treatments/services.py unless its name says ``raw``.
"""

from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from tests.factories import PatientFactory
from treatments import services
from treatments.models import (
    BodyRegion,
    Contraindication,
    Instrument,
    StrokeTechnique,
    TreatmentSession,
    Visit,
)
from treatments.services import TRIGGER_MESSAGES, FindingInput

NORMAL_BP = (120, 80)
PRECAUTION = "Light pressure only; avoid the marked site; stop at any discomfort."

# What the physiotherapist reads when an application is refused (services.TRIGGER_MESSAGES).
NO_SCREENING = TRIGGER_MESSAGES["RV002"]
REFUSED_FOR_VISIT = TRIGGER_MESSAGES["RV003"]
NEEDS_PRECAUTION = TRIGGER_MESSAGES["RV005"]
SIGNED = TRIGGER_MESSAGES["RV001"]
NO_CONSENT = TRIGGER_MESSAGES["RV008"]


def give_consent(patient, by):
    """Arrange a patient who consented to IASTR (recorded by ``by``), straight on the row."""
    if patient.consent_iastr_at is None:
        patient.consent_iastr_at = timezone.now()
        patient.consent_iastr_recorded_by = by
        patient.save(update_fields=["consent_iastr_at", "consent_iastr_recorded_by"])
    return patient


def make_visit(physio, patient=None, *, consent: bool = True) -> Visit:
    """A new draft visit for a new (or given) patient, opened by ``physio`` (a User). The patient
    has consented to IASTR (recorded by ``physio``) unless ``consent=False``."""
    patient = patient or PatientFactory()
    if consent:
        give_consent(patient, physio)
    return services.visit_start(patient=patient, practitioner=physio.practitioner)


def finding(code: str, region: str | None = None, side: str = "", note: str = "") -> FindingInput:
    """A screening finding by contraindication code, optionally at a region code and side."""
    return FindingInput(
        contraindication=Contraindication.objects.get(code=code),
        region=BodyRegion.objects.get(code=region) if region else None,
        side=side,
        note=note,
    )


def screen(
    visit: Visit,
    *findings: FindingInput,
    bp=NORMAL_BP,
    bp_not_measured: str = "",
    precaution: str = "",
    acknowledge: bool = False,
    complete: bool = True,
    by=None,
):
    """Save the visit's screening through the service; ``bp`` is (systolic, diastolic), and
    ``bp_not_measured`` the reason when it could not be taken (pass ``bp=(None, None)``)."""
    systolic, diastolic = bp
    return services.screening_save(
        visit=visit,
        findings=list(findings),
        systolic=systolic,
        diastolic=diastolic,
        bp_not_measured_reason=bp_not_measured,
        precaution=precaution,
        acknowledge=acknowledge,
        complete=complete,
        by=by or visit.practitioner.user,
    )


def screen_acknowledged(visit: Visit, *findings: FindingInput, bp=NORMAL_BP):
    """A completed screening whose precaution (if one is needed) is written and acknowledged."""
    return screen(visit, *findings, bp=bp, precaution=PRECAUTION, acknowledge=True)


def apply(visit: Visit, region: str, side: str, seconds: int = 60, **extra):
    """Record one IASTR application through the service (GT1, sweeping, transverse, light)."""
    fields = {
        "region": BodyRegion.objects.get(code=region),
        "side": side,
        "instrument": Instrument.objects.get(name="GT1"),
        "stroke": StrokeTechnique.objects.get(code="sweeping"),
        "direction": "transverse",
        "pressure": "light",
        "angle_degrees": None,
        "duration_seconds": seconds,
    }
    fields.update(extra)
    return services.application_add(visit=visit, **fields)


def messages(exc: ValidationError) -> str:
    """All of a ValidationError's messages as one string, as a user would read them."""
    return " ".join(exc.messages)


def session_for(visit: Visit) -> TreatmentSession:
    session, _ = TreatmentSession.objects.get_or_create(visit=visit)
    return session


def raw_insert_application(session_id: int, region: str, side: str, seconds: int = 60) -> int:
    """INSERT an application row in SQL, bypassing the services; returns the new id."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO treatments_application
                (session_id, region_id, side, instrument_id, stroke_id, direction, pressure,
                 angle_degrees, duration_seconds, created_at)
            VALUES (%s, %s, %s, (SELECT id FROM treatments_instrument WHERE name = 'GT1'),
                    'sweeping', 'transverse', 'light', NULL, %s, now())
            RETURNING id
            """,
            [session_id, region, side, seconds],
        )
        return cursor.fetchone()[0]


def raw_execute(sql: str, params=None) -> int:
    """Run one SQL statement; returns the number of rows it touched."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.rowcount


def pgcode(excinfo) -> str | None:
    """The SQLSTATE behind a Django database exception caught by ``pytest.raises``."""
    return getattr(excinfo.value.__cause__, "pgcode", None)


def signable(visit: Visit, complaint: str = "Right lateral elbow pain for 6 weeks") -> Visit:
    """Fill what signing needs: a chief complaint and a completed, clear screening."""
    services.assessment_save(visit=visit, fields={"complaint": complaint}, sites=[], scores={})
    screen(visit)
    return visit
