"""The booking page and the appointment page: booking from the schedule or a patient's page,
bad input answered with a clear message and what was typed kept (never a 500), new callers,
status changes, and who may do what."""

import datetime

import pytest
from django.utils import timezone

from patients.models import Appointment, AppointmentStatus, Patient
from tests.factories import AppointmentFactory, PatientFactory
from tests.scheduling import *  # noqa: F403 (fixtures)
from tests.scheduling import at, future_day

pytestmark = pytest.mark.django_db

BOOK = "/patients/appointments/book/"
MONDAY = future_day(0)


@pytest.fixture
def patient(db):
    return PatientFactory(first_name="Ines", last_name="Valdivia")


def form(patient, practitioner, type, /, **overrides):
    data = {
        "patient": str(patient.uuid),
        "type": type.pk,
        "practitioner": practitioner.pk if practitioner else "",
        "day": f"{MONDAY:%Y-%m-%d}",
        "start": at(MONDAY, "09:00").isoformat(),
    }
    data.update(overrides)
    return data


def errors_of(response) -> str:
    assert response.status_code == 200
    html = response.content.decode()
    assert "Nothing was booked yet" in html
    return html


# --- Booking ------------------------------------------------------------------------------


@pytest.mark.parametrize("client_fixture", ["front_desk_client", "physio_client"])
def test_front_desk_and_physio_can_book(request, client_fixture, patient, practitioner, follow_up):
    client = request.getfixturevalue(client_fixture)
    response = client.post(BOOK, form(patient, practitioner, follow_up, notes="Left shoulder"))
    appointment = Appointment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/patients/appointments/{appointment.uuid}/"
    assert appointment.patient == patient and appointment.practitioner == practitioner
    assert appointment.starts_at == at(MONDAY, "09:00")
    assert appointment.booked_by.username in ("desk", "physio")
    assert appointment.notes == "Left shoulder"
    page = client.get(response["Location"]).content.decode()
    assert "Booked: Follow-up IASTR with Alex Moreau, PT on" in page and "at 09:00." in page


def test_booking_page_lists_free_times_with_the_chosen_one_preselected(
    front_desk_client, patient, practitioner, follow_up
):
    AppointmentFactory(practitioner=practitioner, type=follow_up, starts_at=at(MONDAY, "09:00"))
    response = front_desk_client.get(
        BOOK,
        {
            "patient": patient.uuid,
            "type": follow_up.pk,
            "practitioner": practitioner.pk,
            "day": f"{MONDAY:%Y-%m-%d}",
            "time": "10:15",
        },
    )
    html = response.content.decode()
    starts = [t.starts_at.strftime("%H:%M") for t in response.context["free_times"]]
    assert "08:30" in starts and "09:00" not in starts and "09:15" not in starts
    assert f'value="{at(MONDAY, "10:15").isoformat()}" autocomplete="off" checked>' in html
    assert "Ines Valdivia" in html


