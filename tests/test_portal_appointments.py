"""The patient portal's appointments: a patient sees their own upcoming appointments and cancels
one online up to PORTAL_CANCEL_HOURS before it; nothing else, nobody else's."""

import datetime

import pytest
from django.utils import timezone

from patients.models import AppointmentStatus
from tests.factories import AppointmentFactory, PatientFactory

pytestmark = pytest.mark.django_db

LIST = "/portal/appointments/"


def in_hours(hours, **kwargs):
    starts_at = (timezone.now() + datetime.timedelta(hours=hours)).replace(microsecond=0)
    return AppointmentFactory(starts_at=starts_at, **kwargs)


def cancel_url(appointment):
    return f"/portal/appointments/{appointment.uuid}/cancel/"


def test_a_patient_sees_only_their_own_upcoming_appointments(
    patient_client, own_patient, other_patient
):
    mine = in_hours(72, patient=own_patient)
    in_hours(-72, patient=own_patient)  # past
    cancelled = in_hours(
        96,
        patient=own_patient,
        status=AppointmentStatus.CANCELLED,
        cancelled_at=timezone.now(),
        cancellation_reason="x",
    )
    theirs = in_hours(72, patient=other_patient)
    response = patient_client.get(LIST)
    assert response.status_code == 200
    assert [a.pk for a in response.context["appointments"]] == [mine.pk]
    html = response.content.decode()
    assert cancel_url(mine) in html
    assert cancel_url(theirs) not in html and cancel_url(cancelled) not in html
    assert "Zed" not in html


def test_cancelling_up_to_the_limit_is_recorded_as_cancelled_by_the_patient(
    patient_client, own_patient, patient_user, front_desk_client
):
    appointment = in_hours(48, patient=own_patient)
    page = patient_client.get(cancel_url(appointment)).content.decode()
    assert "Cancel the appointment" in page
    response = patient_client.post(cancel_url(appointment), {"reason": "Feeling better"})
    assert response.status_code == 302 and response["Location"] == LIST
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED
    assert appointment.cancelled_by_patient and appointment.cancelled_by == patient_user
    assert appointment.cancellation_reason == "Feeling better"
    # The front desk sees it as cancelled by the patient.
    staff_page = front_desk_client.get(
        f"/patients/appointments/{appointment.uuid}/"
    ).content.decode()
    assert "by the patient" in staff_page and "Feeling better" in staff_page


def test_a_cancellation_without_a_reason_gets_a_default_one(patient_client, own_patient):
    appointment = in_hours(48, patient=own_patient)
    patient_client.post(cancel_url(appointment), {"reason": ""})
    appointment.refresh_from_db()
    assert appointment.cancellation_reason == "Cancelled online by the patient."


def test_inside_the_limit_the_patient_is_told_to_call(patient_client, own_patient, settings):
    settings.CLINIC_PHONE = "604-555-0100"
    appointment = in_hours(23, patient=own_patient)
    listing = patient_client.get(LIST).content.decode()
    assert cancel_url(appointment) not in listing
    assert "please call the clinic at 604-555-0100" in listing
    page = patient_client.get(cancel_url(appointment)).content.decode()
    assert "Appointments can be cancelled online up to 24 hours before they start" in page
    response = patient_client.post(cancel_url(appointment), {"reason": "x"})
    assert response.status_code == 200
    assert "please call the clinic at 604-555-0100" in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED


def test_the_limit_is_a_setting(patient_client, own_patient, settings):
    settings.PORTAL_CANCEL_HOURS = 48
    appointment = in_hours(30, patient=own_patient)
    response = patient_client.post(cancel_url(appointment), {"reason": "x"})
    assert "up to 48 hours before" in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED


def test_a_patient_cannot_cancel_another_patients_appointment(patient_client, other_patient):
    theirs = in_hours(72, patient=other_patient)
    assert patient_client.get(cancel_url(theirs)).status_code == 404
    assert patient_client.post(cancel_url(theirs), {"reason": "x"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == AppointmentStatus.BOOKED


def test_an_unknown_or_already_cancelled_appointment_is_a_404(patient_client, own_patient):
    appointment = in_hours(72, patient=own_patient)
    patient_client.post(cancel_url(appointment), {"reason": "x"})
    assert patient_client.post(cancel_url(appointment), {"reason": "x"}).status_code == 404
    unknown = "/portal/appointments/00000000-0000-4000-8000-000000000001/cancel/"
    assert patient_client.get(unknown).status_code == 404


@pytest.mark.parametrize("client_fixture", ["front_desk_client", "physio_client", "manager_client"])
def test_staff_have_no_portal_appointment_pages(request, client_fixture):
    appointment = in_hours(72)
    client = request.getfixturevalue(client_fixture)
    assert client.get(LIST).status_code == 404
    assert client.get(cancel_url(appointment)).status_code == 404


def test_anonymous_visitors_are_sent_to_login_from_the_portal(client):
    response = client.get(LIST)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_a_portal_login_with_an_archived_record_sees_nothing(patient_client, own_patient):
    appointment = in_hours(72, patient=own_patient)
    own_patient.archived_at = timezone.now()
    own_patient.save()
    assert patient_client.get(LIST).status_code == 404
    assert patient_client.get(cancel_url(appointment)).status_code == 404


def test_the_portal_navigation_links_my_appointments(patient_client):
    html = patient_client.get(LIST).content.decode()
    assert f'href="{LIST}">My appointments</a>' in html


def test_everything_else_stays_404_for_patient_users(patient_client, own_patient):
    appointment = in_hours(72, patient=own_patient)
    for url in [
        "/patients/schedule/",
        "/patients/appointments/book/",
        f"/patients/appointments/{appointment.uuid}/",
        f"/patients/{own_patient.uuid}/",
    ]:
        assert patient_client.get(url).status_code == 404, url


def test_patient_portal_list_is_bounded(patient_client, own_patient):
    for n in range(25):
        in_hours(48 + 2 * n, patient=own_patient)
    assert len(patient_client.get(LIST).context["appointments"]) == 20


def test_a_patient_with_no_upcoming_appointment_is_told_how_to_book(patient_client):
    html = patient_client.get(LIST).content.decode()
    assert "You have no upcoming appointments" in html


def test_other_patients_do_not_leak_through_the_list(patient_client):
    in_hours(72, patient=PatientFactory(first_name="Secret", last_name="Person"))
    html = patient_client.get(LIST).content.decode()
    assert "Secret" not in html
