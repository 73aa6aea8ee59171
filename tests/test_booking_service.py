"""The booking services: the rules and their messages, "any practitioner", new callers, the
daylight-saving change, and the status transitions of Appointment.set_status."""

import datetime
import itertools
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from patients import selectors, services
from patients.models import Appointment, AppointmentStatus, Patient
from tests.factories import (
    AppointmentFactory,
    PatientFactory,
    PractitionerFactory,
    TimeOffFactory,
)
from tests.scheduling import *  # noqa: F403 (fixtures)
from tests.scheduling import at, future_day, give_hours

pytestmark = pytest.mark.django_db

MONDAY = future_day(0)


def book(practitioner, type, when, *, patient=None, by=None, **kwargs):
    return services.appointment_book(
        patient=patient or PatientFactory(),
        practitioner=practitioner,
        type=type,
        starts_at=when,
        by=by,
        **kwargs,
    )


def test_booking_in_a_free_slot_stores_an_appointment_of_the_type_length(
    practitioner, follow_up, front_desk
):
    appointment = book(practitioner, follow_up, at(MONDAY, "09:00"), by=front_desk)
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED
    assert appointment.ends_at - appointment.starts_at == datetime.timedelta(minutes=30)
    assert appointment.booked_by == front_desk
    assert appointment.outside_hours_reason == ""


def test_booking_over_another_appointment_says_which_time_is_taken(practitioner, follow_up):
    book(practitioner, follow_up, at(MONDAY, "09:00"))
    with pytest.raises(services.SlotTaken) as caught:
        book(practitioner, follow_up, at(MONDAY, "09:15"))
    assert "Alex Moreau, PT already has an appointment from 09:00 to 09:30" in caught.value.message
    assert caught.value.code == "practitioner_busy"


def test_a_patient_cannot_be_booked_twice_at_once(practitioner, second_practitioner, follow_up):
    patient = PatientFactory()
    book(practitioner, follow_up, at(MONDAY, "09:00"), patient=patient)
    with pytest.raises(ValidationError) as caught:
        book(second_practitioner, follow_up, at(MONDAY, "09:00"), patient=patient)
    assert caught.value.code == "patient_busy"
    assert "This patient already has an appointment" in caught.value.message


def test_a_60_minute_booking_in_the_last_half_hour_of_a_block_needs_the_override(
    practitioner, initial_assessment
):
    with pytest.raises(ValidationError) as caught:
        book(practitioner, initial_assessment, at(MONDAY, "11:30"))
    assert caught.value.code == "outside_hours"
    assert "outside Alex Moreau, PT's working hours" in caught.value.message


def test_outside_working_hours_is_booked_with_a_written_reason_which_is_kept(
    practitioner, follow_up
):
    appointment = book(
        practitioner,
        follow_up,
        at(MONDAY, "07:00"),
        outside_hours_reason="  Early start agreed  with Alex ",
    )
    assert appointment.outside_hours_reason == "Early start agreed with Alex"


def test_a_blank_reason_is_no_override(practitioner, follow_up):
    with pytest.raises(ValidationError) as caught:
        book(practitioner, follow_up, at(MONDAY, "07:00"), outside_hours_reason="   ")
    assert caught.value.code == "outside_hours"


def test_time_off_counts_as_outside_working_hours(practitioner, follow_up):
    TimeOffFactory(
        practitioner=practitioner, starts_at=at(MONDAY, "08:00"), ends_at=at(MONDAY, "12:00")
    )
    with pytest.raises(ValidationError) as caught:
        book(practitioner, follow_up, at(MONDAY, "09:00"))
    assert caught.value.code == "outside_hours"
    assert book(practitioner, follow_up, at(MONDAY, "13:00")).pk


def test_a_time_in_the_past_is_refused(practitioner, follow_up):
    with pytest.raises(ValidationError) as caught:
        book(practitioner, follow_up, timezone.now() - datetime.timedelta(minutes=1))
    assert caught.value.code == "past"


def test_more_than_a_year_ahead_is_refused(practitioner, follow_up):
    with pytest.raises(ValidationError) as caught:
        book(practitioner, follow_up, at(MONDAY, "09:00") + datetime.timedelta(days=400))
    assert caught.value.code == "too_far"


def test_inactive_practitioner_type_and_archived_patient_are_refused(practitioner, follow_up):
    archived = PatientFactory(archived_at=timezone.now())
    with pytest.raises(ValidationError, match="archived"):
        book(practitioner, follow_up, at(MONDAY, "09:00"), patient=archived)
    follow_up.active = False
    follow_up.save()
    with pytest.raises(ValidationError, match="no longer offered"):
        book(practitioner, follow_up, at(MONDAY, "09:00"))
    follow_up.active = True
    follow_up.save()
    practitioner.active = False
    practitioner.save()
    with pytest.raises(ValidationError, match="not taking appointments"):
        book(practitioner, follow_up, at(MONDAY, "09:00"))
    assert not Appointment.objects.exists()