def test_the_free_slot_link_from_the_schedule_asks_for_the_patient_first(
    front_desk_client, patient, practitioner
):
    response = front_desk_client.get(
        BOOK, {"practitioner": practitioner.pk, "day": f"{MONDAY:%Y-%m-%d}", "time": "08:15"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Find the patient" in html
    assert "This field is required" not in html  # nothing chosen yet is not an error
    # Issue 10: the time and practitioner are shown from the start, not at the third step.
    assert "at 08:15</strong> with <strong>Alex Moreau, PT</strong>" in html
    found = front_desk_client.get(
        BOOK,
        {
            "q": "valdiv",
            "practitioner": practitioner.pk,
            "day": f"{MONDAY:%Y-%m-%d}",
            "time": "08:15",
        },
    ).content.decode()
    assert f"?patient={patient.uuid}&amp;practitioner={practitioner.pk}" in found
    assert "time=08%3A15" in found


def test_any_practitioner_shows_who_is_free_and_books_one_of_them(
    front_desk_client, patient, practitioner, second_practitioner, follow_up
):
    AppointmentFactory(practitioner=practitioner, type=follow_up, starts_at=at(MONDAY, "09:00"))
    page = front_desk_client.get(
        BOOK,
        {
            "patient": patient.uuid,
            "type": follow_up.pk,
            "practitioner": "",
            "day": f"{MONDAY:%Y-%m-%d}",
        },
    ).content.decode()
    # Issue 10: a time when everyone is free is the time alone; otherwise it names who is.
    assert '>08:30<span class="visually-hidden"> to 09:00</span></label>' in page
    assert ' to 09:30</span><span class="d-block small">Chidi Okafor, PT</span></label>' in page
    assert "Alex Moreau, PT or Chidi Okafor, PT" not in page
    response = front_desk_client.post(BOOK, form(patient, None, follow_up))
    assert response.status_code == 302
    assert Appointment.objects.get(patient=patient).practitioner == second_practitioner


def test_a_past_day_is_refused_with_a_message_and_the_form_kept(
    front_desk_client, patient, practitioner, follow_up
):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    response = front_desk_client.get(
        BOOK,
        {"patient": patient.uuid, "type": follow_up.pk, "day": f"{yesterday:%Y-%m-%d}"},
    )
    html = response.content.decode()
    assert "That day has passed: choose today or a later day." in html
    assert f'value="{yesterday:%Y-%m-%d}"' in html
    html = errors_of(
        front_desk_client.post(
            BOOK,
            form(
                patient,
                practitioner,
                follow_up,
                day=f"{yesterday:%Y-%m-%d}",
                start=at(yesterday, "09:00").isoformat(),
            ),
        )
    )
    assert "That day has passed" in html
    assert not Appointment.objects.exists()


def test_a_start_time_in_the_past_is_refused(front_desk_client, patient, practitioner, follow_up):
    past = timezone.localtime() - datetime.timedelta(hours=1)
    html = errors_of(
        front_desk_client.post(
            BOOK,
            form(
                patient,
                practitioner,
                follow_up,
                day=f"{timezone.localdate():%Y-%m-%d}",
                start=past.isoformat(),
            ),
        )
    )
    assert "That time has already passed" in html


def test_a_non_existent_practitioner_id_is_a_clear_message(
    front_desk_client, patient, practitioner, follow_up
):
    html = errors_of(
        front_desk_client.post(BOOK, form(patient, practitioner, follow_up, practitioner=999999))
    )
    assert "That practitioner is not taking appointments" in html
    html = front_desk_client.get(
        BOOK, {"patient": patient.uuid, "type": follow_up.pk, "practitioner": "abc"}
    ).content.decode()
    assert "That practitioner is not taking appointments" in html
    assert not Appointment.objects.exists()


def test_a_time_that_is_not_free_says_so_and_offers_the_next_free_times(
    front_desk_client, patient, practitioner, follow_up
):
    AppointmentFactory(practitioner=practitioner, type=follow_up, starts_at=at(MONDAY, "09:00"))
    response = front_desk_client.post(
        BOOK,
        form(patient, practitioner, follow_up, start="", other_time="09:15", notes="Keep me"),
    )
    html = errors_of(response)
    assert "Alex Moreau, PT already has an appointment from 09:00 to 09:30" in html
    assert 'data-testid="next-free-times"' in html
    assert at(MONDAY, "09:30").isoformat() in html
    assert "Keep me" in html and 'value="09:15"' in html
    assert Appointment.objects.count() == 1


def test_outside_working_hours_without_the_override_is_refused(
    front_desk_client, patient, practitioner, follow_up
):
    html = errors_of(
        front_desk_client.post(
            BOOK, form(patient, practitioner, follow_up, start="", other_time="07:00")
        )
    )
    assert "is outside Alex Moreau, PT&#x27;s working hours" in html
    assert "Book outside working hours" in html
    assert not Appointment.objects.exists()


def test_the_override_without_a_reason_is_refused(
    front_desk_client, patient, practitioner, follow_up
):
    html = errors_of(
        front_desk_client.post(
            BOOK,
            form(
                patient, practitioner, follow_up, start="", other_time="07:00", outside_hours="on"
            ),
        )
    )
    assert "Write why this booking is outside working hours." in html
    assert not Appointment.objects.exists()


def test_the_override_with_a_reason_books_and_keeps_the_reason(
    front_desk_client, patient, practitioner, follow_up
):
    response = front_desk_client.post(
        BOOK,
        form(
            patient,
            practitioner,
            follow_up,
            start="",
            other_time="07:00",
            outside_hours="on",
            outside_hours_reason="Only time before work; Alex agreed",
        ),
    )
    assert response.status_code == 302
    appointment = Appointment.objects.get()
    assert appointment.outside_hours_reason == "Only time before work; Alex agreed"
    page = front_desk_client.get(response["Location"]).content.decode()
    assert "Only time before work; Alex agreed" in page


def test_the_override_with_any_practitioner_asks_for_one(
    front_desk_client, patient, practitioner, follow_up
):
    html = errors_of(
        front_desk_client.post(
            BOOK,
            form(
                patient,
                None,
                follow_up,
                start="",
                other_time="07:00",
                outside_hours="on",
                outside_hours_reason="x",
            ),
        )
    )
    assert "Choose the practitioner to book outside working hours." in html


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"start": "yesterday-ish"}, "That start time is not a valid time"),
        ({"start": "2030-01-07T09:00:00"}, "That start time is not a valid time"),  # no offset
        ({"start": ""}, "Choose a start time."),
        ({"other_time": "25:99", "start": ""}, "Enter the time as HH:MM"),
        ({"other_time": "09:00"}, "not both"),
        ({"type": "999999"}, "That appointment type is not offered"),
        ({"type": ""}, "Choose the appointment type."),
        ({"day": "31/31/2030"}, "Enter the day as YYYY-MM-DD"),
        ({"day": "9999-12-31"}, "up to a year ahead"),
    ],
)
def test_bad_input_is_a_message_never_a_500(
    front_desk_client, patient, practitioner, follow_up, overrides, message
):
    html = errors_of(
        front_desk_client.post(BOOK, form(patient, practitioner, follow_up, **overrides))
    )
    assert message in html
    assert not Appointment.objects.exists()


