"""Issue 13: a signed-in patient books a follow-up in the portal and moves it, within the clinic's
online rules (notice, same day, how far ahead, types and practitioners bookable online, working
hours, the late-cancellation period). Each rule is refused in the service and through a crafted
POST with the rule in words; only the patient's own record and appointments; the front desk
sees "Booked in the portal"."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from patients.models import Appointment, AppointmentStatus, BookingSource
from patients.services import portal_booking
from tests.factories import AppointmentFactory, PatientFactory, PractitionerFactory
from tests.scheduling import *  # noqa: F403 (fixtures)
from tests.scheduling import at, future_day, give_hours

pytestmark = pytest.mark.django_db

BOOK = "/portal/appointments/book/"
LIST = "/portal/appointments/"
PHONE = "604-555-0199"
MONDAY = future_day(0)
TUESDAY = future_day(1)


def reschedule_url(appointment):
    return f"/portal/appointments/{appointment.uuid}/reschedule/"


@pytest.fixture(autouse=True)
def rules(settings):
    settings.ONLINE_BOOKING_ENABLED = True
    settings.ONLINE_BOOKING_MIN_NOTICE_HOURS = 12
    settings.ONLINE_BOOKING_DAYS_AHEAD = 60
    settings.ONLINE_BOOKING_SAME_DAY = False
    settings.PORTAL_CANCEL_HOURS = 24
    settings.CLINIC_PHONE = PHONE
    return settings


@pytest.fixture
def online_types(follow_up, initial_assessment, consultation_call):
    for type in (follow_up, initial_assessment, consultation_call):
        type.online_booking = True
        type.active = True
        type.save()
    return follow_up


@pytest.fixture
def assessed(own_patient, practitioner, initial_assessment, online_types):
    """Olive had her initial assessment with Alex three weeks ago."""
    own_patient.email = "olive@example.com"
    own_patient.save()
    AppointmentFactory(
        patient=own_patient,
        practitioner=practitioner,
        type=initial_assessment,
        starts_at=timezone.now().replace(microsecond=0) - datetime.timedelta(days=21),
        status=AppointmentStatus.COMPLETED,
    )
    return own_patient


def book_data(type, practitioner, starts_at):
    return {
        "type": type.pk,
        "practitioner": practitioner.pk if practitioner else "",
        "day": f"{timezone.localtime(starts_at):%Y-%m-%d}",
        "start": timezone.localtime(starts_at).isoformat(),
    }


def book(patient, user, type, practitioner, starts_at, **kwargs):
    return portal_booking.portal_appointment_book(
        patient=patient,
        by=user,
        type=type,
        practitioner=practitioner,
        starts_at=starts_at,
        **kwargs,
    )


# --- The booking page -------------------------------------------------------------------------


def test_an_assessed_patient_is_offered_the_follow_up_with_the_practitioner_seen_last(
    patient_client, assessed, practitioner, second_practitioner, follow_up
):
    response = patient_client.get(BOOK)
    assert response.status_code == 200
    context = response.context
    assert context["choices"].types == [follow_up]
    assert context["type"] == follow_up and context["practitioner"] == practitioner
    html = response.content.decode()
    assert "Appointment: <strong>Follow-up IASTR</strong>" in html
    assert "Initial assessment" not in html
    # A strip of the window's days (from tomorrow), and radio buttons for the free times.
    strip = context["strip"]
    assert strip.days[0].day == timezone.localdate() + datetime.timedelta(days=1)
    assert len(strip.days) == 7 and strip.later is not None and strip.earlier is None
    assert 'type="radio"' in html and 'name="start"' in html
    for part in context["free_parts"]:
        assert part.name in html


def test_a_new_patient_is_offered_the_initial_assessment_and_the_call(
    patient_client, own_patient, online_types, initial_assessment, consultation_call, practitioner
):
    response = patient_client.get(BOOK)
    choices = response.context["choices"]
    assert set(choices.types) == {initial_assessment, consultation_call}
    assert response.context["type"] == initial_assessment
    assert response.context["practitioner"] is None  # never seen: any practitioner
    html = response.content.decode()
    assert 'name="type"' in html and "Free 10-minute consultation call" in html
    assert "Follow-up IASTR" not in html


def test_types_and_practitioners_not_bookable_online_are_not_offered(
    patient_client, assessed, practitioner, second_practitioner, follow_up
):
    second_practitioner.online_booking = False
    second_practitioner.save()
    response = patient_client.get(BOOK)
    assert response.context["choices"].practitioners == [practitioner]
    assert "Chidi Okafor" not in response.content.decode()
    follow_up.online_booking = False
    follow_up.save()
    html = patient_client.get(BOOK).content.decode()
    assert "There is no appointment you can book online" in html and PHONE in html


def test_the_day_strip_and_times_follow_the_day_chosen(
    patient_client, assessed, practitioner, follow_up
):
    AppointmentFactory(  # Alex is busy at 10:00 that Monday
        patient=PatientFactory(),
        practitioner=practitioner,
        type=follow_up,
        starts_at=at(MONDAY, "10:00"),
    )
    response = patient_client.get(BOOK, {"day": f"{MONDAY:%Y-%m-%d}"})
    strip = response.context["strip"]
    assert strip.day == MONDAY and any(o.current and o.day == MONDAY for o in strip.days)
    starts = [f"{t.starts_at:%H:%M}" for t in strip.times]
    assert starts[0] == "08:00" and "10:00" not in starts and "09:45" not in starts
    assert "16:30" in starts and "17:00" not in starts
    html = response.content.decode()
    assert "Morning" in html and "Afternoon" in html


def test_a_day_outside_the_window_is_noted_and_the_first_days_shown(
    patient_client, assessed, rules
):
    today = timezone.localdate()
    response = patient_client.get(BOOK, {"day": f"{today:%Y-%m-%d}"})
    assert response.status_code == 200
    notes = response.context["notes"]
    assert notes and notes[0].startswith("Online bookings are open from")
    assert response.context["strip"].day > today


def test_booking_a_follow_up_emails_the_confirmation_and_marks_it_booked_in_the_portal(
    patient_client,
    assessed,
    patient_user,
    practitioner,
    follow_up,
    front_desk_client,
    django_capture_on_commit_callbacks,
):
    starts_at = at(MONDAY, "14:00")
    with django_capture_on_commit_callbacks(execute=True):
        response = patient_client.post(BOOK, book_data(follow_up, practitioner, starts_at))
    assert response.status_code == 302 and response["Location"] == LIST
    appointment = Appointment.objects.get(patient=assessed, starts_at=starts_at)
    assert appointment.source == BookingSource.PORTAL
    assert appointment.type == follow_up and appointment.practitioner == practitioner
    assert appointment.booked_by == patient_user
    (message,) = mail.outbox
    assert message.to == ["olive@example.com"] and message.subject.startswith("Booked:")
    ((name, _, mimetype),) = message.attachments
    assert name == "appointment.ics" and mimetype == "text/calendar"
    listing = patient_client.get(LIST).content.decode()
    assert "Booked: Follow-up IASTR with Alex Moreau, PT" in listing
    assert reschedule_url(appointment) in listing
    # The front desk sees where it came from, on the appointment page and on the schedule.
    page = front_desk_client.get(f"/patients/appointments/{appointment.uuid}/").content.decode()
    assert 'data-testid="booking-source">Booked in the portal<' in page
    schedule = front_desk_client.get(f"/patients/schedule/?day={MONDAY:%Y-%m-%d}")
    assert "Booked in the portal" in schedule.content.decode()


def test_a_clinic_booking_has_no_source_badge(front_desk_client, practitioner, follow_up):
    appointment = AppointmentFactory(
        practitioner=practitioner, type=follow_up, starts_at=at(MONDAY, "09:00")
    )
    page = front_desk_client.get(f"/patients/appointments/{appointment.uuid}/").content.decode()
    assert 'data-testid="booking-source"' not in page


def test_any_practitioner_books_one_bookable_online(
    patient_client, own_patient, online_types, initial_assessment, practitioner
):
    offline = give_hours(
        PractitionerFactory(display_name="Aaron Offline, PT", online_booking=False)
    )
    starts_at = at(MONDAY, "09:00")
    response = patient_client.post(BOOK, book_data(initial_assessment, None, starts_at))
    assert response.status_code == 302
    appointment = Appointment.objects.get(patient=own_patient)
    assert appointment.practitioner == practitioner != offline
    assert appointment.source == BookingSource.PORTAL


# --- Each rule, in the service and through a crafted POST ---------------------------------------


def _later_today():
    now = timezone.localtime().replace(second=0, microsecond=0)
    later = now + datetime.timedelta(minutes=1)
    return later if later.date() == now.date() else now


REFUSALS = {
    # name: (settings, how to arrange, start, code, words)
    "too soon": (
        {"ONLINE_BOOKING_MIN_NOTICE_HOURS": 24 * 14},
        None,
        lambda: at(MONDAY, "10:00"),
        "too_soon",
        f"at least 336 hours' notice: choose a later time, or call the clinic at {PHONE}",
    ),
    "same day off": (
        {"ONLINE_BOOKING_MIN_NOTICE_HOURS": 0},
        None,
        _later_today,
        "too_soon",
        f"Same-day appointments cannot be booked online: please call the clinic at {PHONE}",
    ),
    "too far": (
        {"ONLINE_BOOKING_DAYS_AHEAD": 5},
        None,
        lambda: at(MONDAY, "10:00"),
        "too_far",
        "Online bookings are open up to",
    ),
    "online booking off": (
        {"ONLINE_BOOKING_ENABLED": False},
        None,
        lambda: at(MONDAY, "10:00"),
        "online_off",
        f"please call the clinic at {PHONE}",
    ),
    "type not bookable online": (
        {},
        "type_off",
        lambda: at(MONDAY, "10:00"),
        "not_online",
        f"Follow-up IASTR cannot be booked online: please call the clinic at {PHONE}",
    ),
    "practitioner not bookable online": (
        {},
        "practitioner_off",
        lambda: at(MONDAY, "10:00"),
        "not_online",
        f"cannot be booked online: please call the clinic at {PHONE}",
    ),
    "outside working hours": (
        {},
        None,
        lambda: at(MONDAY, "07:00"),
        "outside_hours",
        "That time is not one of the free times",
    ),
}


def _arrange(how, follow_up, practitioner):
    if how == "type_off":
        follow_up.online_booking = False
        follow_up.save()
    elif how == "practitioner_off":
        practitioner.online_booking = False
        practitioner.save()


@pytest.mark.parametrize("rule", list(REFUSALS))
def test_each_rule_is_refused_by_the_service(
    rule, rules, assessed, patient_user, practitioner, follow_up
):
    overrides, how, start, code, words = REFUSALS[rule]
    for name, value in overrides.items():
        setattr(rules, name, value)
    _arrange(how, follow_up, practitioner)
    with pytest.raises(ValidationError) as refused:
        book(assessed, patient_user, follow_up, practitioner, start())
    assert refused.value.code == code
    assert words in refused.value.messages[0]
    assert not Appointment.objects.filter(patient=assessed, type=follow_up).exists()
    assert mail.outbox == []


@pytest.mark.parametrize("rule", list(REFUSALS))
def test_each_rule_is_refused_through_a_crafted_post(
    rule, rules, patient_client, assessed, practitioner, follow_up
):
    overrides, how, start, code, words = REFUSALS[rule]
    for name, value in overrides.items():
        setattr(rules, name, value)
    _arrange(how, follow_up, practitioner)
    response = patient_client.post(BOOK, book_data(follow_up, practitioner, start()))
    assert response.status_code == 200
    html = response.content.decode().replace("&#x27;", "'")
    if code == "online_off":
        assert "Online booking is closed at the moment" in html and PHONE in html
    else:
        assert "Not booked:" in html and words in html
    assert not Appointment.objects.filter(patient=assessed, type=follow_up).exists()
    assert mail.outbox == []


def test_an_assessed_patient_cannot_book_another_initial_assessment(
    patient_client, assessed, patient_user, practitioner, initial_assessment
):
    starts_at = at(MONDAY, "10:00")
    with pytest.raises(ValidationError) as refused:
        book(assessed, patient_user, initial_assessment, practitioner, starts_at)
    assert refused.value.code == "not_online"
    assert "book a follow-up" in refused.value.messages[0]
    response = patient_client.post(BOOK, book_data(initial_assessment, practitioner, starts_at))
    assert "book a follow-up, or please call the clinic at" in response.content.decode()
    assert Appointment.objects.filter(patient=assessed).count() == 1  # the past assessment


def test_a_new_patient_cannot_book_a_follow_up(
    patient_client, own_patient, online_types, practitioner, follow_up
):
    response = patient_client.post(BOOK, book_data(follow_up, practitioner, at(MONDAY, "10:00")))
    assert "book the initial assessment first" in response.content.decode()
    assert not Appointment.objects.filter(patient=own_patient).exists()


def test_a_crafted_post_cannot_book_for_another_patient(
    patient_client, assessed, patient_user, other_patient, practitioner, follow_up
):
    # The form has no patient: a patient field posted is ignored, the booking is one's own.
    data = {
        **book_data(follow_up, practitioner, at(MONDAY, "10:00")),
        "patient": other_patient.uuid,
    }
    patient_client.post(BOOK, data)
    assert not Appointment.objects.filter(patient=other_patient).exists()
    assert Appointment.objects.filter(patient=assessed, type=follow_up).count() == 1
    # And the service refuses another patient's record outright.
    with pytest.raises(ValidationError) as refused:
        book(other_patient, patient_user, follow_up, practitioner, at(MONDAY, "11:00"))
    assert refused.value.code == "not_own"


def test_a_junk_start_or_type_is_a_message_not_an_error(patient_client, assessed, practitioner):
    response = patient_client.post(
        BOOK, {"type": "999999", "practitioner": practitioner.pk, "start": "tomorrow"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "That appointment type is not offered" in html
    assert "That start time was not understood" in html


def test_a_taken_time_is_refused_and_the_free_times_listed_again(
    patient_client, assessed, practitioner, follow_up
):
    starts_at = at(MONDAY, "10:00")
    AppointmentFactory(
        patient=PatientFactory(), practitioner=practitioner, type=follow_up, starts_at=starts_at
    )
    response = patient_client.post(BOOK, book_data(follow_up, practitioner, starts_at))
    html = response.content.decode()
    assert "Not booked:" in html and "already has an appointment" in html
    assert response.context["strip"].day == MONDAY and response.context["strip"].times


# --- Rescheduling -------------------------------------------------------------------------------


@pytest.fixture
def booked(assessed, practitioner, follow_up):
    return AppointmentFactory(
        patient=assessed, practitioner=practitioner, type=follow_up, starts_at=at(MONDAY, "09:00")
    )


def move(appointment, user, starts_at, practitioner=None, **kwargs):
    return portal_booking.portal_appointment_reschedule(
        appointment=appointment, by=user, starts_at=starts_at, practitioner=practitioner, **kwargs
    )


def test_the_reschedule_page_lists_free_times_of_the_same_type(
    patient_client, booked, practitioner
):
    response = patient_client.get(reschedule_url(booked), {"day": f"{TUESDAY:%Y-%m-%d}"})
    assert response.status_code == 200
    assert response.context["practitioner"] == practitioner
    starts = [f"{t.starts_at:%H:%M}" for t in response.context["strip"].times]
    assert starts[0] == "08:00" and starts[-1] == "16:30"
    html = response.content.decode()
    assert "Your <strong>Follow-up IASTR</strong> is now on" in html
    assert "Move my appointment" in html


def test_moving_an_appointment_emails_the_new_time_and_keeps_the_old_in_its_history(
    patient_client, booked, patient_user, practitioner, django_capture_on_commit_callbacks
):
    new_start = at(TUESDAY, "14:30")
    with django_capture_on_commit_callbacks(execute=True):
        response = patient_client.post(
            reschedule_url(booked),
            {
                "practitioner": practitioner.pk,
                "day": f"{TUESDAY:%Y-%m-%d}",
                "start": new_start.isoformat(),
            },
        )
    assert response.status_code == 302 and response["Location"] == LIST
    booked.refresh_from_db()
    assert booked.starts_at == new_start and booked.rescheduled_from == at(MONDAY, "09:00")
    assert booked.rescheduled_by == patient_user and booked.calendar_sequence == 1
    starts = list(
        Appointment.pgh_event_model.objects.filter(pgh_obj=booked)
        .order_by("pgh_id")
        .values_list("starts_at", flat=True)
    )
    assert starts == [at(MONDAY, "09:00"), new_start]
    (message,) = mail.outbox
    assert message.subject.startswith("Moved:") and message.to == ["olive@example.com"]
    ((name, content, _),) = message.attachments
    assert name == "appointment.ics" and "SEQUENCE:1" in content
    listing = patient_client.get(LIST).content.decode()
    assert "Moved: your Follow-up IASTR is now on" in listing


def test_moving_to_any_practitioner_takes_one_bookable_online(
    patient_client, booked, patient_user, practitioner, second_practitioner
):
    practitioner.online_booking = False  # Alex no longer takes online bookings
    practitioner.save()
    moved = move(booked, patient_user, at(TUESDAY, "10:00"))
    assert moved.practitioner == second_practitioner


MOVE_REFUSALS = {
    "too soon": ({"ONLINE_BOOKING_MIN_NOTICE_HOURS": 24 * 14}, None, "too_soon"),
    "too far": ({"ONLINE_BOOKING_DAYS_AHEAD": 5}, None, "too_far"),
    "online booking off": ({"ONLINE_BOOKING_ENABLED": False}, None, "online_off"),
    "practitioner not bookable online": ({}, "practitioner_off", "not_online"),
    "type not bookable online": ({}, "type_off", "not_online"),
    "outside working hours": ({}, "early", "outside_hours"),
}


def _move_target(how, booked, practitioner, second_practitioner):
    if how == "practitioner_off":
        second_practitioner.online_booking = False
        second_practitioner.save()
        return at(TUESDAY, "10:00"), second_practitioner
    if how == "type_off":
        booked.type.online_booking = False
        booked.type.save()
    if how == "early":
        return at(TUESDAY, "07:00"), practitioner
    return at(TUESDAY, "10:00"), practitioner


@pytest.mark.parametrize("rule", list(MOVE_REFUSALS))
def test_each_rule_refuses_a_move_in_the_service_and_through_a_crafted_post(
    rule, rules, patient_client, booked, patient_user, practitioner, second_practitioner
):
    overrides, how, code = MOVE_REFUSALS[rule]
    for name, value in overrides.items():
        setattr(rules, name, value)
    starts_at, whom = _move_target(how, booked, practitioner, second_practitioner)
    with pytest.raises(ValidationError) as refused:
        move(booked, patient_user, starts_at, whom)
    assert refused.value.code == code
    words = refused.value.messages[0]
    response = patient_client.post(
        reschedule_url(booked), {"practitioner": whom.pk, "start": starts_at.isoformat()}
    )
    assert response.status_code == 200
    assert words in response.content.decode().replace("&#x27;", "'")
    booked.refresh_from_db()
    assert booked.starts_at == at(MONDAY, "09:00") and booked.rescheduled_from is None
    assert mail.outbox == []


def test_the_late_change_rule_is_checked_under_the_booking_locks(
    booked, patient_user, practitioner
):
    """The staff's reschedule service with by_patient applies the portal's rules itself."""
    from patients.services import appointment_reschedule

    late = booked.starts_at - datetime.timedelta(hours=23)
    with pytest.raises(ValidationError) as refused:
        appointment_reschedule(
            appointment=booked,
            starts_at=at(TUESDAY, "10:00"),
            practitioner=practitioner,
            by=patient_user,
            now=late,
            by_patient=True,
        )
    assert refused.value.code == "too_late"
    # Without by_patient (the front desk), the same move is allowed.
    appointment_reschedule(
        appointment=booked,
        starts_at=at(TUESDAY, "10:00"),
        practitioner=practitioner,
        by=None,
        now=late,
    )


def test_within_the_late_cancellation_period_the_patient_is_told_to_call(
    patient_client, assessed, patient_user, practitioner, follow_up
):
    soon = AppointmentFactory(
        patient=assessed,
        practitioner=practitioner,
        type=follow_up,
        starts_at=(timezone.now() + datetime.timedelta(hours=20)).replace(microsecond=0),
    )
    words = (
        f"Appointments can be changed online up to 24 hours before they start. To change this "
        f"one, please call the clinic at {PHONE}."
    )
    with pytest.raises(ValidationError) as refused:
        move(soon, patient_user, at(TUESDAY, "10:00"), practitioner)
    assert refused.value.code == "too_late" and refused.value.messages[0] == words
    page = patient_client.get(reschedule_url(soon)).content.decode()
    assert words in page and "Move my appointment" not in page
    response = patient_client.post(
        reschedule_url(soon),
        {"practitioner": practitioner.pk, "start": at(TUESDAY, "10:00").isoformat()},
    )
    assert words in response.content.decode()
    listing = patient_client.get(LIST).content.decode()
    assert reschedule_url(soon) not in listing
    assert f"to cancel or change the time, please call the clinic at {PHONE}" in listing


def test_the_list_says_why_an_appointment_cannot_be_moved_online(
    patient_client, assessed, practitioner, follow_up
):
    appointment = AppointmentFactory(
        patient=assessed, practitioner=practitioner, type=follow_up, starts_at=at(MONDAY, "09:00")
    )
    follow_up.online_booking = False
    follow_up.save()
    listing = patient_client.get(LIST).content.decode()
    assert reschedule_url(appointment) not in listing
    assert "Follow-up IASTR appointments cannot be moved online" in listing


def test_links_to_book_and_change_time(patient_client, booked, rules):
    listing = patient_client.get(LIST).content.decode()
    assert f'href="{BOOK}">Book an appointment</a>' in listing
    assert reschedule_url(booked) in listing
    home = patient_client.get("/portal/").content.decode()
    assert f'href="{BOOK}">Book an appointment</a>' in home
    rules.ONLINE_BOOKING_ENABLED = False
    listing = patient_client.get(LIST).content.decode()
    assert BOOK not in listing and reschedule_url(booked) not in listing
    assert f"to book or change a time, please call the clinic at {PHONE}" in listing
    assert BOOK not in patient_client.get("/portal/").content.decode()
    page = patient_client.get(BOOK).content.decode()
    assert (
        f"Online booking is closed at the moment. To book, please call the clinic at {PHONE}"
        in page
    )
    page = patient_client.get(reschedule_url(booked)).content.decode()
    assert "Appointments cannot be changed online at the moment" in page


# --- Access -------------------------------------------------------------------------------------


def test_another_patients_appointment_is_a_404(patient_client, other_patient, practitioner):
    theirs = AppointmentFactory(
        patient=other_patient, practitioner=practitioner, starts_at=at(MONDAY, "11:00")
    )
    assert patient_client.get(reschedule_url(theirs)).status_code == 404
    response = patient_client.post(
        reschedule_url(theirs),
        {"practitioner": practitioner.pk, "start": at(TUESDAY, "10:00").isoformat()},
    )
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.starts_at == at(MONDAY, "11:00")


def test_another_patients_appointment_is_refused_by_the_service(
    patient_user, other_patient, practitioner
):
    theirs = AppointmentFactory(
        patient=other_patient, practitioner=practitioner, starts_at=at(MONDAY, "11:00")
    )
    with pytest.raises(ValidationError) as refused:
        move(theirs, patient_user, at(TUESDAY, "10:00"), practitioner)
    assert refused.value.code == "not_own"


def test_an_archived_record_sees_neither_page(patient_client, booked):
    booked.patient.archived_at = timezone.now()
    booked.patient.save()
    assert patient_client.get(BOOK).status_code == 404
    assert patient_client.get(reschedule_url(booked)).status_code == 404
    assert patient_client.post(BOOK, {}).status_code == 404


@pytest.mark.parametrize("client_fixture", ["front_desk_client", "physio_client", "manager_client"])
def test_staff_have_no_portal_booking_pages(request, client_fixture, booked):
    client = request.getfixturevalue(client_fixture)
    assert client.get(BOOK).status_code == 404
    assert client.get(reschedule_url(booked)).status_code == 404


def test_anonymous_visitors_are_sent_to_login(client, booked):
    for url in (BOOK, reschedule_url(booked)):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_a_cancelled_appointment_cannot_be_moved(patient_client, booked):
    booked.status = AppointmentStatus.CANCELLED
    booked.cancelled_at = timezone.now()
    booked.cancellation_reason = "x"
    booked.save()
    assert patient_client.get(reschedule_url(booked)).status_code == 404
