"""Issue 10: the patient is emailed a booking's confirmation, its cancellation (by the clinic or
online) and its new time, each with a calendar file of one stable UID and a rising SEQUENCE; a
patient's online cancellation is emailed to the clinic when CLINIC_NOTIFY_EMAIL is set. Nothing
is sent before the change commits, nothing to a patient without an email, and the page says so."""

import datetime

import icalendar
import pytest
from django.core import mail
from django.utils import timezone

from patients import services
from patients.models import AppointmentStatus
from tests.factories import AppointmentFactory, PatientFactory
from tests.scheduling import *  # noqa: F403 (fixtures)
from tests.scheduling import at, future_day
from tests.support import reload_reference_data

pytestmark = pytest.mark.django_db

BOOK = "/patients/appointments/book/"
MONDAY = future_day(0)


@pytest.fixture(autouse=True)
def _clinic(settings):
    settings.CLINIC_NAME = "Harbourside Physio"
    settings.CLINIC_PHONE = "604-555-0111"
    settings.CLINIC_ADDRESS = "O'Neil & Co Building, 12 Quay St"
    settings.CLINIC_NOTIFY_EMAIL = ""


@pytest.fixture
def committed(transactional_db):
    """Real commits, as in production (no ATOMIC_REQUESTS): the emails leave when the service's
    transaction commits, before the view writes its message, so the message can say "emailed"."""
    reload_reference_data()  # a transactional test starts from a flushed database


@pytest.fixture
def patient(db):
    return PatientFactory(first_name="Ines", last_name="O'Brien & Co", email="ines@example.com")


def calendar_of(message):
    ((name, content, mimetype),) = message.attachments
    assert name == "appointment.ics" and mimetype == "text/calendar"
    calendar = icalendar.Calendar.from_ical(content)
    (event,) = calendar.walk("VEVENT")
    return calendar, event


def book(client, patient, practitioner, type, hhmm="09:00"):
    return client.post(
        BOOK,
        {
            "patient": str(patient.uuid),
            "type": type.pk,
            "practitioner": practitioner.pk,
            "day": f"{MONDAY:%Y-%m-%d}",
            "start": at(MONDAY, hhmm).isoformat(),
        },
        follow=True,
    )


def booked(patient, practitioner, type, hhmm="09:00"):
    starts_at = at(MONDAY, hhmm)
    return AppointmentFactory(
        patient=patient, practitioner=practitioner, type=type, starts_at=starts_at
    )


# --- Confirmation -----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_booking_emails_the_patient_a_confirmation_with_the_ics(
    committed, front_desk_client, patient, practitioner, follow_up
):
    response = book(front_desk_client, patient, practitioner, follow_up)
    (message,) = mail.outbox
    appointment = patient.appointments.get()
    assert message.to == ["ines@example.com"]
    assert message.subject.startswith("Booked: Follow-up IASTR at Harbourside Physio")
    body = message.body
    assert "Hello Ines," in body and "09:00 to 09:30" in body and "Alex Moreau, PT" in body
    assert "604-555-0111" in body and "O'Neil & Co Building, 12 Quay St" in body
    assert "&amp;" not in body and "&#x27;" not in body  # plain text, not HTML-escaped
    assert "O'Brien" not in body  # no more of the patient than the greeting
    calendar, event = calendar_of(message)
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert str(event["UID"]) == f"{appointment.uuid}@revere"
    assert int(event["SEQUENCE"]) == 0
    assert event.decoded("DTSTART") == at(MONDAY, "09:00").astimezone(datetime.UTC)
    assert event.decoded("DTSTART").utcoffset() == datetime.timedelta(0)
    assert "The patient was emailed the confirmation." in response.content.decode()