def test_any_practitioner_takes_the_first_one_still_free(
    practitioner, second_practitioner, follow_up
):
    book(practitioner, follow_up, at(MONDAY, "09:00"))
    appointment = services.appointment_book_any(
        patient=PatientFactory(),
        practitioners=[practitioner, second_practitioner],
        type=follow_up,
        starts_at=at(MONDAY, "09:00"),
        by=None,
    )
    assert appointment.practitioner == second_practitioner
    with pytest.raises(services.SlotTaken):
        services.appointment_book_any(
            patient=PatientFactory(),
            practitioners=[practitioner, second_practitioner],
            type=follow_up,
            starts_at=at(MONDAY, "09:00"),
            by=None,
        )


def test_free_times_for_any_practitioner_say_who_is_free(
    practitioner, second_practitioner, follow_up
):
    book(practitioner, follow_up, at(MONDAY, "09:00"))
    times = selectors.free_times(
        type=follow_up, practitioners=[practitioner, second_practitioner], day=MONDAY
    )
    by_time = {t.starts_at.strftime("%H:%M"): t.practitioners for t in times}
    assert by_time["09:00"] == [second_practitioner]
    assert by_time["08:00"] == [practitioner, second_practitioner]
    assert "12:00" not in by_time


def test_next_free_times_skip_a_fully_booked_day(practitioner, follow_up):
    friday = MONDAY + datetime.timedelta(days=4)
    TimeOffFactory(
        practitioner=practitioner, starts_at=at(MONDAY, "00:00"), ends_at=at(friday, "12:00")
    )
    times = selectors.next_free_times(
        type=follow_up, practitioners=[practitioner], after=at(MONDAY, "08:00"), limit=3
    )
    assert [t.starts_at for t in times] == [
        at(friday, "13:00"),
        at(friday, "13:15"),
        at(friday, "13:30"),
    ]


def test_new_caller_gets_a_minimal_patient_marked_incomplete(
    practitioner, consultation_call, front_desk
):
    appointment = services.appointment_book_new_caller(
        first_name="Noor",
        last_name="Haddad",
        phone="604-555-0190",
        practitioners=[practitioner],
        type=consultation_call,
        starts_at=at(MONDAY, "08:00"),
        by=front_desk,
    )
    patient = appointment.patient
    assert (patient.first_name, patient.last_name, patient.phone) == (
        "Noor",
        "Haddad",
        "604-555-0190",
    )
    assert patient.date_of_birth is None and patient.details_incomplete
    assert patient.created_by == front_desk
    assert appointment.ends_at - appointment.starts_at == datetime.timedelta(minutes=10)


def test_new_caller_booking_that_fails_leaves_no_patient_behind(practitioner, consultation_call):
    book(practitioner, consultation_call, at(MONDAY, "08:00"))
    before = Patient.objects.count()
    with pytest.raises(ValidationError):
        services.appointment_book_new_caller(
            first_name="Noor",
            last_name="Haddad",
            phone="604-555-0190",
            practitioners=[practitioner],
            type=consultation_call,
            starts_at=at(MONDAY, "08:00"),
            by=None,
        )
    assert Patient.objects.count() == before


def test_new_caller_only_for_a_phone_consultation(practitioner, follow_up):
    with pytest.raises(ValidationError) as caught:
        services.appointment_book_new_caller(
            first_name="Noor",
            last_name="Haddad",
            phone="604-555-0190",
            practitioners=[practitioner],
            type=follow_up,
            starts_at=at(MONDAY, "08:00"),
            by=None,
        )
    assert caught.value.code == "needs_registration"
    assert not Patient.objects.filter(last_name="Haddad").exists()


def _next_fall_back_sunday() -> datetime.date:
    """The next first Sunday of November (the day Vancouver's clocks go back) at least a week
    away and within the booking horizon."""
    today = timezone.localdate()
    for year in (today.year, today.year + 1):
        first = datetime.date(year, 11, 1)
        sunday = first + datetime.timedelta(days=(6 - first.weekday()) % 7)
        if sunday > today + datetime.timedelta(days=7):
            return sunday
    raise AssertionError("unreachable")


def test_booking_on_the_fall_back_day_lasts_the_type_length_in_real_time(settings, follow_up):
    # BC keeps daylight time from 2026 (tzdata 2026): no fall back there any more, so a zone
    # that still changes clocks.
    settings.TIME_ZONE = "America/Toronto"
    day = _next_fall_back_sunday()
    physio = give_hours(
        PractitionerFactory(), weekdays=[6], blocks=[(datetime.time(0), datetime.time(4))]
    )
    tz = ZoneInfo("America/Toronto")
    first_0130 = datetime.datetime.combine(day, datetime.time(1, 30), tzinfo=tz)  # EDT
    appointment = book(physio, follow_up, first_0130)
    assert appointment.ends_at - appointment.starts_at == datetime.timedelta(minutes=30)
    # The second 01:30 (EST) an hour later is a different, free time.
    second_0130 = first_0130.astimezone(datetime.UTC) + datetime.timedelta(hours=1)
    assert second_0130.astimezone(tz).strftime("%H:%M %Z") == "01:30 EST"
    assert book(physio, follow_up, second_0130).pk