@pytest.mark.parametrize(
    "start, message",
    [
        # Converting these to UTC leaves the calendar (OverflowError).
        ("0001-01-01T00:00:00+14:00", "That start time is not a valid time"),
        ("9999-12-31T23:59:59-14:00", "That start time is not a valid time"),
        # In the calendar, but adding the appointment's length or a day would leave it.
        ("9999-12-31T23:45:00+00:00", "That start time is not a valid time"),
        ("0001-01-01T00:00:00+00:00", "That start time is not a valid time"),
        ("2030-01-07T09:00:00+24:00", "That start time is not a valid time"),
        ("2030-01-07T09:00:00\x00+00:00", "Null characters are not allowed"),
        ("２０３０-01-07T09:00:00+00:00", "That start time is not a valid time"),
        ("9" * 41, "at most 40 characters"),
    ],
)
def test_an_impossible_start_is_a_form_error_with_what_was_typed_kept(
    front_desk_client, patient, practitioner, follow_up, start, message
):
    data = form(patient, practitioner, follow_up, start=start, notes="Left shoulder, O'Brien")
    html = errors_of(front_desk_client.post(BOOK, data))
    assert message in html
    assert "Left shoulder, O&#x27;Brien</textarea>" in html
    assert f'<option value="{follow_up.pk}" selected>' in html
    assert not Appointment.objects.exists()


@pytest.mark.parametrize(
    "params",
    [
        {"practitioner": "²", "day": "9999-12-31", "time": "\x00"},
        {"practitioner": "9" * 30, "day": "0001-01-01", "time": "²²:²²"},
        {"practitioner": "\x00", "day": "\x00", "type": "\x00", "time": "1" * 5000},
    ],
)
def test_odd_query_parameters_show_the_booking_page(front_desk_client, patient, follow_up, params):
    response = front_desk_client.get(BOOK, {"patient": patient.uuid, **params})
    assert response.status_code == 200
    assert "Ines Valdivia" in response.content.decode()


def test_a_start_more_than_a_year_ahead_is_refused(
    front_desk_client, patient, practitioner, follow_up
):
    far = at(MONDAY, "09:00") + datetime.timedelta(days=500)
    html = errors_of(
        front_desk_client.post(BOOK, form(patient, practitioner, follow_up, start=far.isoformat()))
    )
    assert "up to a year ahead" in html


@pytest.mark.parametrize("value", ["00000000-0000-4000-8000-000000000999", "not-a-uuid", "1"])
def test_an_unknown_patient_is_a_404(front_desk_client, practitioner, follow_up, value):
    assert front_desk_client.get(BOOK, {"patient": value}).status_code == 404
    data = form(PatientFactory(), practitioner, follow_up, patient=value)
    assert front_desk_client.post(BOOK, data).status_code == 404


def test_booking_without_a_patient_asks_for_one(front_desk_client, practitioner, follow_up):
    data = form(PatientFactory(), practitioner, follow_up)
    del data["patient"]
    assert "Choose the patient first." in errors_of(front_desk_client.post(BOOK, data))


def test_booking_over_the_patients_other_appointment_is_refused(
    front_desk_client, patient, practitioner, second_practitioner, follow_up
):
    AppointmentFactory(
        patient=patient, practitioner=second_practitioner, starts_at=at(MONDAY, "09:00")
    )
    html = errors_of(front_desk_client.post(BOOK, form(patient, practitioner, follow_up)))
    assert "This patient already has an appointment from 09:00 to 09:30" in html


