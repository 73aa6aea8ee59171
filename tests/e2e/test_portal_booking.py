"""Issue 13, in a real browser on a phone-sized screen (390x844): a patient who has had their
initial assessment books a follow-up in the portal, then changes its time; each step is emailed,
the pages fit the screen and pass axe's WCAG 2.1 AA checks."""

import datetime
import re

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from patients.models import Appointment, AppointmentType
from tests.e2e.axe import axe_violations, describe
from tests.factories import (
    PASSWORD,
    AppointmentFactory,
    AppointmentTypeFactory,
    PractitionerFactory,
)
from tests.programs import portal_patient
from tests.scheduling import give_hours
from tests.support import browser_log_in

pytestmark = pytest.mark.django_db(transaction=True)


def _fits_and_passes_axe(page, where):
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (
        f"{where}: wider than the screen"
    )
    violations = axe_violations(page)
    assert not violations, f"{where}:\n{describe(violations)}"


def test_a_patient_books_a_follow_up_then_changes_its_time_on_a_phone(chromium, live_server, page):
    alex = give_hours(PractitionerFactory(display_name="Alex Moreau, PT"), weekdays=range(7))
    follow_up = AppointmentTypeFactory(name="Follow-up IASTR", minutes=30, mode="in_clinic")
    initial = AppointmentTypeFactory(name="Initial assessment", minutes=60, mode="in_clinic")
    AppointmentType.objects.filter(pk=follow_up.pk).update(kind="follow_up", online_booking=True)
    AppointmentType.objects.filter(pk=initial.pk).update(
        kind="initial_assessment", online_booking=True
    )
    patient, user = portal_patient("Mira", "Lindqvist", email="mira@example.com")
    AppointmentFactory(
        patient=patient,
        practitioner=alex,
        type=initial,
        starts_at=timezone.now().replace(microsecond=0) - datetime.timedelta(days=14),
        status="completed",
    )

    phone = chromium.new_context(
        base_url=live_server.url,
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
    )
    phone.set_default_timeout(15_000)
    mobile = phone.new_page()
    try:
        browser_log_in(mobile, user, PASSWORD)
        mobile.goto("/portal/appointments/")
        mobile.get_by_role("link", name="Book an appointment").click()

        expect(mobile.get_by_role("heading", name="Book an appointment")).to_be_visible()
        expect(mobile.get_by_text("Appointment: Follow-up IASTR")).to_be_visible()
        expect(mobile.get_by_label("Practitioner")).to_have_value(str(alex.pk))
        strip = mobile.get_by_test_id("day-strip")
        expect(strip.get_by_role("link")).to_have_count(7)
        _fits_and_passes_axe(mobile, "the booking page")

        # The second day of the strip, then its first free time (radio buttons styled as buttons).
        strip.get_by_role("link").nth(1).click()
        chosen = mobile.locator("label.free-time").first
        expect(chosen).to_be_visible()
        booked_time = chosen.inner_text().split("\n")[0].strip()
        chosen.click()
        mobile.get_by_role("button", name="Book", exact=True).click()

        expect(
            mobile.get_by_text(
                re.compile(
                    rf"Booked: Follow-up IASTR with Alex Moreau, PT on .* at {booked_time}\."
                )
            )
        ).to_be_visible()
        expect(
            mobile.get_by_text("We emailed you the details with a calendar file.")
        ).to_be_visible()
        appointment = Appointment.objects.get(patient=patient, type=follow_up)
        assert appointment.source == "portal"
        assert [m.to for m in mail.outbox] == [["mira@example.com"]]
        _fits_and_passes_axe(mobile, "my appointments")

        mobile.get_by_role("link", name=re.compile("^Change time")).click()
        expect(mobile.get_by_role("heading", name="Change the time")).to_be_visible()
        _fits_and_passes_axe(mobile, "the reschedule page")
        mobile.get_by_test_id("day-strip").get_by_role("link").nth(3).click()
        new_time = mobile.locator("label.free-time").nth(2)
        moved_to = new_time.inner_text().split("\n")[0].strip()
        new_time.click()
        mobile.get_by_role("button", name="Move my appointment").click()

        expect(
            mobile.get_by_text(
                re.compile(
                    rf"Moved: your Follow-up IASTR is now on .* at {moved_to} with Alex Moreau, PT"
                )
            )
        ).to_be_visible()
        appointment.refresh_from_db()
        assert appointment.rescheduled_from is not None
        assert f"{timezone.localtime(appointment.starts_at):%H:%M}" == moved_to
        assert len(mail.outbox) == 2 and mail.outbox[1].subject.startswith("Moved:")
    finally:
        mobile.goto("about:blank")
        phone.close()
