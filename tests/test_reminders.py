"""`manage.py send_reminders`: one email per appointment starting within 24 hours, with an .ics
file; never twice, not for cancelled appointments or patients without an email address."""

import datetime
import logging
import threading

import icalendar
import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.utils import timezone

from patients import services
from patients.models import Appointment, AppointmentStatus
from tests.factories import (
    AppointmentFactory,
    AppointmentTypeFactory,
    PatientFactory,
    PractitionerFactory,
)

pytestmark = pytest.mark.django_db


def soon(hours=2, **kwargs):
    starts_at = (timezone.now() + datetime.timedelta(hours=hours)).replace(microsecond=0)
    return AppointmentFactory(starts_at=starts_at, **kwargs)


def test_a_reminder_is_sent_once_however_often_the_command_runs(capsys):
    appointment = soon(patient=PatientFactory(email="ines@example.com"))
    call_command("send_reminders")
    call_command("send_reminders")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ines@example.com"]
    appointment.refresh_from_db()
    assert appointment.reminded_at is not None
    assert capsys.readouterr().out.splitlines() == ["Reminders sent: 1.", "Reminders sent: 0."]


@pytest.mark.parametrize("hours, sent", [(-1, 0), (0.05, 1), (23.9, 1), (24.1, 0), (72, 0)])
def test_only_appointments_starting_within_24_hours_are_reminded(hours, sent):
    soon(hours=hours)
    call_command("send_reminders")
    assert len(mail.outbox) == sent


def test_the_window_is_a_setting(settings):
    settings.REMINDER_HOURS = 48
    soon(hours=30)
    call_command("send_reminders")
    assert len(mail.outbox) == 1


def test_patients_without_email_and_archived_patients_are_skipped():
    soon(patient=PatientFactory(email=""))
    soon(patient=PatientFactory(archived_at=timezone.now()))
    call_command("send_reminders")
    assert mail.outbox == []


@pytest.mark.parametrize(
    "status", [AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW, AppointmentStatus.ARRIVED]
)
def test_appointments_no_longer_booked_are_skipped(status):
    extra = {}
    if status == AppointmentStatus.CANCELLED:
        extra = {"cancelled_at": timezone.now(), "cancellation_reason": "Flu"}
    soon(status=status, **extra)
    call_command("send_reminders")
    assert mail.outbox == []


def test_the_email_says_what_when_and_how_to_cancel(settings):
    settings.CLINIC_NAME = "Harbourside Physio"
    settings.CLINIC_PHONE = "604-555-0111"
    appointment = soon(
        patient=PatientFactory(first_name="Ines"),
        practitioner=PractitionerFactory(display_name="Sam O'Neil & Co, PT"),
    )
    call_command("send_reminders")
    message = mail.outbox[0]
    local = timezone.localtime(appointment.starts_at)
    assert message.subject.startswith("Reminder: Follow-up IASTR at Harbourside Physio")
    assert f"{local:%H:%M}" in message.subject
    assert "Hello Ines," in message.body
    assert "604-555-0111" in message.body
    assert "With Sam O'Neil & Co, PT" in message.body
    assert "&#x27;" not in message.body and "&amp;" not in message.body  # plain text


def _ics(message):
    (name, content, mimetype) = message.attachments[0]
    assert name == "appointment.ics" and mimetype == "text/calendar"
    return content


def test_the_ics_attachment_parses_and_its_times_are_the_appointment_in_utc(settings):
    settings.CLINIC_NAME = "Smith, Jones; Physio"
    settings.CLINIC_ADDRESS = "12 Main St, Vancouver"
    # A last name that cannot also be part of the clinic's name or the practitioner's.
    appointment = soon(hours=5, patient=PatientFactory(first_name="Ines", last_name="Quellinghoff"))
    call_command("send_reminders")
    content = _ics(mail.outbox[0])
    assert "\r\n" in content and "\n" not in content.replace("\r\n", "")
    assert "SUMMARY:Follow-up IASTR at Smith\\, Jones\\; Physio\r\n" in content
    assert f"DTSTART:{appointment.starts_at.astimezone(datetime.UTC):%Y%m%dT%H%M%SZ}" in content

    calendar = icalendar.Calendar.from_ical(content)
    assert str(calendar["METHOD"]) == "PUBLISH"
    (event,) = calendar.walk("VEVENT")
    assert event.decoded("DTSTART") == appointment.starts_at.astimezone(datetime.UTC)
    assert event.decoded("DTEND") == appointment.ends_at.astimezone(datetime.UTC)
    assert event.decoded("DTSTART").tzinfo is not None
    assert str(event["UID"]) == f"{appointment.uuid}@revere"
    assert "DTSTAMP" in event
    assert str(event["SUMMARY"]) == "Follow-up IASTR at Smith, Jones; Physio"
    assert str(event["LOCATION"]) == "Smith, Jones; Physio, 12 Main St, Vancouver"
    # No patient name or birth date in the calendar file.
    assert appointment.patient.last_name not in content


def test_a_phone_appointment_says_the_clinic_calls():
    call = AppointmentTypeFactory(name="Free 10-minute consultation call", minutes=10, mode="phone")
    soon(type=call)
    call_command("send_reminders")
    event = icalendar.Calendar.from_ical(_ics(mail.outbox[0])).walk("VEVENT")[0]
    assert str(event["LOCATION"]).startswith("By phone")


def test_long_ics_lines_are_folded_at_75_octets(settings):
    settings.CLINIC_NAME = (
        "The Very Long Named Instrument Assisted Soft Tissue Release Clinic of Vancouver"
    )
    appointment = soon()
    content = services.appointment_ics(appointment)
    assert all(len(line.encode()) <= 75 for line in content.split("\r\n"))
    event = icalendar.Calendar.from_ical(content).walk("VEVENT")[0]
    assert str(event["SUMMARY"]).endswith("Clinic of Vancouver")


def test_logs_carry_no_patient_name_or_birth_date(caplog):
    patient = PatientFactory(first_name="Marguerite", last_name="Ostrowski")
    soon(patient=patient)
    with caplog.at_level(logging.DEBUG):
        call_command("send_reminders")
    assert caplog.records  # it does log what it sent
    text = caplog.text
    assert "Marguerite" not in text and "Ostrowski" not in text
    assert str(patient.date_of_birth) not in text


class FailingBackend(BaseEmailBackend):
    def send_messages(self, messages):
        raise OSError("mail server unreachable")


def test_a_failed_send_is_not_marked_and_is_retried_next_run(settings):
    appointment = soon()
    settings.EMAIL_BACKEND = "tests.test_reminders.FailingBackend"
    with pytest.raises(CommandError, match="1 reminder"):
        call_command("send_reminders")
    appointment.refresh_from_db()
    assert appointment.reminded_at is None
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    call_command("send_reminders")
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_an_appointment_locked_by_another_run_is_skipped_not_sent_twice():
    appointment = soon()
    locked, release = threading.Event(), threading.Event()

    def other_run():
        try:
            with transaction.atomic():
                Appointment.objects.select_for_update().get(pk=appointment.pk)
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=other_run)
    thread.start()
    try:
        assert locked.wait(10)
        sent, failed = services.appointment_reminders_send()
        assert (sent, failed) == (0, 0)  # skipped at once, without waiting for the lock
    finally:
        release.set()
        thread.join(10)
    assert services.appointment_reminders_send() == (1, 0)
    assert len(mail.outbox) == 1
