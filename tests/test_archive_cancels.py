"""Issue 10: archiving a patient cancels their booked appointments still to come."""

import datetime

import pytest
from django.utils import timezone

from patients.models import Appointment, AppointmentStatus
from patients.services.records import PATIENT_ARCHIVED
from tests.factories import AppointmentFactory, PatientFactory
from tests.scheduling import *  # noqa: F403
from tests.scheduling import at, future_day

pytestmark = pytest.mark.django_db


@pytest.fixture
def booked(practitioner, follow_up):
    """Ines with two booked appointments to come, one past (completed), one cancelled earlier."""
    patient = PatientFactory(first_name="Ines", last_name="Valdivia")
    day = future_day(1)
    soon = AppointmentFactory(
        patient=patient, practitioner=practitioner, type=follow_up, starts_at=at(day, "09:00")
    )
    later = AppointmentFactory(
        patient=patient,
        practitioner=practitioner,
        type=follow_up,
        starts_at=at(day + datetime.timedelta(days=7), "14:30"),
    )
    past = AppointmentFactory(
        patient=patient,
        practitioner=practitioner,
        type=follow_up,
        starts_at=timezone.now() - datetime.timedelta(days=3),
        status=AppointmentStatus.COMPLETED,
    )
    past_booked = AppointmentFactory(
        patient=patient,
        practitioner=practitioner,
        type=follow_up,
        starts_at=timezone.now() - datetime.timedelta(days=10),
    )
    return patient, soon, later, past, past_booked


def test_the_confirmation_page_lists_the_appointments_archiving_cancels(front_desk_client, booked):
    patient, soon, later, past, past_booked = booked
    page = front_desk_client.get(f"/patients/{patient.uuid}/archive/").content.decode()
    assert "Archiving cancels 2 booked appointments" in page
    assert page.count('data-testid="archive-cancels-appointment"') == 2
    assert timezone.localtime(soon.starts_at).strftime("%Y-%m-%d 09:00") in page
    assert timezone.localtime(later.starts_at).strftime("%Y-%m-%d 14:30") in page
    assert timezone.localtime(past.starts_at).strftime("%Y-%m-%d") not in page


def test_a_patient_with_nothing_booked_is_told_so(front_desk_client):
    patient = PatientFactory()
    page = front_desk_client.get(f"/patients/{patient.uuid}/archive/").content.decode()
    assert "no booked appointments to come" in page


def test_archiving_cancels_the_future_bookings_with_the_reason(
    front_desk_client, front_desk, booked
):
    patient, soon, later, past, past_booked = booked
    done = front_desk_client.post(f"/patients/{patient.uuid}/archive/", follow=True)
    assert "2 booked appointments to come were cancelled" in done.content.decode()
    for appointment in (soon, later):
        appointment.refresh_from_db()
        assert appointment.status == AppointmentStatus.CANCELLED
        assert appointment.cancellation_reason == PATIENT_ARCHIVED == "Patient archived"
        assert appointment.cancelled_by == front_desk
        assert not appointment.cancelled_by_patient
    past.refresh_from_db()
    past_booked.refresh_from_db()
    assert past.status == AppointmentStatus.COMPLETED
    assert past_booked.status == AppointmentStatus.BOOKED  # the past is the desk's to mark
    patient.refresh_from_db()
    assert patient.archived_at is not None


def test_the_cancellations_and_the_archive_are_one_transaction(front_desk, booked, monkeypatch):
    patient, soon, *_ = booked

    def refuse(self, *args, **kwargs):
        raise RuntimeError("cancelling failed")

    monkeypatch.setattr(Appointment, "set_status", refuse)
    from patients.services import records

    with pytest.raises(RuntimeError):
        records.patient_archive(patient=patient, by=front_desk)
    patient.refresh_from_db()
    soon.refresh_from_db()
    assert patient.archived_at is None
    assert soon.status == AppointmentStatus.BOOKED


def test_archiving_again_cancels_nothing_more(front_desk, booked):
    from patients.services import records

    patient, soon, *_ = booked
    records.patient_archive(patient=patient, by=front_desk)
    first = Appointment.objects.get(pk=soon.pk).cancelled_at
    records.patient_archive(patient=patient, by=front_desk)
    assert Appointment.objects.get(pk=soon.pk).cancelled_at == first


@pytest.mark.parametrize("role", ["patient", "anonymous"])
def test_patients_and_visitors_cannot_archive(client, role, patient_user, booked):
    patient, soon, *_ = booked
    if role == "patient":
        patient.user = patient_user
        patient.save(update_fields=["user"])
        client.force_login(patient_user)
    url = f"/patients/{patient.uuid}/archive/"
    answers = [client.get(url).status_code, client.post(url).status_code]
    if role == "patient":
        assert answers == [404, 404]
    else:
        assert all(code in (302, 404) for code in answers)
    soon.refresh_from_db()
    patient.refresh_from_db()
    assert soon.status == AppointmentStatus.BOOKED
    assert patient.archived_at is None
