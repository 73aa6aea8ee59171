"""Appointment reminders by email, with a calendar file."""

import datetime
import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import dateformat, timezone

from patients.models import (
    Appointment,
)

# --- Reminders --------------------------------------------------------------------------------

logger = logging.getLogger("revere.reminders")


def _ics_text(value: str) -> str:
    """RFC 5545 TEXT escaping."""
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def _ics_fold(line: str) -> list[str]:
    """Lines longer than 75 octets continue on the next line after a space (RFC 5545 3.1)."""
    parts, current = [], ""
    for char in line:
        limit = 75 if not parts else 74
        if len((current + char).encode()) > limit:
            parts.append(current)
            current = char
        else:
            current += char
    parts.append(current)
    return [parts[0]] + [" " + part for part in parts[1:]]


def appointment_ics(
    appointment: Appointment, *, now: datetime.datetime | None = None, method: str = "PUBLISH"
) -> str:
    """A one-event iCalendar file (METHOD:PUBLISH, or CANCEL to take it off the calendar) with
    times in UTC and CRLF line endings. Its UID stays the appointment's and its SEQUENCE is the
    appointment's calendar_sequence, so a calendar replaces the earlier file of a moved or
    cancelled appointment. No patient name or birth date in it: only the appointment, the clinic
    and how to reach it."""
    if method not in ("PUBLISH", "CANCEL"):
        raise ValueError(f"Unsupported iCalendar method {method!r}")
    stamp = "%Y%m%dT%H%M%SZ"
    utc = datetime.UTC
    now = now or timezone.now()
    if appointment.type.is_phone:
        location = "By phone: the clinic calls you at the number on your file"
    else:
        location = ", ".join(filter(None, [settings.CLINIC_NAME, settings.CLINIC_ADDRESS]))
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Revere//Clinic appointments//EN",
        "CALSCALE:GREGORIAN",
        f"METHOD:{method}",
        "BEGIN:VEVENT",
        f"UID:{appointment.uuid}@revere",
        f"SEQUENCE:{appointment.calendar_sequence}",
        f"DTSTAMP:{now.astimezone(utc):{stamp}}",
        f"DTSTART:{appointment.starts_at.astimezone(utc):{stamp}}",
        f"DTEND:{appointment.ends_at.astimezone(utc):{stamp}}",
        f"SUMMARY:{_ics_text(f'{appointment.type.name} at {settings.CLINIC_NAME}')}",
        f"LOCATION:{_ics_text(location)}",
        "DESCRIPTION:"
        + _ics_text(
            f"With {appointment.practitioner}. To cancel or change, call {settings.CLINIC_PHONE}."
        ),
        "STATUS:CANCELLED" if method == "CANCEL" else "STATUS:CONFIRMED",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "".join(part + "\r\n" for line in lines for part in _ics_fold(line))


def _reminder_message(appointment: Appointment, *, now) -> EmailMessage:
    start = timezone.localtime(appointment.starts_at)
    context = {
        "appointment": appointment,
        "patient": appointment.patient,
        "starts_at": start,
        "ends_at": timezone.localtime(appointment.ends_at),
        "cancel_hours": settings.PORTAL_CANCEL_HOURS,
        "has_portal": appointment.patient.user_id is not None,
        "clinic_name": settings.CLINIC_NAME,
        "clinic_phone": settings.CLINIC_PHONE,
        "clinic_address": settings.CLINIC_ADDRESS,
    }
    message = EmailMessage(
        subject=(
            f"Reminder: {appointment.type.name} at {settings.CLINIC_NAME}, "
            f"{dateformat.format(start, 'l j F')} at {start:%H:%M}"
        ),
        body=render_to_string("patients/email/appointment_reminder.txt", context),
        to=[appointment.patient.email],
    )
    message.attach("appointment.ics", appointment_ics(appointment, now=now), "text/calendar")
    return message


def appointment_reminders_send(*, now: datetime.datetime | None = None) -> tuple[int, int]:
    """Email each patient with an address about their booked appointments starting within
    REMINDER_HOURS that were not reminded yet. Returns (sent, failed).

    Each appointment is locked (``skip_locked``: a second run at the same moment skips it),
    mailed and marked in one transaction, so a run sends each reminder once; a failed send leaves
    it unmarked for the next run.
    """
    now = now or timezone.now()
    hours = settings.REMINDER_HOURS
    due = list(
        Appointment.objects.due_for_reminder(now, hours=hours)
        .order_by("starts_at")
        .values_list("pk", flat=True)
    )
    sent = failed = 0
    for pk in due:
        try:
            with transaction.atomic():
                appointment = (
                    Appointment.objects.due_for_reminder(now, hours=hours)
                    .select_for_update(skip_locked=True, of=("self",))
                    .select_related("patient", "practitioner", "type")
                    .filter(pk=pk)
                    .first()
                )
                if appointment is None:
                    continue  # another run has it, or it changed meanwhile
                _reminder_message(appointment, now=now).send()
                appointment.reminded_at = now
                appointment.save(update_fields=["reminded_at"])
        except Exception:
            # Only the appointment's uuid: no patient name or birth date in the logs.
            logger.exception("Reminder for appointment %s could not be sent", pk)
            failed += 1
        else:
            logger.info("Reminder sent for appointment %s", appointment.uuid)
            sent += 1
    return sent, failed
