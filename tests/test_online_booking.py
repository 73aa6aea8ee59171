"""Issue 13: the public booking page (no login): choose, hold, confirm by the emailed code.

Each refusal with its message, the hold blocking the time for everyone, its expiry, the honeypot,
the matching of an existing patient and the duplicate flag, and the emails."""

import datetime
import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from accounts.models import RateLimitHit
from patients import services
from patients.models import (
    Appointment,
    BookingSource,
    OnlineBookingHold,
    Patient,
    PossibleDuplicateFlag,
    TimeOff,
)
from patients.services import online_booking
from tests.factories import AppointmentFactory, PatientFactory, UserFactory
from tests.online import BOOK, LINK_IN_EMAIL, assessment_type, call_type, code_email, code_of
from tests.online import details as typed
from tests.scheduling import *  # noqa: F403 (fixtures)
from tests.scheduling import at, future_day

pytestmark = pytest.mark.django_db

MONDAY = future_day(0)


@pytest.fixture(autouse=True)
def _clinic(settings):
    settings.CLINIC_NAME = "Harbourside Physio"
    settings.CLINIC_PHONE = "604-555-0111"
    settings.CLINIC_ADDRESS = "12 Quay St, Vancouver"
    settings.ONLINE_BOOKING_RATE_PER_IP = 1000
    settings.ONLINE_BOOKING_RATE_PER_EMAIL = 1000
    settings.ONLINE_BOOKING_HOLD_MINUTES = 10


@pytest.fixture
def anon():
    return Client()


@pytest.fixture
def post_now(django_capture_on_commit_callbacks):
    """POST as a request does: the emails leave when the service's transaction commits."""

    def post(client, url, data):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url, data)

    return post


