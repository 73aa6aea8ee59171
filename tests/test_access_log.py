"""Every view of a patient page, a clinical page, a handout (HTML and PDF) and an admin change
page leaves an append-only AccessLog row: who, which record, whose, when, from where."""

import pytest
from django.db import DatabaseError, transaction

from audit.models import AccessLog
from tests.clinical import make_visit, pgcode, raw_execute
from tests.factories import AppointmentFactory, PatientFactory
from tests.programs import build_program

pytestmark = pytest.mark.django_db

LONG_AGENT = "Mozilla/5.0 (X11; Linux x86_64) " + "x" * 500


def only_row():
    rows = list(AccessLog.objects.all())
    assert len(rows) == 1, rows
    return rows[0]


def test_viewing_a_patient_page_is_logged(front_desk, front_desk_client):
    patient = PatientFactory(first_name="Ida", last_name="Inkwell")
    front_desk_client.get(
        f"/patients/{patient.uuid}/?tab=x", HTTP_USER_AGENT=LONG_AGENT, REMOTE_ADDR="192.0.2.10"
    )
    row = only_row()
    assert row.user == front_desk
    assert row.patient == patient
    assert (row.model, row.object_id) == ("patients.patient", str(patient.uuid))
    assert row.path == f"/patients/{patient.uuid}/"  # no query string
    assert row.ip_address == "192.0.2.10"
    assert row.user_agent == LONG_AGENT[:200]
    stored = " ".join(str(v) for v in AccessLog.objects.values_list().get())
    assert "Inkwell" not in stored and str(patient.date_of_birth) not in stored


def test_viewing_a_visit_review_is_logged(physio, physio_client):
    visit = make_visit(physio)
    physio_client.get(f"/visits/{visit.uuid}/review/")
    row = only_row()
    assert (row.user, row.patient) == (physio, visit.patient)
    assert (row.model, row.object_id) == ("treatments.visit", str(visit.uuid))


@pytest.mark.parametrize("step", ["assessment", "screening", "treatment", "handout"])
def test_viewing_each_visit_step_is_logged(physio, physio_client, step):
    visit = make_visit(physio)
    assert physio_client.get(f"/visits/{visit.uuid}/{step}/").status_code == 200
    row = only_row()
    assert (row.user, row.patient, row.path) == (
        physio,
        visit.patient,
        f"/visits/{visit.uuid}/{step}/",
    )


def test_the_manager_reading_a_visit_is_logged(manager, manager_client, physio):
    visit = make_visit(physio)
    manager_client.get(f"/visits/{visit.uuid}/review/")
    assert only_row().user == manager


def test_saving_a_draft_step_is_history_not_a_view(physio, physio_client):
    visit = make_visit(physio)
    physio_client.post(f"/visits/{visit.uuid}/treatment/", {"warm_up": "bike"})
    assert not AccessLog.objects.exists()


@pytest.mark.parametrize("suffix", ["handout/", "handout.pdf"])
def test_a_patient_opening_their_handout_is_logged(
    physio, patient_user, own_patient, patient_client, suffix
):
    program = build_program(physio, "tyler_twist", patient=own_patient)
    response = patient_client.get(f"/programs/{program.uuid}/{suffix}")
    assert response.status_code == 200
    row = only_row()
    assert (row.user, row.patient) == (patient_user, own_patient)
    assert (row.model, row.object_id) == ("treatments.homeprogram", str(program.uuid))


def test_a_physio_opening_a_handout_pdf_is_logged(physio, physio_client):
    program = build_program(physio, "tyler_twist")
    physio_client.get(f"/programs/{program.uuid}/handout.pdf")
    row = only_row()
    assert (row.user, row.patient, row.path) == (
        physio,
        program.patient,
        f"/programs/{program.uuid}/handout.pdf",
    )


def test_a_refused_page_is_not_logged(front_desk_client, physio):
    visit = make_visit(physio)
    assert front_desk_client.get(f"/visits/{visit.uuid}/review/").status_code == 404
    assert not AccessLog.objects.exists()


def test_an_admin_change_page_of_a_patient_is_logged(manager, manager_client):
    patient = PatientFactory()
    assert manager_client.get(f"/admin/patients/patient/{patient.pk}/change/").status_code == 200
    row = only_row()
    assert (row.user, row.patient, row.model) == (manager, patient, "patients.patient")


def test_an_admin_change_page_of_an_appointment_is_logged(manager, manager_client):
    appointment = AppointmentFactory()
    manager_client.get(f"/admin/patients/appointment/{appointment.pk}/change/")
    row = only_row()
    assert (row.patient, row.object_id) == (appointment.patient, str(appointment.uuid))


def test_an_appointment_page_is_logged(front_desk, front_desk_client):
    appointment = AppointmentFactory()
    front_desk_client.get(f"/patients/appointments/{appointment.uuid}/")
    row = only_row()
    assert (row.user, row.patient, row.model) == (
        front_desk,
        appointment.patient,
        "patients.appointment",
    )


# --- Append-only ---------------------------------------------------------------------------------


@pytest.fixture
def logged(front_desk_client):
    patient = PatientFactory()
    front_desk_client.get(f"/patients/{patient.uuid}/")
    return only_row()


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_accesslog SET path = '/elsewhere/' WHERE id = %s",
        "UPDATE audit_accesslog SET user_id = user_id WHERE id = %s",
        "DELETE FROM audit_accesslog WHERE id = %s",
    ],
)
def test_the_access_log_refuses_update_and_delete_in_raw_sql(logged, sql):
    with pytest.raises(DatabaseError) as excinfo, transaction.atomic():
        raw_execute(sql, [logged.pk])
    assert pgcode(excinfo) == "RV021"
    assert AccessLog.objects.get(pk=logged.pk).path == logged.path


def test_the_orm_cannot_delete_the_access_log(logged):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AccessLog.objects.all().delete()
    assert AccessLog.objects.count() == 1


def test_pgtrigger_ignore_does_not_switch_off_the_access_log_protection(logged):
    names = "{revere_access_log_append_only,audit_accesslog:revere_access_log_append_only}"
    with pytest.raises(DatabaseError) as excinfo, transaction.atomic():
        raw_execute("SELECT set_config('pgtrigger.ignore', %s, true)", [names])
        raw_execute("DELETE FROM audit_accesslog WHERE id = %s", [logged.pk])
    assert pgcode(excinfo) == "RV021"


def test_behind_a_trusted_proxy_the_visitors_address_is_logged(front_desk_client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    patient = PatientFactory()
    front_desk_client.get(
        f"/patients/{patient.uuid}/",
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.7",
    )
    # The proxy appended the address it saw (the last one); what the client sent before it is
    # not trusted.
    assert only_row().ip_address == "198.51.100.7"