def test_no_free_time_that_day_lists_the_next_days_times(
    front_desk_client, patient, practitioner, follow_up
):
    saturday = MONDAY + datetime.timedelta(days=5)
    response = front_desk_client.get(
        BOOK,
        {
            "patient": patient.uuid,
            "type": follow_up.pk,
            "practitioner": practitioner.pk,
            "day": f"{saturday:%Y-%m-%d}",
        },
    )
    html = response.content.decode()
    assert "No free time on that day for Alex Moreau, PT." in html
    first = response.context["next_times"][0]
    assert first.starts_at == at(saturday + datetime.timedelta(days=2), "08:00")


# --- New callers --------------------------------------------------------------------------


def test_a_new_caller_is_booked_with_just_a_name_and_phone(
    front_desk_client, practitioner, consultation_call, follow_up
):
    page = front_desk_client.get(BOOK, {"new_caller": "1"}).content.decode()
    assert "Free 10-minute consultation call" in page
    assert "Follow-up IASTR (30" not in page  # only phone consultations for a new caller
    data = {
        "new_caller": "1",
        "type": consultation_call.pk,
        "practitioner": "",
        "day": f"{MONDAY:%Y-%m-%d}",
        "start": at(MONDAY, "08:00").isoformat(),
        "first_name": " Noor ",
        "last_name": "Haddad",
        "phone": "604 555 0190",
    }
    response = front_desk_client.post(BOOK, data)
    assert response.status_code == 302
    patient = Patient.objects.get(last_name="Haddad")
    assert patient.first_name == "Noor" and patient.date_of_birth is None
    detail = front_desk_client.get(f"/patients/{patient.uuid}/").content.decode()
    assert "Details incomplete" in detail
    listing = front_desk_client.get("/patients/", {"q": "haddad"}).content.decode()
    assert "Details incomplete" in listing


def test_a_new_caller_without_a_phone_is_refused_and_nothing_is_created(
    front_desk_client, practitioner, consultation_call
):
    data = {
        "new_caller": "1",
        "type": consultation_call.pk,
        "day": f"{MONDAY:%Y-%m-%d}",
        "start": at(MONDAY, "08:00").isoformat(),
        "first_name": "Noor",
        "last_name": "Haddad",
        "phone": "call me",
    }
    html = errors_of(front_desk_client.post(BOOK, data))
    assert "Enter a phone number of 7 to 15 digits" in html
    assert 'value="Haddad"' in html
    assert not Patient.objects.filter(last_name="Haddad").exists()


# --- The appointment page and its status --------------------------------------------------


@pytest.fixture
def appointment(practitioner, follow_up, patient):
    return AppointmentFactory(
        patient=patient, practitioner=practitioner, type=follow_up, starts_at=at(MONDAY, "09:00")
    )


def status_url(appointment):
    return f"/patients/appointments/{appointment.uuid}/status/"


def test_the_appointment_page_names_no_patient_in_its_title(front_desk_client, appointment):
    html = front_desk_client.get(f"/patients/appointments/{appointment.uuid}/").content.decode()
    title = html.split("<title>")[1].split("</title>")[0]
    assert "Valdivia" not in title and "Ines" not in title
    assert "Mark as arrived" in html and "Cancel appointment" in html


def test_marking_arrived_then_completed(front_desk_client, appointment, front_desk):
    response = front_desk_client.post(status_url(appointment), {"status": "arrived"}, follow=True)
    assert "The appointment is marked as arrived." in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.ARRIVED
    assert appointment.status_changed_by == front_desk
    front_desk_client.post(status_url(appointment), {"status": "completed"})
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.COMPLETED


def test_an_illegal_status_change_is_a_clear_message(front_desk_client, appointment):
    response = front_desk_client.post(status_url(appointment), {"status": "completed"})
    assert response.status_code == 200
    html = response.content.decode()
    assert (
        "A booked appointment cannot be marked as completed. Mark the patient as arrived first."
        in html
    )
    response = front_desk_client.post(status_url(appointment), {"status": "teleported"})
    assert response.status_code == 200


def test_cancelling_without_a_reason_keeps_the_form_and_says_why(front_desk_client, appointment):
    response = front_desk_client.post(
        status_url(appointment), {"status": "cancelled", "reason": " ", "by_patient": "on"}
    )
    html = response.content.decode()
    assert "Give the reason for cancelling." in html
    assert 'id="id_by_patient" checked' in html
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED


def test_cancelling_records_who_when_and_whether_the_patient_asked(
    front_desk_client, appointment, front_desk
):
    front_desk_client.post(
        status_url(appointment),
        {"status": "cancelled", "reason": "Called: flu", "by_patient": "on"},
    )
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED
    assert appointment.cancelled_by == front_desk and appointment.cancelled_by_patient
    html = front_desk_client.get(f"/patients/appointments/{appointment.uuid}/").content.decode()
    assert "by the patient" in html and "Called: flu" in html


