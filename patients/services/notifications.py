"""Emails about an appointment's changes: to the patient (booked, moved, cancelled, each with its
calendar file) and to the clinic (a patient's online cancellation).

Each is sent only once the transaction that made the change commits (transaction.on_commit), so
a change rolled back sends nothing. The returned Notice says, once the transaction has
committed, what really happened, so a page tells the truth ("emailed", "no email on file").
No clinical details in any email, and only the appointment's uuid in the logs.
"""

import dataclasses
import datetime
import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import dateformat, timezone

from patients.models import Appointment, BookingSource
from patients.services.reminders import appointment_ics

logger = logging.getLogger("revere.notifications")

# Outcomes of one email.
NO_ADDRESS = "no_address"  # nobody to send it to: nothing sent
PENDING = "pending"  # waiting for the transaction to commit
SENT = "sent"
FAILED = "failed"


@dataclasses.dataclass
class Notice:
    patient: str = NO_ADDRESS
    clinic: str = NO_ADDRESS

    def patient_message(self, what: str) -> str:
        """The sentence a staff page shows about the patient's email ``what``."""
        return {
            NO_ADDRESS: "No email on file: tell the patient by phone.",
            PENDING: f"The patient will be emailed the {what}.",
            SENT: f"The patient was emailed the {what}.",
            FAILED: f"The {what} email could not be sent: tell the patient by phone.",
        }[self.patient]


def _context(appointment: Appointment, **extra) -> dict:
    return {
        "appointment": appointment,
        "patient": appointment.patient,
        "starts_at": timezone.localtime(appointment.starts_at),
        "ends_at": timezone.localtime(appointment.ends_at),
        "has_portal": appointment.patient.user_id is not None,
        "cancel_hours": settings.PORTAL_CANCEL_HOURS,
        "clinic_name": settings.CLINIC_NAME,
        "clinic_phone": settings.CLINIC_PHONE,
        "clinic_address": settings.CLINIC_ADDRESS,
        **extra,
    }


def _when(instant: datetime.datetime) -> str:
    local = timezone.localtime(instant)
    return f"{dateformat.format(local, 'l j F')} at {local:%H:%M}"


def _send_on_commit(message: EmailMessage, notice: Notice, field: str, appointment_uuid, kind):
    setattr(notice, field, PENDING)

    def send():
        try:
            message.send()
        except Exception:
            logger.exception(
                "%s email for appointment %s could not be sent", kind, appointment_uuid
            )
            setattr(notice, field, FAILED)
        else:
            logger.info("%s email sent for appointment %s", kind, appointment_uuid)
            setattr(notice, field, SENT)

    transaction.on_commit(send)


def _to_patient(appointment, notice, *, kind, subject, template, method, **extra) -> None:
    patient = appointment.patient
    if not patient.email or patient.archived_at is not None:
        return
    message = EmailMessage(
        subject=subject,
        body=render_to_string(template, _context(appointment, **extra)),
        to=[patient.email],
    )
    message.attach("appointment.ics", appointment_ics(appointment, method=method), "text/calendar")
    _send_on_commit(message, notice, "patient", appointment.uuid, kind)


def notify_booked(appointment: Appointment, *, intake_url: str = "") -> Notice:
    """The booking confirmation, with the .ics; ``intake_url`` (absolute) adds the intake form's
    link (issue 13). A booking made on the public page (source "online") greets nobody by name
    and says nothing of a portal login: it shows nothing the person did not type themselves."""
    notice = Notice()
    online = appointment.source == BookingSource.ONLINE
    extra = {"intake_url": intake_url, "online": online}
    if online:
        extra["has_portal"] = False
    _to_patient(
        appointment,
        notice,
        kind="Confirmation",
        subject=f"Booked: {appointment.type.name} at {settings.CLINIC_NAME}, "
        f"{_when(appointment.starts_at)}",
        template="patients/email/appointment_booked.txt",
        method="PUBLISH",
        **extra,
    )
    return notice


def notify_rescheduled(appointment: Appointment, *, previous_starts_at) -> Notice:
    """The new time, with an .ics of the same UID and a higher SEQUENCE."""
    notice = Notice()
    _to_patient(
        appointment,
        notice,
        kind="Reschedule",
        subject=f"Moved: your {appointment.type.name} at {settings.CLINIC_NAME} is now "
        f"{_when(appointment.starts_at)}",
        template="patients/email/appointment_rescheduled.txt",
        method="PUBLISH",
        previous_starts_at=timezone.localtime(previous_starts_at),
    )
    return notice


def notify_cancelled(appointment: Appointment) -> Notice:
    """The cancellation, by the clinic or by the patient, with a METHOD:CANCEL .ics; a patient's
    online cancellation is also emailed to CLINIC_NOTIFY_EMAIL when it is set. The one hook of
    every cancellation: the status-change service calls it."""
    notice = Notice()
    _to_patient(
        appointment,
        notice,
        kind="Cancellation",
        subject=f"Cancelled: {appointment.type.name} at {settings.CLINIC_NAME}, "
        f"{_when(appointment.starts_at)}",
        template="patients/email/appointment_cancelled.txt",
        method="CANCEL",
    )
    if appointment.cancelled_online and settings.CLINIC_NOTIFY_EMAIL:
        message = EmailMessage(
            subject=f"Cancelled online by the patient: {_when(appointment.starts_at)} with "
            f"{appointment.practitioner}",
            body=render_to_string(
                "patients/email/clinic_cancelled_online.txt", _context(appointment)
            ),
            to=[settings.CLINIC_NOTIFY_EMAIL],
        )
        _send_on_commit(message, notice, "clinic", appointment.uuid, "Clinic cancellation")
    return notice
