"""Issue 13: no page, status, redirect or email of the public booking flow says whether the typed
name, email or phone belongs to a patient. The same flow is run for a stranger and for an
existing patient (with a portal login and a preferred name), and every answer is compared with
the tokens, codes, uuids, CSRF values and clock times masked."""

import re

import pytest
from django.core import mail
from django.test import Client

from patients import services
from patients.models import Appointment, AppointmentStatus, Patient
from tests.factories import PatientFactory, UserFactory
from tests.online import BOOK, call_type, code_of, details
from tests.scheduling import *  # noqa: F403 (fixtures)
from tests.scheduling import at, future_day

pytestmark = pytest.mark.django_db

MONDAY = future_day(0)
MASKS = [
    (re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"'), "CSRF"),
    (re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), "UUID"),
    (re.compile(r"/book/done/[^/\s\"]+/"), "/book/done/TOKEN/"),
    (re.compile(r"/intake/[^/\s\"]+/"), "/intake/TOKEN/"),
    (re.compile(r"DTSTAMP:\S+"), "DTSTAMP"),
    (re.compile(r"until [0-9]{2}:[0-9]{2}"), "until HH:MM"),
]


def masked(text: str, code: str = "") -> str:
    if code:
        text = text.replace(code, "CODE")
    for pattern, replacement in MASKS:
        text = pattern.sub(replacement, text)
    return text


def run_flow(django_capture_on_commit_callbacks) -> list:
    """Every answer of one booking, from the first page to the done page, and the emails."""
    client = Client()
    mail.outbox.clear()
    seen = []

    def record(response, code=""):
        seen.append(
            (
                response.status_code,
                masked(response.get("Location", ""), code),
                masked(response.content.decode(), code),
            )
        )
        return response

    call = call_type()
    record(client.get(BOOK, {"type": call.pk, "day": MONDAY.isoformat()}))
    with django_capture_on_commit_callbacks(execute=True):
        posted = record(client.post(BOOK, details(call, at(MONDAY, "09:00"))))
    code = code_of(mail.outbox[-1])
    confirm = posted["Location"]
    record(client.get(confirm), code)
    wrong = "000000" if code != "000000" else "111111"
    record(client.post(confirm, {"code": wrong}), code)
    with django_capture_on_commit_callbacks(execute=True):
        done = record(client.post(confirm, {"code": code}), code)
    record(client.get(done["Location"]), code)
    emails = [
        (
            masked(m.subject, code),
            masked(m.body, code),
            m.to,
            [(name, masked(str(content)), kind) for name, content, kind in m.attachments],
        )
        for m in mail.outbox
    ]
    return seen, emails


def test_a_stranger_and_an_existing_patient_see_exactly_the_same(
    practitioner, django_capture_on_commit_callbacks, settings
):
    settings.ONLINE_BOOKING_RATE_PER_IP = 1000
    settings.ONLINE_BOOKING_RATE_PER_EMAIL = 1000
    stranger_pages, stranger_emails = run_flow(django_capture_on_commit_callbacks)
    first = Appointment.objects.get()
    # Free the time and the address again: the stranger's record is archived (never matched),
    # the appointment cancelled.
    services.appointment_set_status(
        appointment=first, status=AppointmentStatus.CANCELLED, by=None, reason="Test"
    )
    services.patient_archive(patient=first.patient, by=None)

    existing = PatientFactory(
        first_name="Marenka",
        preferred_name="Mara",
        last_name="Ostrowski",
        email="maren.ostrowski@example.com",
        phone="250-555-0000",
        user=UserFactory(username="maren.ostrowski@example.com", role="patient"),
    )
    patient_pages, patient_emails = run_flow(django_capture_on_commit_callbacks)
    second = Appointment.objects.filter(status=AppointmentStatus.BOOKED).get()
    assert second.patient == existing  # matched, not a new record
    assert Patient.objects.filter(archived_at__isnull=True).count() == 1

    assert [status for status, _, _ in stranger_pages] == [200, 302, 200, 200, 302, 200]
    for (a_status, a_location, a_html), (b_status, b_location, b_html) in zip(
        stranger_pages, patient_pages, strict=True
    ):
        assert (a_status, a_location) == (b_status, b_location)
        assert a_html == b_html
    assert len(stranger_emails) == 2  # the code, the confirmation with its calendar file
    assert stranger_emails == patient_emails
    for text in ("Marenka", "Mara", "250-555-0000", "portal"):
        assert text not in str(patient_pages) and text not in str(patient_emails)
