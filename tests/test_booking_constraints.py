"""Double booking is impossible in PostgreSQL itself: the exclusion constraints hold even when
every Python check is bypassed."""

import datetime

import pytest
from django.db import IntegrityError, connection, transaction

from patients.models import Appointment, AppointmentStatus
from tests.factories import AppointmentFactory, PatientFactory, PractitionerFactory
from tests.scheduling import *  # noqa: F403 (fixtures)
from tests.scheduling import at, future_day

pytestmark = pytest.mark.django_db

DAY = future_day(0)


def book(practitioner, start, end, patient=None, type=None, **extra):
    return Appointment.objects.create(
        patient=patient or PatientFactory(),
        practitioner=practitioner,
        type=type,
        starts_at=at(DAY, start),
        ends_at=at(DAY, end),
        **extra,
    )


@pytest.fixture
def physio(db):
    return PractitionerFactory()


def test_overlapping_insert_for_one_practitioner_fails_in_the_database(physio, follow_up):
    book(physio, "09:00", "09:30", type=follow_up)
    with (
        pytest.raises(IntegrityError, match="appointment_no_practitioner_overlap"),
        transaction.atomic(),
    ):
        book(physio, "09:15", "09:45", type=follow_up)
    assert Appointment.objects.count() == 1


def test_overlapping_raw_sql_insert_fails_too(physio, follow_up):
    first = book(physio, "09:00", "10:00", type=follow_up)
    patient = PatientFactory()
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO patients_appointment
              (uuid, patient_id, practitioner_id, type_id, starts_at, ends_at, status, notes,
               outside_hours_reason, booked_at, cancellation_reason, cancelled_by_patient)
            VALUES (gen_random_uuid(), %s, %s, %s, %s, %s, 'booked', '', '', now(), '', false)
            """,
            [patient.pk, physio.pk, follow_up.pk, at(DAY, "09:59"), at(DAY, "10:29")],
        )
    assert list(Appointment.objects.values_list("pk", flat=True)) == [first.pk]


def test_an_appointment_inside_another_is_refused(physio, follow_up):
    book(physio, "09:00", "11:00", type=follow_up)
    with pytest.raises(IntegrityError), transaction.atomic():
        book(physio, "09:30", "10:00", type=follow_up)


def test_back_to_back_appointments_are_allowed(physio, follow_up):
    patient = PatientFactory()
    book(physio, "09:00", "09:30", patient=patient, type=follow_up)
    book(physio, "09:30", "10:00", patient=patient, type=follow_up)
    book(physio, "08:30", "09:00", patient=patient, type=follow_up)
    assert Appointment.objects.count() == 3


def test_two_practitioners_may_see_patients_at_the_same_time(physio, follow_up):
    book(physio, "09:00", "09:30", type=follow_up)
    book(PractitionerFactory(), "09:00", "09:30", type=follow_up)
    assert Appointment.objects.count() == 2


@pytest.mark.parametrize("status", [AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW])
def test_cancelled_and_no_show_appointments_free_their_slot(physio, follow_up, status):
    first = book(physio, "09:00", "09:30", type=follow_up)
    extra = {}
    if status == AppointmentStatus.CANCELLED:
        extra = {"cancelled_at": first.starts_at, "cancellation_reason": "Sick"}
    Appointment.objects.filter(pk=first.pk).update(status=status, **extra)
    book(physio, "09:00", "09:30", type=follow_up)
    assert Appointment.objects.filter(status=AppointmentStatus.BOOKED).count() == 1


def test_a_freed_slot_cannot_be_reactivated_over_a_new_booking(physio, follow_up):
    first = book(physio, "09:00", "09:30", type=follow_up)
    Appointment.objects.filter(pk=first.pk).update(status=AppointmentStatus.NO_SHOW)
    book(physio, "09:00", "09:30", type=follow_up)
    with pytest.raises(IntegrityError), transaction.atomic():
        Appointment.objects.filter(pk=first.pk).update(status=AppointmentStatus.BOOKED)


@pytest.mark.parametrize("status", [AppointmentStatus.ARRIVED, AppointmentStatus.COMPLETED])
def test_arrived_and_completed_appointments_still_hold_their_slot(physio, follow_up, status):
    first = book(physio, "09:00", "09:30", type=follow_up)
    Appointment.objects.filter(pk=first.pk).update(status=status)
    with pytest.raises(IntegrityError), transaction.atomic():
        book(physio, "09:00", "09:30", type=follow_up)


def test_one_patient_cannot_be_in_two_overlapping_appointments(physio, follow_up):
    patient = PatientFactory()
    book(physio, "09:00", "09:30", patient=patient, type=follow_up)
    with (
        pytest.raises(IntegrityError, match="appointment_no_patient_overlap"),
        transaction.atomic(),
    ):
        book(PractitionerFactory(), "09:15", "09:45", patient=patient, type=follow_up)


def test_an_appointment_must_end_after_it_starts(physio, follow_up):
    with pytest.raises(IntegrityError, match="appointment_ends_after_start"), transaction.atomic():
        book(physio, "09:00", "09:00", type=follow_up)


def test_a_cancelled_appointment_must_record_when_and_why(physio, follow_up):
    with (
        pytest.raises(IntegrityError, match="appointment_cancellation_recorded"),
        transaction.atomic(),
    ):
        book(physio, "09:00", "09:30", type=follow_up, status=AppointmentStatus.CANCELLED)


def test_full_clean_reports_the_overlap_before_the_database_does(physio, follow_up):
    from django.core.exceptions import ValidationError

    book(physio, "09:00", "09:30", type=follow_up)
    second = Appointment(
        patient=PatientFactory(),
        practitioner=physio,
        type=follow_up,
        starts_at=at(DAY, "09:15"),
        ends_at=at(DAY, "09:45"),
    )
    with pytest.raises(ValidationError) as caught:
        second.full_clean()
    codes = [e.code for e in caught.value.error_dict["__all__"]]
    assert codes == ["practitioner_busy"]


def test_the_factory_books_past_the_python_checks_but_not_past_the_database(physio):
    AppointmentFactory(practitioner=physio, starts_at=at(DAY, "10:00"))
    with pytest.raises(IntegrityError), transaction.atomic():
        AppointmentFactory(
            practitioner=physio, starts_at=at(DAY, "10:00") + datetime.timedelta(minutes=5)
        )