def test_nothing_is_sent_before_the_booking_commits(
    front_desk_client, patient, practitioner, follow_up, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        book(front_desk_client, patient, practitioner, follow_up)
    assert mail.outbox == [] and len(callbacks) == 1


def test_a_refused_booking_sends_nothing(
    front_desk_client, patient, practitioner, follow_up, django_capture_on_commit_callbacks
):
    booked(PatientFactory(), practitioner, follow_up)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        book(front_desk_client, patient, practitioner, follow_up)
    assert callbacks == [] and mail.outbox == []


def test_a_patient_without_email_gets_none_and_the_page_says_so(
    front_desk_client, practitioner, follow_up, django_capture_on_commit_callbacks
):
    patient = PatientFactory(email="")
    with django_capture_on_commit_callbacks(execute=True):
        response = book(front_desk_client, patient, practitioner, follow_up)
    assert mail.outbox == []
    html = response.content.decode()
    assert "No email on file: tell the patient by phone." in html
    assert "emailed" not in html


@pytest.mark.django_db(transaction=True)
def test_a_failed_send_is_told_truthfully(
    committed,
    front_desk_client,
    patient,
    practitioner,
    follow_up,
    settings,
):
    settings.EMAIL_BACKEND = "tests.test_booking_emails.BrokenBackend"
    response = book(front_desk_client, patient, practitioner, follow_up)
    html = response.content.decode()
    assert "The confirmation email could not be sent: tell the patient by phone." in html
    assert patient.appointments.get().status == AppointmentStatus.BOOKED


class BrokenBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("no mail server")


# --- Cancellation -----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_cancellation_by_the_clinic_emails_the_patient_a_cancel_ics(
    committed,
    front_desk_client,
    patient,
    practitioner,
    follow_up,
    settings,
):
    settings.CLINIC_NOTIFY_EMAIL = "desk@example.com"
    appointment = booked(patient, practitioner, follow_up)
    response = front_desk_client.post(
        f"/patients/appointments/{appointment.uuid}/status/",
        {"status": "cancelled", "reason": "Physio unwell"},
        follow=True,
    )
    (message,) = mail.outbox  # the clinic is not emailed about its own cancellation
    assert message.to == ["ines@example.com"]
    assert message.subject.startswith("Cancelled: Follow-up IASTR at Harbourside Physio")
    assert "is cancelled:" in message.body and "Physio unwell" not in message.body
    calendar, event = calendar_of(message)
    assert str(calendar["METHOD"]) == "CANCEL"
    assert str(event["STATUS"]) == "CANCELLED"
    assert str(event["UID"]) == f"{appointment.uuid}@revere"
    assert int(event["SEQUENCE"]) == 1
    assert event.decoded("DTSTART") == at(MONDAY, "09:00").astimezone(datetime.UTC)
    assert "The patient was emailed the cancellation." in response.content.decode()


def test_a_clinic_cancellation_without_patient_email_says_call(
    front_desk_client, practitioner, follow_up, django_capture_on_commit_callbacks
):
    appointment = booked(PatientFactory(email=""), practitioner, follow_up)
    with django_capture_on_commit_callbacks(execute=True):
        response = front_desk_client.post(
            f"/patients/appointments/{appointment.uuid}/status/",
            {"status": "cancelled", "reason": "Physio unwell"},
            follow=True,
        )
    assert mail.outbox == []
    assert "No email on file: tell the patient by phone." in response.content.decode()


def test_other_status_changes_send_nothing(
    front_desk_client, patient, practitioner, follow_up, django_capture_on_commit_callbacks
):
    appointment = booked(patient, practitioner, follow_up)
    with django_capture_on_commit_callbacks(execute=True):
        response = front_desk_client.post(
            f"/patients/appointments/{appointment.uuid}/status/",
            {"status": "arrived"},
            follow=True,
        )
    assert mail.outbox == [] and "emailed" not in response.content.decode()


def _portal_cancel(client, appointment, capture):
    with capture(execute=True):
        return client.post(
            f"/portal/appointments/{appointment.uuid}/cancel/", {"reason": "Sore"}, follow=True
        )


def _in_two_days(patient, practitioner, type):
    starts_at = (timezone.now() + datetime.timedelta(hours=48)).replace(microsecond=0)
    return AppointmentFactory(
        patient=patient, practitioner=practitioner, type=type, starts_at=starts_at
    )


