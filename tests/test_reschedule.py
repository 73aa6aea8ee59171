"""Issue 10: moving a booked appointment to another free time (the same row, its history kept),
with the checks of booking, from the appointment page, for the front desk and physios only."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from patients import services
from patients.models import Appointment, AppointmentStatus
from tests.factories import AppointmentFactory, PatientFactory, TimeOffFactory
from tests.scheduling import *  # noqa: F403 (fixtures)
from tests.scheduling import at, future_day

pytestmark = pytest.mark.django_db

MONDAY = future_day(0)
TUESDAY = future_day(1)


@pytest.fixture
def patient(db):
    return PatientFactory(first_name="Ines", last_name="Valdivia", email="ines@example.com")


@pytest.fixture
def appointment(patient, practitioner, follow_up):
    return AppointmentFactory(
        patient=patient, practitioner=practitioner, type=follow_up, starts_at=at(MONDAY, "09:00")
    )


def move(appointment, hhmm, *, day=MONDAY, practitioner=None, by=None, **kwargs):
    return services.appointment_reschedule(
        appointment=appointment,
        starts_at=at(day, hhmm),
        practitioner=practitioner or appointment.practitioner,
        by=by,
        **kwargs,
    )


# --- The service ------------------------------------------------------------------------------


def test_a_move_updates_the_same_row_and_records_the_previous_time(appointment, front_desk):
    moved = move(appointment, "14:00", day=TUESDAY, by=front_desk)
    appointment.refresh_from_db()
    assert moved.pk == appointment.pk and Appointment.objects.count() == 1
    assert appointment.starts_at == at(TUESDAY, "14:00")
    assert appointment.ends_at == at(TUESDAY, "14:30")
    assert appointment.rescheduled_from == at(MONDAY, "09:00")
    assert appointment.rescheduled_by == front_desk and appointment.rescheduled_at is not None
    assert appointment.calendar_sequence == 1
    assert appointment.status == AppointmentStatus.BOOKED
    # The history keeps the earlier time.
    starts = list(
        Appointment.pgh_event_model.objects.filter(pgh_obj=appointment)
        .order_by("pgh_id")
        .values_list("starts_at", flat=True)
    )
    assert starts == [at(MONDAY, "09:00"), at(TUESDAY, "14:00")]


def test_a_move_to_another_practitioner(appointment, second_practitioner):
    move(appointment, "10:00", practitioner=second_practitioner)
    appointment.refresh_from_db()
    assert appointment.practitioner == second_practitioner


def test_a_move_resets_the_reminder(appointment):
    appointment.reminded_at = timezone.now()
    appointment.save()
    move(appointment, "10:00")
    appointment.refresh_from_db()
    assert appointment.reminded_at is None


def test_the_past_is_refused(appointment):
    with pytest.raises(ValidationError) as refusal:
        move(appointment, "10:00", now=at(MONDAY, "11:00"))
    assert refusal.value.code == "past"


def test_more_than_a_year_ahead_is_refused(appointment):
    with pytest.raises(ValidationError) as refusal:
        move(appointment, "10:00", day=MONDAY + datetime.timedelta(days=400))
    assert refusal.value.code == "too_far"


@pytest.mark.parametrize("hhmm", ["07:00", "12:00", "16:45", "18:00"])
def test_outside_working_hours_is_refused(appointment, hhmm):
    with pytest.raises(ValidationError) as refusal:
        move(appointment, hhmm)
    assert refusal.value.code == "outside_hours"
    assert "outside Alex Moreau, PT's working hours" in refusal.value.messages[0]


def test_time_off_is_refused(appointment, practitioner):
    TimeOffFactory(
        practitioner=practitioner, starts_at=at(TUESDAY, "08:00"), ends_at=at(TUESDAY, "17:00")
    )
    with pytest.raises(ValidationError) as refusal:
        move(appointment, "10:00", day=TUESDAY)
    assert refusal.value.code == "outside_hours"


def test_an_overlap_for_the_practitioner_is_refused(appointment, practitioner, follow_up):
    AppointmentFactory(practitioner=practitioner, type=follow_up, starts_at=at(MONDAY, "10:00"))
    with pytest.raises(services.SlotTaken) as refusal:
        move(appointment, "10:15")
    assert refusal.value.code == "practitioner_busy"
    assert "already has an appointment from 10:00 to 10:30" in refusal.value.messages[0]
    appointment.refresh_from_db()
    assert appointment.starts_at == at(MONDAY, "09:00")


def test_an_overlap_for_the_patient_is_refused(appointment, patient, second_practitioner):
    AppointmentFactory(
        patient=patient, practitioner=second_practitioner, starts_at=at(MONDAY, "14:00")
    )
    with pytest.raises(ValidationError) as refusal:
        move(appointment, "14:00")
    assert refusal.value.code == "patient_busy"
    assert "This patient already has an appointment from" in refusal.value.messages[0]


def test_a_move_overlapping_its_own_old_time_is_fine(appointment):
    move(appointment, "09:15")
    appointment.refresh_from_db()
    assert appointment.starts_at == at(MONDAY, "09:15")


def test_the_same_time_is_refused(appointment):
    with pytest.raises(ValidationError) as refusal:
        move(appointment, "09:00")
    assert refusal.value.code == "unchanged"


@pytest.mark.parametrize(
    "status", [AppointmentStatus.CANCELLED, AppointmentStatus.ARRIVED, AppointmentStatus.NO_SHOW]
)
def test_only_booked_appointments_move(appointment, status, front_desk):
    extra = {}
    if status == AppointmentStatus.CANCELLED:
        extra = {"cancelled_at": timezone.now(), "cancellation_reason": "Flu"}
    Appointment.objects.filter(pk=appointment.pk).update(status=status, **extra)
    with pytest.raises(ValidationError) as refusal:
        move(appointment, "10:00")
    assert refusal.value.code == "not_booked"


# --- The pages --------------------------------------------------------------------------------


def url(appointment):
    return f"/patients/appointments/{appointment.uuid}/reschedule/"


@pytest.mark.parametrize("client_fixture", ["front_desk_client", "physio_client"])
def test_front_desk_and_physio_reschedule_from_the_appointment_page(
    request, client_fixture, appointment, practitioner
):
    client = request.getfixturevalue(client_fixture)
    detail = client.get(f"/patients/appointments/{appointment.uuid}/").content.decode()
    assert f'action="{url(appointment)}"' in detail and ">Reschedule</button>" in detail
    listing = client.get(
        url(appointment), {"day": f"{TUESDAY:%Y-%m-%d}", "practitioner": practitioner.pk}
    )
    assert listing.status_code == 200
    html = listing.content.decode()
    new_start = at(TUESDAY, "13:30").isoformat()
    assert f'value="{new_start}"' in html
    response = client.post(
        url(appointment),
        {"day": f"{TUESDAY:%Y-%m-%d}", "practitioner": practitioner.pk, "start": new_start},
        follow=True,
    )
    appointment.refresh_from_db()
    assert appointment.starts_at == at(TUESDAY, "13:30")
    page = response.content.decode()
    assert "Moved from" in page and "at 13:30 with Alex Moreau, PT." in page
    old = timezone.localtime(at(MONDAY, "09:00"))
    assert f"Rescheduled from {old:%A} {old.day} {old:%B %Y} at 09:00" in page


def test_a_refusal_is_shown_on_the_page(front_desk_client, appointment, practitioner, follow_up):
    AppointmentFactory(practitioner=practitioner, type=follow_up, starts_at=at(TUESDAY, "10:00"))
    response = front_desk_client.post(
        url(appointment),
        {
            "day": f"{TUESDAY:%Y-%m-%d}",
            "practitioner": practitioner.pk,
            "start": at(TUESDAY, "10:00").isoformat(),
        },
    )
    assert response.status_code == 200
    assert "already has an appointment from 10:00 to 10:30" in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.starts_at == at(MONDAY, "09:00")


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"day": "not a day", "practitioner": "x", "start": "nope"},
        {"day": "2001-01-01", "start": "2001-01-01T09:00:00+00:00"},
        {"day": "9999-12-31", "practitioner": "999999999", "start": "\x00"},
    ],
)
def test_bad_input_is_a_clear_message_not_a_500(front_desk_client, appointment, data):
    assert front_desk_client.get(url(appointment), data).status_code == 200
    assert front_desk_client.post(url(appointment), data).status_code == 200
    appointment.refresh_from_db()
    assert appointment.starts_at == at(MONDAY, "09:00")


def test_a_cancelled_appointment_has_no_reschedule(front_desk_client, appointment, front_desk):
    services.appointment_set_status(
        appointment=appointment, status="cancelled", by=front_desk, reason="x"
    )
    detail = front_desk_client.get(f"/patients/appointments/{appointment.uuid}/").content.decode()
    assert url(appointment) not in detail
    response = front_desk_client.get(url(appointment))
    assert response.status_code == 302


def test_patients_get_a_404(patient_client, own_patient, practitioner, follow_up):
    mine = AppointmentFactory(
        patient=own_patient,
        practitioner=practitioner,
        type=follow_up,
        starts_at=at(MONDAY, "09:00"),
    )
    assert patient_client.get(url(mine)).status_code == 404
    response = patient_client.post(
        url(mine),
        {
            "day": f"{TUESDAY:%Y-%m-%d}",
            "practitioner": practitioner.pk,
            "start": at(TUESDAY, "10:00").isoformat(),
        },
    )
    assert response.status_code == 404
    mine.refresh_from_db()
    assert mine.starts_at == at(MONDAY, "09:00")


def test_an_unknown_appointment_is_a_404(front_desk_client):
    assert (
        front_desk_client.get(
            "/patients/appointments/00000000-0000-4000-8000-000000000001/reschedule/"
        ).status_code
        == 404
    )
