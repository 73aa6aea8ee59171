"""The appointment follows its visit: starting the visit marks the patient arrived (seen), signing
it marks the appointment completed (charted); a phone consultation call, a cancelled booking or
next week's appointment opens no clinical record, whether asked by the page or a crafted POST."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.urls import reverse
from django.utils import timezone

from patients.models import AppointmentStatus
from tests.clinical import pgcode, raw_execute, signable
from tests.factories import AppointmentFactory, AppointmentTypeFactory, PatientFactory
from treatments import services
from treatments.models import Visit

pytestmark = pytest.mark.django_db


def today_at(hour):
    return timezone.localtime().replace(hour=hour, minute=0, second=0, microsecond=0)


@pytest.fixture
def follow_up(physio):
    return AppointmentFactory(
        practitioner=physio.practitioner,
        patient=PatientFactory(first_name="Ada", last_name="Morning"),
        starts_at=today_at(9),
    )


@pytest.fixture
def phone_call(physio):
    call = AppointmentTypeFactory(name="Free 10-minute consultation call", minutes=10, mode="phone")
    return AppointmentFactory(practitioner=physio.practitioner, type=call, starts_at=today_at(12))


def start(client, appointment):
    return client.post(reverse("visits:start_from_appointment", args=[appointment.uuid]))


def test_starting_the_visit_marks_the_patient_arrived(physio_client, physio, follow_up):
    start(physio_client, follow_up)
    follow_up.refresh_from_db()
    assert follow_up.status == AppointmentStatus.ARRIVED
    assert follow_up.status_changed_by == physio
    html = physio_client.get("/visits/day/").content.decode()
    assert "Arrived" in html and "Seen · Draft: Assessment" in html


def test_signing_the_visit_marks_the_appointment_completed(physio_client, physio, follow_up):
    start(physio_client, follow_up)
    visit = Visit.objects.get(appointment=follow_up)
    services.visit_sign(visit=signable(visit), by=physio)
    follow_up.refresh_from_db()
    assert follow_up.status == AppointmentStatus.COMPLETED
    html = physio_client.get("/visits/day/").content.decode()
    assert "Completed" in html and "Charted · Signed" in html


def test_a_visit_of_an_appointment_already_arrived_keeps_it_arrived(physio, follow_up):
    follow_up.set_status(AppointmentStatus.ARRIVED, by=physio)
    visit = services.visit_start(
        patient=follow_up.patient, practitioner=physio.practitioner, appointment=follow_up
    )
    follow_up.refresh_from_db()
    assert visit.appointment == follow_up and follow_up.status == AppointmentStatus.ARRIVED


def test_a_crafted_post_cannot_open_a_visit_for_a_phone_call(physio_client, phone_call):
    response = start(physio_client, phone_call)
    assert response.status_code == 302
    assert not Visit.objects.exists()
    phone_call.refresh_from_db()
    assert phone_call.status == AppointmentStatus.BOOKED
    page = physio_client.get(response["Location"]).content.decode()
    assert "is a phone call, not a clinic visit" in page


def test_the_service_refuses_a_visit_for_a_phone_call(physio, phone_call):
    with pytest.raises(ValidationError) as excinfo:
        services.visit_start(
            patient=phone_call.patient, practitioner=physio.practitioner, appointment=phone_call
        )
    assert excinfo.value.code == "phone_call"
    assert not Visit.objects.exists()


def test_the_database_refuses_a_visit_recording_a_phone_call(physio, phone_call):
    with pytest.raises(DatabaseError, match="phone") as excinfo, transaction.atomic():
        raw_execute(
            """
            INSERT INTO treatments_visit
                (uuid, patient_id, practitioner_id, appointment_id, date, current_step, status,
                 created_at)
            VALUES (gen_random_uuid(), %s, %s, %s, CURRENT_DATE, 'assessment', 'draft', now())
            """,
            [phone_call.patient_id, physio.practitioner.pk, phone_call.pk],
        )
    assert pgcode(excinfo) == "RV010"
    assert not Visit.objects.exists()


def test_a_cancelled_appointment_opens_no_visit(physio_client, physio, follow_up):
    follow_up.set_status(AppointmentStatus.CANCELLED, by=physio, reason="Patient unwell")
    response = start(physio_client, follow_up)
    assert response.status_code == 302
    assert not Visit.objects.exists()
    assert (
        "cancelled: no visit to start" in physio_client.get(response["Location"]).content.decode()
    )


def test_next_weeks_appointment_opens_no_visit_today(physio_client, physio):
    later = AppointmentFactory(
        practitioner=physio.practitioner, starts_at=today_at(10) + datetime.timedelta(days=7)
    )
    response = start(physio_client, later)
    assert not Visit.objects.exists()
    later.refresh_from_db()
    assert later.status == AppointmentStatus.BOOKED
    assert (
        "its visit is started on that day"
        in physio_client.get(response["Location"]).content.decode()
    )


def test_another_patients_appointment_is_refused_by_the_service(physio, follow_up):
    with pytest.raises(ValidationError) as excinfo:
        services.visit_start(
            patient=PatientFactory(), practitioner=physio.practitioner, appointment=follow_up
        )
    assert excinfo.value.code == "mismatch"


def test_the_front_desks_schedule_shows_seen_then_charted(
    physio_client, physio, front_desk_client, follow_up
):
    day = timezone.localdate().isoformat()
    assert (
        "Seen ·" not in front_desk_client.get("/patients/schedule/", {"day": day}).content.decode()
    )
    start(physio_client, follow_up)
    html = front_desk_client.get("/patients/schedule/", {"day": day}).content.decode()
    assert "Seen · chart open" in html and "Arrived" in html
    services.visit_sign(visit=signable(Visit.objects.get(appointment=follow_up)), by=physio)
    html = front_desk_client.get("/patients/schedule/", {"day": day}).content.decode()
    assert "Seen · charted" in html and "Completed" in html


def test_a_later_days_appointment_opens_once_the_patient_is_marked_arrived(physio, front_desk):
    later = AppointmentFactory(
        practitioner=physio.practitioner, starts_at=today_at(10) + datetime.timedelta(days=1)
    )
    later.set_status(AppointmentStatus.ARRIVED, by=front_desk)
    visit = services.visit_start(
        patient=later.patient, practitioner=physio.practitioner, appointment=later
    )
    assert visit.appointment == later