def hold_time(anon, post_now, practitioner, hhmm="09:00", type=None, **over):
    response = post_now(
        anon, BOOK, typed(type or call_type(), at(MONDAY, hhmm), practitioner, **over)
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    return response["Location"]


# --- the page -----------------------------------------------------------------------------------


def test_anonymous_visitor_sees_the_clinic_and_free_times(anon, practitioner):
    response = anon.get(BOOK, {"type": call_type().pk, "day": MONDAY.isoformat()})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Harbourside Physio" in html and "604-555-0111" in html and "12 Quay St" in html
    assert response["Cache-Control"] == "no-store"
    # Only the public kinds: the call and the initial assessment, not the follow-up.
    assert "Free 10-minute consultation call" in html and "Initial assessment" in html
    assert "Follow-up" not in html
    assert at(MONDAY, "09:00").isoformat() in html
    assert 'name="website"' in html and "Leave this field empty" in html


def test_staff_signed_in_without_second_factor_can_open_it(practitioner):
    client = Client()
    client.force_login(UserFactory(username="desk2", role="front_desk"))
    response = client.get(BOOK)
    assert response.status_code == 200
    assert "Book an appointment" in response.content.decode()


def test_odd_parameters_are_a_message_not_an_error(anon, practitioner):
    response = anon.get(BOOK, {"type": "999999", "practitioner": "x\x00", "day": "9999-99-99"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "cannot be booked online: choose one from the list" in html
    assert "Enter the day as YYYY-MM-DD" in html
    far = timezone.localdate() + datetime.timedelta(days=400)
    html = anon.get(BOOK, {"day": far.isoformat()}).content.decode()
    assert "Online bookings are open from" in html


def test_online_booking_off_says_to_call(anon, settings, practitioner):
    settings.ONLINE_BOOKING_ENABLED = False
    html = anon.get(BOOK).content.decode()
    assert "Online booking is closed at the moment" in html and "604-555-0111" in html
    response = anon.post(BOOK, typed(call_type(), at(MONDAY, "09:00"), practitioner))
    assert "Online booking is closed" in response.content.decode()
    assert not OnlineBookingHold.objects.exists()


def test_a_practitioner_not_bookable_online_is_not_offered(anon, practitioner):
    practitioner.online_booking = False
    practitioner.save()
    html = anon.get(BOOK).content.decode()
    assert "No appointment can be booked online at the moment" in html


# --- the whole flow -----------------------------------------------------------------------------


def test_request_hold_confirm_and_book(anon, post_now, practitioner):
    url = hold_time(anon, post_now, practitioner, "09:00")
    hold = OnlineBookingHold.objects.get()
    assert url == f"/book/confirm/{hold.uuid}/"
    assert hold.first_name == "Maren" and hold.starts_at == at(MONDAY, "09:00")
    message = code_email()
    assert message.to == ["maren.ostrowski@example.com"]
    code = code_of(message)
    assert code not in hold.code_hash and len(hold.code_hash) == 64
    assert "Hello Maren" in message.body and "Free 10-minute consultation call" in message.body
    assert LINK_IN_EMAIL.search(message.body)

    page = anon.get(url).content.decode()
    assert "We emailed a 6-digit code" in page and "10 minutes" in page

    wrong = "000000" if code != "000000" else "111111"
    response = post_now(anon, url, {"code": wrong})
    assert "That code is not right, or the time has expired" in response.content.decode()
    assert OnlineBookingHold.objects.get().failed_attempts == 1
    assert not Appointment.objects.exists()

    response = post_now(anon, url, {"code": code})
    assert response.status_code == 302 and response["Location"].startswith("/book/done/")
    appointment = Appointment.objects.get()
    assert appointment.source == BookingSource.ONLINE and appointment.booked_by is None
    assert appointment.starts_at == at(MONDAY, "09:00")
    assert appointment.practitioner == practitioner
    patient = appointment.patient
    assert (patient.first_name, patient.last_name) == ("Maren", "Ostrowski")
    assert patient.phone == "604-555-0199" and patient.details_incomplete
    assert not OnlineBookingHold.objects.exists()

    confirmation = mail.outbox[-1]
    assert confirmation.subject.startswith("Booked: Free 10-minute consultation call")
    assert confirmation.attachments[0][0] == "appointment.ics"
    assert re.search(r"https?://testserver/intake/\S+/", confirmation.body)

    done = anon.get(response["Location"]).content.decode()
    assert "You are booked" in done and "09:00" in done and str(practitioner) in done
    assert "Ostrowski" not in done
    # The code works once.
    assert "not right" in post_now(anon, url, {"code": code}).content.decode()


def test_the_emailed_link_opens_a_page_that_confirms_with_a_post(anon, post_now, practitioner):
    hold_time(anon, post_now, practitioner)
    link = LINK_IN_EMAIL.search(code_email().body).group(1)
    path = link.split("testserver", 1)[1]
    page = anon.get(path)  # a mail scanner's prefetch books nothing
    html = page.content.decode()
    assert "Confirm my booking" in html and f'value="{code_of(code_email())}"' in html
    assert not Appointment.objects.exists()
    response = post_now(anon, path.split("?")[0], {"code": code_of(code_email())})
    assert response.status_code == 302
    assert Appointment.objects.count() == 1


def test_any_practitioner_takes_the_first_free_one(
    anon, post_now, practitioner, second_practitioner
):
    AppointmentFactory(
        practitioner=practitioner,
        type=call_type(),
        starts_at=at(MONDAY, "10:00"),
        ends_at=at(MONDAY, "10:10"),
    )
    hold_time(anon, post_now, None, "10:00")
    assert OnlineBookingHold.objects.get().practitioner == second_practitioner


def test_unknown_hold_shows_the_same_page_and_message(anon, post_now, practitioner):
    url = hold_time(anon, post_now, practitioner)
    real = anon.get(url).content.decode()
    fake_url = "/book/confirm/00000000-0000-4000-8000-000000000000/"
    fake = anon.get(fake_url).content.decode()
    mask = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
    assert mask.sub("", real) == mask.sub("", fake)
    response = post_now(anon, fake_url, {"code": "123456"})
    assert response.status_code == 200
    assert "That code is not right, or the time has expired" in response.content.decode()


def test_code_format_is_checked_on_the_form(anon, post_now, practitioner):
    url = hold_time(anon, post_now, practitioner)
    html = post_now(anon, url, {"code": "12ab"}).content.decode()
    assert "The code is 6 digits" in html
    assert OnlineBookingHold.objects.get().failed_attempts == 0


def test_five_wrong_codes_delete_the_hold_and_free_the_time(anon, post_now, practitioner):
    url = hold_time(anon, post_now, practitioner, "09:00")
    code = code_of(code_email())
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(online_booking.CODE_ATTEMPTS):
        post_now(anon, url, {"code": wrong})
    assert not OnlineBookingHold.objects.exists()
    assert "not right" in post_now(anon, url, {"code": code}).content.decode()
    html = anon.get(BOOK, {"type": call_type().pk, "day": MONDAY.isoformat()}).content.decode()
    assert at(MONDAY, "09:00").isoformat() in html


# --- refusals -------------------------------------------------------------------------------------


def test_form_errors_keep_what_was_typed(anon, post_now, practitioner):
    response = post_now(
        anon,
        BOOK,
        typed(call_type(), at(MONDAY, "09:00"), practitioner, email="not-an-email", phone="abc"),
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Nothing is booked yet" in html
    assert "Enter an email address like name@example.com." in html
    assert "Enter a phone number of 7 to 15 digits" in html
    assert 'value="Maren"' in html and 'value="not-an-email"' in html
    assert not OnlineBookingHold.objects.exists() and not mail.outbox


def test_a_time_not_offered_is_refused(anon, post_now, practitioner, settings):
    cases = {
        at(MONDAY, "09:05"): "not one of the free times",  # off the grid
        at(MONDAY, "12:30"): "not one of the free times",  # lunch
        timezone.now() + datetime.timedelta(hours=1): "",  # too soon (same day or notice)
    }
    for starts_at, words in cases.items():
        html = post_now(anon, BOOK, typed(call_type(), starts_at, practitioner)).content.decode()
        assert "Nothing is booked yet" in html
        assert words in html
    assert not OnlineBookingHold.objects.exists()


def test_a_follow_up_cannot_be_requested_on_the_public_page(
    anon, post_now, practitioner, follow_up
):
    html = post_now(
        anon, BOOK, typed(follow_up, at(MONDAY, "09:00"), practitioner)
    ).content.decode()
    assert "cannot be booked online: choose one from the list" in html
    assert not OnlineBookingHold.objects.exists()


def test_a_held_time_is_taken_for_the_next_person(anon, post_now, practitioner):
    hold_time(anon, post_now, practitioner, "09:00")
    html = post_now(
        Client(), BOOK, typed(call_type(), at(MONDAY, "09:00"), practitioner, email="b@example.com")
    ).content.decode()
    assert "That time was just taken" in html
    assert OnlineBookingHold.objects.count() == 1
    # and it is no longer listed
    listed = anon.get(
        BOOK, {"type": call_type().pk, "practitioner": practitioner.pk, "day": MONDAY.isoformat()}
    ).content.decode()
    assert at(MONDAY, "09:00").isoformat() not in listed
    assert at(MONDAY, "09:15").isoformat() in listed


# --- the front desk meets the hold --------------------------------------------------------------


def test_front_desk_cannot_book_or_move_over_a_hold(
    anon, post_now, practitioner, front_desk_client, follow_up
):
    hold_time(anon, post_now, practitioner, "09:00", type=assessment_type())
    until = timezone.localtime(OnlineBookingHold.objects.get().expires_at)
    patient = PatientFactory()
    response = front_desk_client.post(
        "/patients/appointments/book/",
        {
            "patient": str(patient.uuid),
            "type": follow_up.pk,
            "practitioner": practitioner.pk,
            "day": MONDAY.isoformat(),
            "start": at(MONDAY, "09:30").isoformat(),
        },
    )
    html = response.content.decode()
    assert "Nothing was booked yet" in html
    assert f"held for an online booking until {until:%H:%M}" in html
    booked = services.appointment_book(
        patient=patient,
        practitioner=practitioner,
        type=follow_up,
        starts_at=at(MONDAY, "14:00"),
        by=None,
    )
    with pytest.raises(services.SlotTaken) as refused:
        services.appointment_reschedule(
            appointment=booked, starts_at=at(MONDAY, "09:30"), practitioner=practitioner, by=None
        )
    assert refused.value.code == "held_online"
    page = front_desk_client.post(
        f"/patients/appointments/{booked.uuid}/reschedule/",
        {
            "practitioner": practitioner.pk,
            "day": MONDAY.isoformat(),
            "start": at(MONDAY, "09:30").isoformat(),
        },
    )
    assert page.status_code == 200
    assert f"held for an online booking until {until:%H:%M}" in page.content.decode()
    booked.refresh_from_db()
    assert booked.starts_at == at(MONDAY, "14:00")
    # The front desk's booking page does not list the held time.
    page = front_desk_client.get(
        "/patients/appointments/book/",
        {
            "patient": str(patient.uuid),
            "type": follow_up.pk,
            "practitioner": practitioner.pk,
            "day": MONDAY.isoformat(),
        },
    )
    assert at(MONDAY, "09:30").isoformat() not in page.content.decode()
    assert at(MONDAY, "10:00").isoformat() in page.content.decode()


# --- expiry ---------------------------------------------------------------------------------------


def test_an_expired_hold_frees_the_time_and_leaves_nothing_typed(anon, post_now, practitioner):
    url = hold_time(anon, post_now, practitioner, "09:00")
    code = code_of(code_email())
    OnlineBookingHold.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    listed = anon.get(
        BOOK, {"type": call_type().pk, "practitioner": practitioner.pk, "day": MONDAY.isoformat()}
    ).content.decode()
    assert at(MONDAY, "09:00").isoformat() in listed
    assert not OnlineBookingHold.objects.exists()
    assert (
        "That code is not right, or the time has expired"
        in post_now(anon, url, {"code": code}).content.decode()
    )
    assert not Appointment.objects.exists()
    # Nothing typed is left anywhere: no hold, no patient, rate-limit rows hold keyed hashes.
    from django.db import connection

    with connection.cursor() as cursor:
        for value in ("Ostrowski", "604-555-0199", "maren.ostrowski@example.com"):
            cursor.execute(
                "SELECT count(*) FROM patients_onlinebookinghold h WHERE h::text ILIKE %s",
                [f"%{value}%"],
            )
            assert cursor.fetchone()[0] == 0
            cursor.execute(
                "SELECT count(*) FROM patients_patient p WHERE p::text ILIKE %s", [f"%{value}%"]
            )
            assert cursor.fetchone()[0] == 0
            cursor.execute(
                "SELECT count(*) FROM accounts_ratelimithit r WHERE r::text ILIKE %s",
                [f"%{value}%"],
            )
            assert cursor.fetchone()[0] == 0
    assert RateLimitHit.objects.exists()


def test_expired_holds_are_deleted_by_the_command(anon, post_now, practitioner):
    from django.core.management import call_command

    hold_time(anon, post_now, practitioner, "09:00")
    hold_time(Client(), post_now, practitioner, "10:00")
    OnlineBookingHold.objects.filter(starts_at=at(MONDAY, "09:00")).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    call_command("expire_online_holds")
    assert list(OnlineBookingHold.objects.values_list("starts_at", flat=True)) == [
        at(MONDAY, "10:00")
    ]


def test_a_new_request_replaces_an_expired_hold_of_the_same_time(anon, post_now, practitioner):
    hold_time(anon, post_now, practitioner, "09:00")
    OnlineBookingHold.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    # Straight to the service: the page's own clean-up is not what lets it through.
    hold = online_booking.online_hold_request(
        type=call_type(),
        practitioner=practitioner,
        starts_at=at(MONDAY, "09:00"),
        first_name="Ada",
        last_name="Lind",
        phone="604-555-0123",
        email="ada@example.com",
    )
    assert list(OnlineBookingHold.objects.all()) == [hold]


# --- abuse ----------------------------------------------------------------------------------------


def test_the_honeypot_looks_like_success_and_stores_nothing(anon, post_now, practitioner):
    response = post_now(
        anon, BOOK, typed(call_type(), at(MONDAY, "09:00"), practitioner, website="http://spam")
    )
    assert response.status_code == 302
    assert re.fullmatch(r"/book/confirm/[0-9a-f-]{36}/", response["Location"])
    assert not OnlineBookingHold.objects.exists() and not mail.outbox
    assert not RateLimitHit.objects.exists()
    page = anon.get(response["Location"]).content.decode()
    assert "We emailed a 6-digit code" in page


def test_requests_are_limited_per_email(anon, post_now, practitioner, settings):
    settings.ONLINE_BOOKING_RATE_PER_EMAIL = 2
    hold_time(anon, post_now, practitioner, "09:00")
    hold_time(Client(), post_now, practitioner, "10:00")
    response = post_now(Client(), BOOK, typed(call_type(), at(MONDAY, "11:00"), practitioner))
    assert response.status_code == 429
    html = response.content.decode()
    assert "Too many booking requests" in html and "604-555-0111" in html
    assert 'value="Maren"' in html
    assert OnlineBookingHold.objects.count() == 2 and len(mail.outbox) == 2
    # Another address from the same place is still fine.
    hold_time(Client(), post_now, practitioner, "11:00", email="other@example.com")


def test_requests_are_limited_per_ip(anon, post_now, practitioner, settings):
    settings.ONLINE_BOOKING_RATE_PER_IP = 2
    hold_time(anon, post_now, practitioner, "09:00", email="a@example.com")
    hold_time(anon, post_now, practitioner, "10:00", email="b@example.com")
    response = post_now(
        anon, BOOK, typed(call_type(), at(MONDAY, "11:00"), practitioner, email="c@example.com")
    )
    assert response.status_code == 429
    assert OnlineBookingHold.objects.count() == 2
    other = Client(REMOTE_ADDR="203.0.113.9")
    hold_time(other, post_now, practitioner, "11:00", email="c@example.com")


def test_code_attempts_are_limited_per_ip(anon, post_now, practitioner, settings):
    settings.ONLINE_BOOKING_RATE_PER_IP = 1  # 5 code attempts from one address
    url = hold_time(anon, post_now, practitioner, "09:00")
    code = code_of(code_email())
    for n in range(online_booking.CODE_ATTEMPTS):
        post_now(anon, f"/book/confirm/00000000-0000-4000-8000-00000000000{n}/", {"code": "123456"})
    response = post_now(anon, url, {"code": code})
    assert response.status_code == 429
    assert "Too many codes tried from here" in response.content.decode()
    assert not Appointment.objects.exists()


# --- matching and duplicates ----------------------------------------------------------------------


def confirm_latest(anon, post_now, url):
    return post_now(anon, url, {"code": code_of(code_email())})


def test_an_existing_patient_with_that_email_and_last_name_is_booked(anon, post_now, practitioner):
    existing = PatientFactory(
        first_name="Marenka", last_name="Óstrowski", email="Maren.Ostrowski@Example.com"
    )
    url = hold_time(anon, post_now, practitioner, "09:00", last_name="ostrowski")
    assert confirm_latest(anon, post_now, url).status_code == 302
    appointment = Appointment.objects.get()
    assert appointment.patient == existing
    assert Patient.objects.count() == 1
    existing.refresh_from_db()
    assert existing.first_name == "Marenka"  # nothing changed on the record
    assert existing.phone != "604-555-0199"
    assert appointment.notes == (
        "Phone given when booking online: 604-555-0199 (not on the record)."
    )


def test_same_email_other_last_name_is_a_new_record_flagged_not_merged(
    anon, post_now, practitioner, front_desk_client
):
    existing = PatientFactory(last_name="Nakamura", email="maren.ostrowski@example.com")
    url = hold_time(anon, post_now, practitioner, "09:00")
    assert confirm_latest(anon, post_now, url).status_code == 302
    appointment = Appointment.objects.get()
    new = appointment.patient
    assert new != existing and Patient.objects.count() == 2
    flag = PossibleDuplicateFlag.objects.get()
    assert (flag.patient, flag.other, flag.reasons) == (new, existing, "same email")
    page = front_desk_client.get(f"/patients/{new.uuid}/").content.decode()
    assert "Possible duplicate" in page and "booked online: check before the visit" in page
    assert f"/patients/{existing.uuid}/" in page
    assert "Booked online" in page  # in the list of appointments
    page = front_desk_client.get(f"/patients/appointments/{appointment.uuid}/").content.decode()
    assert "Possible duplicate" in page and f"/patients/{existing.uuid}/" in page
    assert "Booked online" in page
    # Checked: the flag goes, both records stay.
    response = front_desk_client.post(f"/patients/{new.uuid}/duplicates-checked/")
    assert response.status_code == 302
    assert not PossibleDuplicateFlag.objects.exists()
    assert Patient.objects.active().count() == 2


def test_same_phone_is_flagged(anon, post_now, practitioner):
    # The same name too, and no date of birth on either: two unknown birth dates are no match.
    existing = PatientFactory(
        first_name="Maren",
        last_name="Ostrowski",
        date_of_birth=None,
        phone="(604) 555-0199",
        email="x@example.com",
    )
    url = hold_time(anon, post_now, practitioner, "09:00")
    confirm_latest(anon, post_now, url)
    flag = PossibleDuplicateFlag.objects.get()
    assert (flag.other, flag.reasons) == (existing, "same phone")


def test_every_refusal_at_confirmation_reads_the_same(
    anon, post_now, practitioner, second_practitioner
):
    # A matched patient who already has an appointment then (with someone else) ...
    existing = PatientFactory(last_name="Ostrowski", email="maren.ostrowski@example.com")
    AppointmentFactory(
        patient=existing,
        practitioner=second_practitioner,
        type=call_type(),
        starts_at=at(MONDAY, "09:00"),
        ends_at=at(MONDAY, "09:10"),
    )
    url = hold_time(anon, post_now, practitioner, "09:00")
    first = confirm_latest(anon, post_now, url)
    # ... and a stranger whose practitioner went away meanwhile.
    other = Client()
    url = hold_time(other, post_now, practitioner, "10:00", email="z@example.com", last_name="Z")
    TimeOff.objects.create(
        practitioner=practitioner, starts_at=at(MONDAY, "10:00"), ends_at=at(MONDAY, "11:00")
    )
    second = confirm_latest(other, post_now, url)
    assert first.status_code == second.status_code == 200
    mask = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
    assert mask.sub("", first.content.decode()) == mask.sub("", second.content.decode())
    assert online_booking.no_longer_available() in first.content.decode()
    assert Appointment.objects.count() == 1  # the one arranged above
    assert not OnlineBookingHold.objects.exists()
    assert Patient.objects.count() == 1  # the stranger's record was not kept


# --- emails ---------------------------------------------------------------------------------------


def test_no_intake_link_for_a_patient_already_assessed(anon, post_now, practitioner):
    existing = PatientFactory(last_name="Ostrowski", email="maren.ostrowski@example.com")
    AppointmentFactory(
        patient=existing,
        practitioner=practitioner,
        type=assessment_type(),
        status="completed",
        starts_at=at(MONDAY - datetime.timedelta(days=14), "09:00"),
        ends_at=at(MONDAY - datetime.timedelta(days=14), "10:00"),
    )
    url = hold_time(anon, post_now, practitioner, "11:00")
    confirm_latest(anon, post_now, url)
    confirmation = mail.outbox[-1]
    assert confirmation.subject.startswith("Booked:")
    assert "/intake/" not in confirmation.body


# --- the front desk sees it -----------------------------------------------------------------------


def test_schedule_and_week_mark_online_bookings(anon, post_now, practitioner, front_desk_client):
    url = hold_time(anon, post_now, practitioner, "09:00")
    day = front_desk_client.get("/patients/schedule/", {"day": MONDAY.isoformat()})
    assert "Held online, unconfirmed" in day.content.decode()
    confirm_latest(anon, post_now, url)
    day = front_desk_client.get("/patients/schedule/", {"day": MONDAY.isoformat()})
    assert "Booked online" in day.content.decode()
    week = front_desk_client.get(
        f"/patients/schedule/week/{practitioner.pk}/", {"day": MONDAY.isoformat()}
    )
    assert "Booked online" in week.content.decode()


def test_only_clinic_staff_mark_duplicates_checked(
    patient_client, client, own_patient, physio_client
):
    other = PatientFactory(email="same@example.com")
    flagged = PatientFactory(email="same@example.com")
    PossibleDuplicateFlag.objects.create(patient=flagged, other=other, reasons="same email")
    url = f"/patients/{flagged.uuid}/duplicates-checked/"
    assert patient_client.post(url).status_code == 404
    response = client.post(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert physio_client.get(url).status_code == 405
    assert PossibleDuplicateFlag.objects.count() == 1
    assert physio_client.post(url).status_code == 302
    assert not PossibleDuplicateFlag.objects.exists()


def test_the_service_says_which_rule_refused(practitioner, settings, initial_assessment):
    call = call_type()
    common = {
        "first_name": "Ada",
        "last_name": "Lind",
        "phone": "604-555-0123",
        "email": "ada@example.com",
    }

    def refusal(**kwargs):
        with pytest.raises(ValidationError) as refused:
            online_booking.online_hold_request(**{**common, **kwargs})
        return refused.value.code, " ".join(refused.value.messages)

    far = at(timezone.localdate() + datetime.timedelta(days=90), "09:00")
    assert refusal(type=call, practitioner=practitioner, starts_at=far)[0] == "too_far"
    soon = timezone.now() + datetime.timedelta(hours=1)
    assert refusal(type=call, practitioner=practitioner, starts_at=soon)[0] == "too_soon"
    assessment = assessment_type()
    assessment.online_booking = False
    assessment.save()
    code, message = refusal(
        type=assessment, practitioner=practitioner, starts_at=at(MONDAY, "9:00")
    )
    assert code == "not_online" and "604-555-0111" in message
    practitioner.online_booking = False
    practitioner.save()
    code, message = refusal(type=call, practitioner=practitioner, starts_at=at(MONDAY, "9:00"))
    assert code == "not_online" and "cannot be booked online" in message
    practitioner.online_booking = True
    practitioner.save()
    TimeOff.objects.create(
        practitioner=practitioner, starts_at=at(MONDAY, "08:00"), ends_at=at(MONDAY, "12:00")
    )
    code, message = refusal(type=call, practitioner=practitioner, starts_at=at(MONDAY, "9:00"))
    assert (code, message) == ("outside_hours", online_booking.NOT_FREE)
    AppointmentFactory(
        practitioner=practitioner,
        type=call,
        starts_at=at(MONDAY, "14:00"),
        ends_at=at(MONDAY, "14:10"),
    )
    code, message = refusal(type=call, practitioner=practitioner, starts_at=at(MONDAY, "14:05"))
    assert code == "outside_hours"  # off the 15-minute grid
    code, message = refusal(type=call, practitioner=practitioner, starts_at=at(MONDAY, "14:00"))
    assert (code, message) == ("slot_taken", online_booking.TAKEN)
    code, _ = refusal(type=call, practitioner=None, starts_at=at(MONDAY, "14:00"))
    assert code == "slot_taken"
    settings.ONLINE_BOOKING_ENABLED = False
    assert refusal(type=call, practitioner=practitioner, starts_at=at(MONDAY, "15:00"))[0] == (
        "online_off"
    )
    assert not OnlineBookingHold.objects.exists() and not mail.outbox


def test_a_link_with_only_the_day_shows_the_first_type_without_a_message(anon, practitioner):
    response = anon.get(BOOK, {"day": MONDAY.isoformat()})
    assert response.status_code == 200
    assert response.context["type"] == call_type()
    assert response.context["notes"] == []
    assert response.context["day"] == MONDAY


def test_settings_that_leave_no_day_say_to_call(anon, settings, practitioner):
    settings.ONLINE_BOOKING_DAYS_AHEAD = 0
    settings.ONLINE_BOOKING_SAME_DAY = False
    settings.ONLINE_BOOKING_MIN_NOTICE_HOURS = 0
    response = anon.get(BOOK)
    assert response.status_code == 200
    assert "No appointment can be booked online at the moment" in response.content.decode()