def test_status_change_goes_back_to_a_safe_next_page_only(front_desk_client, appointment):
    response = front_desk_client.post(
        status_url(appointment), {"status": "arrived", "next": "https://evil.example.com/"}
    )
    assert response["Location"] == f"/patients/appointments/{appointment.uuid}/"


@pytest.mark.parametrize(
    "next_page",
    [
        "patients:schedule",  # a URL name: redirect() would try to reverse it
        "schedule",
        "/no/such/page/",
        "//evil.example.com/",
        "/\\evil.example.com/",
        "/patients/\x00",
        "/patients/" + "x" * 3000,
        "/patients/²",
    ],
)
def test_status_change_with_an_unknown_next_page_goes_to_the_appointment(
    front_desk_client, appointment, next_page
):
    response = front_desk_client.post(
        status_url(appointment), {"status": "arrived", "next": next_page}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/patients/appointments/{appointment.uuid}/"
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.ARRIVED


def test_status_change_goes_back_to_a_known_local_page(front_desk_client, appointment):
    back = f"/patients/schedule/?day={MONDAY:%Y-%m-%d}"
    response = front_desk_client.post(status_url(appointment), {"status": "arrived", "next": back})
    assert response.status_code == 302
    assert response["Location"] == back


def test_status_change_needs_post(front_desk_client, appointment):
    assert front_desk_client.get(status_url(appointment)).status_code == 405


# --- The patient page ---------------------------------------------------------------------


def test_patient_page_lists_upcoming_and_past_appointments_and_no_shows(
    front_desk_client, patient, practitioner, follow_up
):
    AppointmentFactory(
        patient=patient, practitioner=practitioner, type=follow_up, starts_at=at(MONDAY, "09:00")
    )
    for weeks in (2, 3):
        AppointmentFactory(
            patient=patient,
            practitioner=practitioner,
            type=follow_up,
            starts_at=timezone.now() - datetime.timedelta(weeks=weeks),
            status=AppointmentStatus.NO_SHOW,
        )
    html = front_desk_client.get(f"/patients/{patient.uuid}/").content.decode()
    assert "No-shows: <strong>2</strong>" in html
    assert f'href="/patients/appointments/book/?patient={patient.uuid}"' in html
    assert html.count("No-show</span>") == 2
    upcoming = html.split("<h3")[1]
    assert f"{MONDAY:%Y-%m-%d} 09:00" in upcoming


# --- Who may book -------------------------------------------------------------------------


def test_patient_users_get_404_on_booking_and_appointment_pages(
    patient_client, own_patient, appointment
):
    urls = [
        BOOK,
        f"/patients/appointments/{appointment.uuid}/",
        f"{BOOK}?patient={own_patient.uuid}",
    ]
    for url in urls:
        assert patient_client.get(url).status_code == 404, url
    assert patient_client.post(status_url(appointment), {"status": "cancelled"}).status_code == 404
    assert patient_client.post(BOOK, {}).status_code == 404
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED


@pytest.mark.parametrize(
    "url",
    [BOOK, "/patients/appointments/00000000-0000-4000-8000-000000000001/"],
)
def test_anonymous_visitors_are_sent_to_login_from_booking(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_an_unknown_appointment_is_a_404(front_desk_client):
    assert (
        front_desk_client.get(
            "/patients/appointments/00000000-0000-4000-8000-000000000001/"
        ).status_code
        == 404
    )
    assert front_desk_client.get("/patients/appointments/1/").status_code == 404


def test_patient_page_queries_do_not_grow_with_appointments(
    front_desk_client, patient, practitioner, follow_up
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = f"/patients/{patient.uuid}/"
    with CaptureQueriesContext(connection) as few:
        front_desk_client.get(url)
    for n in range(12):
        AppointmentFactory(
            patient=patient,
            practitioner=practitioner,
            type=follow_up,
            starts_at=at(MONDAY, "08:00") + datetime.timedelta(days=n // 4, hours=n % 4),
        )
        AppointmentFactory(
            patient=patient,
            practitioner=practitioner,
            type=follow_up,
            starts_at=timezone.now() - datetime.timedelta(days=n + 1),
            status=AppointmentStatus.NO_SHOW,
        )
    with CaptureQueriesContext(connection) as many:
        response = front_desk_client.get(url)
    assert len(many) == len(few)
    assert "No-shows: <strong>12</strong>" in response.content.decode()