# --- Status transitions -------------------------------------------------------------------

ALL = list(AppointmentStatus)
LEGAL = {
    (AppointmentStatus.BOOKED, AppointmentStatus.ARRIVED),
    (AppointmentStatus.BOOKED, AppointmentStatus.CANCELLED),
    (AppointmentStatus.BOOKED, AppointmentStatus.NO_SHOW),
    (AppointmentStatus.ARRIVED, AppointmentStatus.COMPLETED),
}


def test_the_transition_map_is_exactly_the_clinic_s_rules():
    allowed = {
        (source, target)
        for source, targets in Appointment.TRANSITIONS.items()
        for target in targets
    }
    assert allowed == LEGAL


def _appointment_in(status, *, started=True):
    start = timezone.now() - datetime.timedelta(minutes=5 if started else -60)
    extra = {}
    if status == AppointmentStatus.CANCELLED:
        extra = {"cancelled_at": timezone.now(), "cancellation_reason": "Earlier"}
    return AppointmentFactory(starts_at=start, status=status, **extra)


@pytest.mark.parametrize("source, target", sorted(LEGAL))
def test_legal_transition_is_recorded_with_who_and_when(source, target, front_desk):
    appointment = _appointment_in(source)
    appointment.set_status(target, by=front_desk, reason="Patient is unwell")
    appointment.refresh_from_db()
    assert appointment.status == target
    assert appointment.status_changed_by == front_desk
    assert appointment.status_changed_at is not None
    if target == AppointmentStatus.CANCELLED:
        assert appointment.cancelled_by == front_desk
        assert appointment.cancellation_reason == "Patient is unwell"
        assert appointment.cancelled_at is not None
        assert appointment.cancelled_by_patient is False


@pytest.mark.parametrize(
    "source, target",
    [pair for pair in itertools.product(ALL, ALL) if pair not in LEGAL],
)
def test_illegal_transition_is_refused_with_a_clear_message(source, target, front_desk):
    appointment = _appointment_in(source)
    with pytest.raises(ValidationError) as caught:
        appointment.set_status(target, by=front_desk, reason="x")
    message = caught.value.message
    if source == target:
        assert message == f"The appointment is already {source.label.lower()}."
    else:
        assert message.startswith(
            f"A {source.label.lower()} appointment cannot be marked as {target.label.lower()}."
        )
    appointment.refresh_from_db()
    assert appointment.status == source


def test_cancelling_needs_a_reason(front_desk):
    appointment = _appointment_in(AppointmentStatus.BOOKED)
    with pytest.raises(ValidationError, match="Give the reason for cancelling"):
        appointment.set_status(AppointmentStatus.CANCELLED, by=front_desk, reason="  ")
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED


def test_no_show_only_once_the_appointment_has_started(front_desk):
    appointment = _appointment_in(AppointmentStatus.BOOKED, started=False)
    with pytest.raises(ValidationError, match="only once its start time has passed"):
        appointment.set_status(AppointmentStatus.NO_SHOW, by=front_desk)


def test_an_unknown_status_is_a_validation_error_not_a_crash(front_desk):
    appointment = _appointment_in(AppointmentStatus.BOOKED)
    with pytest.raises(ValidationError, match="not an appointment status"):
        appointment.set_status("teleported", by=front_desk)


def test_completed_needs_arrived_first_and_says_so(front_desk):
    appointment = _appointment_in(AppointmentStatus.BOOKED)
    with pytest.raises(ValidationError, match="Mark the patient as arrived first"):
        appointment.set_status(AppointmentStatus.COMPLETED, by=front_desk)


def test_the_service_records_a_cancellation_asked_for_by_the_patient(front_desk):
    appointment = _appointment_in(AppointmentStatus.BOOKED, started=False)
    services.appointment_set_status(
        appointment=appointment,
        status=AppointmentStatus.CANCELLED,
        by=front_desk,
        reason="Called in: has the flu",
        by_patient=True,
    )
    appointment.refresh_from_db()
    assert appointment.cancelled_by_patient and appointment.cancelled_by == front_desk


def test_appointment_types_are_loaded_idempotently_by_the_data_migration_loader():
    import importlib

    from django.apps import apps

    from patients.models import AppointmentType

    module = importlib.import_module("patients.migrations.0004_load_appointment_types")
    module.load_appointment_types(apps, None)
    module.load_appointment_types(apps, None)
    types = {t.name: (t.minutes, t.mode) for t in AppointmentType.objects.all()}
    assert types["Initial assessment"] == (60, "in_clinic")
    assert types["Follow-up IASTR"] == (30, "in_clinic")
    assert types["Free 10-minute consultation call"] == (10, "phone")
    assert AppointmentType.objects.filter(name="Follow-up IASTR").count() == 1