@pytest.mark.django_db(transaction=True)
def test_an_online_cancellation_emails_the_patient_and_the_clinic(
    committed,
    patient_client,
    own_patient,
    practitioner,
    follow_up,
    settings,
    front_desk_client,
):
    settings.CLINIC_NOTIFY_EMAIL = "desk@example.com"
    own_patient.email = "olive@example.com"
    own_patient.save()
    appointment = _in_two_days(own_patient, practitioner, follow_up)
    response = patient_client.post(
        f"/portal/appointments/{appointment.uuid}/cancel/", {"reason": "Sore"}, follow=True
    )
    to_patient, to_clinic = sorted(mail.outbox, key=lambda m: m.to != ["olive@example.com"])
    assert to_patient.to == ["olive@example.com"]
    assert "is cancelled, as you asked:" in to_patient.body
    calendar, event = calendar_of(to_patient)
    assert str(calendar["METHOD"]) == "CANCEL"
    assert str(event["UID"]) == f"{appointment.uuid}@revere" and int(event["SEQUENCE"]) == 1
    assert event.decoded("DTSTART") == appointment.starts_at.astimezone(datetime.UTC)
    assert to_clinic.to == ["desk@example.com"]
    assert to_clinic.subject.startswith("Cancelled online by the patient:")
    assert "Olive Owner" in to_clinic.body and "Sore" not in to_clinic.body
    assert to_clinic.attachments == []
    html = response.content.decode()
    assert "We emailed you a confirmation." in html
    assert "The clinic has been told by email." in html
    # The schedule marks it.
    schedule = front_desk_client.get(
        f"/patients/schedule/?day={timezone.localtime(appointment.starts_at):%Y-%m-%d}"
    ).content.decode()
    assert "Cancelled online by the patient" in schedule


def test_without_a_clinic_address_the_portal_does_not_claim_the_clinic_was_emailed(
    patient_client, own_patient, practitioner, follow_up, django_capture_on_commit_callbacks
):
    own_patient.email = ""
    own_patient.save()
    appointment = _in_two_days(own_patient, practitioner, follow_up)
    response = _portal_cancel(patient_client, appointment, django_capture_on_commit_callbacks)
    assert mail.outbox == []
    html = response.content.decode()
    assert "Your appointment is cancelled." in html
    assert "has been told" not in html and "emailed" not in html
    assert "The clinic sees the cancellation on its schedule." in html


def test_a_cancellation_the_desk_records_for_the_patient_is_not_online(
    front_desk_client,
    patient,
    practitioner,
    follow_up,
    settings,
    django_capture_on_commit_callbacks,
):
    settings.CLINIC_NOTIFY_EMAIL = "desk@example.com"
    appointment = booked(patient, practitioner, follow_up)
    with django_capture_on_commit_callbacks(execute=True):
        front_desk_client.post(
            f"/patients/appointments/{appointment.uuid}/status/",
            {"status": "cancelled", "reason": "Called in", "by_patient": "on"},
        )
    assert [m.to for m in mail.outbox] == [["ines@example.com"]]
    page = front_desk_client.get(f"/patients/schedule/?day={MONDAY:%Y-%m-%d}").content.decode()
    assert "by the patient" in page and "Cancelled online by the patient" not in page


# --- Reschedule -------------------------------------------------------------------------------


def test_a_reschedule_emails_the_new_time_with_the_same_uid_and_a_higher_sequence(
    patient, practitioner, follow_up, front_desk, django_capture_on_commit_callbacks
):
    appointment = booked(patient, practitioner, follow_up)
    with django_capture_on_commit_callbacks(execute=True):
        services.appointment_reschedule(
            appointment=appointment,
            starts_at=at(MONDAY, "14:00"),
            practitioner=practitioner,
            by=front_desk,
        )
    (message,) = mail.outbox
    assert message.to == ["ines@example.com"]
    assert message.subject.startswith("Moved: your Follow-up IASTR at Harbourside Physio is now")
    assert "It was on" in message.body and "at 09:00; it is now:" in message.body
    assert "14:00 to 14:30" in message.body
    calendar, event = calendar_of(message)
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert str(event["UID"]) == f"{appointment.uuid}@revere"
    assert int(event["SEQUENCE"]) == 1
    assert event.decoded("DTSTART") == at(MONDAY, "14:00").astimezone(datetime.UTC)


def test_each_change_raises_the_sequence(
    patient, practitioner, follow_up, front_desk, django_capture_on_commit_callbacks
):
    appointment = booked(patient, practitioner, follow_up)
    with django_capture_on_commit_callbacks(execute=True):
        for hhmm in ("10:00", "11:00"):
            services.appointment_reschedule(
                appointment=appointment,
                starts_at=at(MONDAY, hhmm),
                practitioner=practitioner,
                by=front_desk,
            )
        services.appointment_set_status(
            appointment=appointment, status="cancelled", by=front_desk, reason="x"
        )
    sequences = [int(calendar_of(m)[1]["SEQUENCE"]) for m in mail.outbox]
    uids = {str(calendar_of(m)[1]["UID"]) for m in mail.outbox}
    assert sequences == [1, 2, 3] and uids == {f"{appointment.uuid}@revere"}
