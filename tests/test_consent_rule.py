"""No IASTR without the patient's consent to it: the visit header says whether it is recorded,
the screening step records it (a physiotherapist, with who and when), and an application for a
patient without it is refused by the service and by the database (RV008)."""

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.urls import reverse
from django.utils import timezone

from patients.models import Patient
from tests.clinical import (
    NO_CONSENT,
    SIGNED,
    apply,
    give_consent,
    make_visit,
    messages,
    pgcode,
    raw_insert_application,
    screen,
    session_for,
    signable,
)
from tests.factories import PatientFactory
from treatments import services
from treatments.models import Application, Instrument

pytestmark = pytest.mark.django_db

CONSENT_LABEL = "Patient consents to IASTR (explained today)"


@pytest.fixture
def patient():
    return PatientFactory(first_name="Ines", last_name="Varga")


@pytest.fixture
def visit(physio, patient):
    return make_visit(physio, patient, consent=False)


def url(name, visit):
    return reverse(f"visits:{name}", args=[visit.uuid])


def stored_consent(patient):
    return Patient.objects.values_list("consent_iastr_at", "consent_iastr_recorded_by").get(
        pk=patient.pk
    )


def screening_post(**extra):
    return {"systolic": "118", "diastolic": "76", "all_asked": "on", "action": "save", **extra}


def application_post():
    return {
        "region": "calf",
        "side": "left",
        "instrument": Instrument.objects.get(name="GT1").pk,
        "stroke": "sweeping",
        "direction": "transverse",
        "pressure": "light",
        "angle_degrees": "",
        "duration_seconds": "60",
    }


# --- The service and the database ----------------------------------------------------------------


def test_application_without_consent_is_refused_even_with_a_clear_screening(visit):
    screen(visit)

    with pytest.raises(ValidationError) as excinfo:
        apply(visit, "calf", "left")

    assert messages(excinfo.value) == NO_CONSENT
    assert "Record the patient's consent to IASTR before treating" in NO_CONSENT
    assert not Application.objects.exists()


def test_database_refuses_an_application_for_a_patient_without_consent(visit):
    screen(visit)
    session = session_for(visit)

    with pytest.raises(DatabaseError) as excinfo, transaction.atomic():
        raw_insert_application(session.pk, "calf", "left")

    assert pgcode(excinfo) == "RV008"
    assert not Application.objects.exists()


def test_database_refuses_moving_an_application_once_consent_is_withdrawn(visit, physio):
    give_consent(visit.patient, physio)
    screen(visit)
    application = apply(visit, "calf", "left")
    Patient.objects.filter(pk=visit.patient.pk).update(
        consent_iastr_at=None, consent_iastr_recorded_by=None
    )

    with pytest.raises(DatabaseError) as excinfo, transaction.atomic():
        Application.objects.filter(pk=application.pk).update(side="right")

    assert pgcode(excinfo) == "RV008"
    assert Application.objects.get(pk=application.pk).side == "left"


def test_recording_consent_keeps_who_and_when_and_allows_treatment(visit, physio, patient):
    screen(visit)

    services.iastr_consent_record(visit=visit, by=physio)

    given_at, recorded_by = stored_consent(patient)
    assert given_at is not None and recorded_by == physio.pk
    apply(visit, "calf", "left")
    assert Application.objects.count() == 1
    # Recording it again keeps the first time and recorder.
    services.iastr_consent_record(visit=visit, by=physio)
    assert stored_consent(patient) == (given_at, physio.pk)


@pytest.mark.parametrize("user_fixture", ["manager", "front_desk"])
def test_only_a_physiotherapist_records_consent_through_the_service(
    request, visit, patient, user_fixture
):
    user = request.getfixturevalue(user_fixture)

    with pytest.raises(ValidationError, match="Only a physiotherapist records consent"):
        services.iastr_consent_record(visit=visit, by=user)

    assert stored_consent(patient) == (None, None)


def test_consent_is_not_recorded_through_a_signed_visit(visit, physio, patient):
    services.visit_sign(visit=signable(visit), by=physio)

    with pytest.raises(ValidationError) as excinfo:
        services.iastr_consent_record(visit=visit, by=physio)

    assert messages(excinfo.value) == SIGNED
    assert stored_consent(patient) == (None, None)


# --- The pages -----------------------------------------------------------------------------------


def test_header_says_consent_is_not_recorded_then_given_with_its_date(physio_client, visit):
    page = physio_client.get(url("assessment", visit)).content.decode()
    assert "Consent to IASTR: not recorded" in page

    give_consent(visit.patient, visit.practitioner.user)
    given_on = visit.patient.consent_iastr_at
    page = physio_client.get(url("assessment", visit)).content.decode()
    assert "Consent to IASTR: given" in page
    assert f"Consent to IASTR: given {timezone.localtime(given_on):%Y-%m-%d}" in page
    assert "Consent to IASTR: not recorded" not in page


def test_screening_step_offers_and_records_consent(physio_client, physio, visit, patient):
    page = physio_client.get(url("screening", visit)).content.decode()
    assert CONSENT_LABEL in page

    response = physio_client.post(
        url("screening", visit), screening_post(consent_iastr="on"), follow=True
    )

    assert "Draft saved." in response.content.decode()
    given_at, recorded_by = stored_consent(patient)
    assert given_at is not None and recorded_by == physio.pk
    page = physio_client.get(url("screening", visit)).content.decode()
    assert CONSENT_LABEL not in page
    assert "Consent to IASTR: given" in page


def test_screening_saved_without_the_box_records_no_consent(physio_client, visit, patient):
    physio_client.post(url("screening", visit), screening_post())

    assert visit.screening.systolic == 118
    assert stored_consent(patient) == (None, None)


def test_consent_box_is_kept_ticked_when_the_screening_is_refused(physio_client, visit, patient):
    # A refused screening save (every item not confirmed) does not lose the tick.
    data = screening_post(consent_iastr="on", action="continue")
    del data["all_asked"]
    html = physio_client.post(url("screening", visit), data).content.decode()

    assert "Confirm that you asked the patient about every item" in html
    assert stored_consent(patient) == (None, None)
    assert 'name="consent_iastr"' in html and "checked" in html


def test_crafted_application_without_consent_is_refused_on_the_page(physio_client, visit):
    screen(visit)
    treatment = physio_client.get(url("treatment", visit)).content.decode()
    assert NO_CONSENT.replace("'", "&#x27;") in treatment

    response = physio_client.post(url("application_add", visit), application_post())

    assert response.status_code == 200
    assert "Record the patient&#x27;s consent to IASTR before treating" in (
        response.content.decode()
    )
    # As for any refusal of the whole visit, the page offers no application form until then.
    assert 'data-testid="application-form"' not in response.content.decode()
    assert not Application.objects.exists()


@pytest.mark.parametrize("client_fixture", ["manager_client", "front_desk_client"])
def test_manager_and_front_desk_cannot_record_consent_from_the_screening(
    request, client_fixture, visit, patient
):
    client = request.getfixturevalue(client_fixture)

    response = client.post(url("screening", visit), screening_post(consent_iastr="on"))

    assert response.status_code == 404
    assert stored_consent(patient) == (None, None)


def test_manager_reading_the_screening_is_not_offered_the_consent_box(manager_client, visit):
    page = manager_client.get(url("screening", visit)).content.decode()

    assert CONSENT_LABEL not in page
    assert "Consent to IASTR: not recorded" in page
