"""Front desk, in a real browser: archive a patient with a booking to come; the confirmation lists
it, and afterwards the schedule no longer shows the time booked."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from patients.models import AppointmentStatus
from revere import roles
from tests.factories import (
    PASSWORD,
    AppointmentFactory,
    AppointmentTypeFactory,
    PatientFactory,
    PractitionerFactory,
    UserFactory,
)
from tests.scheduling import at, give_hours
from tests.support import browser_log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_front_desk_archives_a_patient_and_the_booking_is_cancelled(page):
    desk = UserFactory(username="desk", first_name="Robin", role=roles.FRONT_DESK)
    alex = give_hours(PractitionerFactory(display_name="Alex Moreau, PT"), weekdays=range(7))
    follow_up = AppointmentTypeFactory(name="Follow-up IASTR", minutes=30, mode="in_clinic")
    lars = PatientFactory(first_name="Lars", last_name="Eriksen")
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    booking = AppointmentFactory(
        patient=lars, practitioner=alex, type=follow_up, starts_at=at(tomorrow, "09:00")
    )

    browser_log_in(page, desk, PASSWORD)
    page.goto(f"/patients/schedule/?day={tomorrow:%Y-%m-%d}")
    blocks = page.get_by_test_id("appointment-block")
    expect(blocks.filter(has_text="Lars Eriksen")).to_have_count(1)

    page.goto(f"/patients/{lars.uuid}/")
    page.get_by_role("link", name="Archive").click()
    expect(page.get_by_role("heading", name="Archive Lars Eriksen?")).to_be_visible()
    expect(page.get_by_test_id("archive-cancels-appointment")).to_have_count(1)
    expect(page.get_by_test_id("archive-cancels-appointment")).to_contain_text("09:00")
    page.get_by_role("button", name="Archive and cancel the appointments").click()
    expect(
        page.get_by_text(re.compile(r"1 booked appointment to come was cancelled"))
    ).to_be_visible()

    page.goto(f"/patients/schedule/?day={tomorrow:%Y-%m-%d}")
    expect(page.get_by_test_id("schedule-grid")).to_be_visible()
    expect(page.get_by_test_id("appointment-block").filter(has_text="Lars Eriksen")).to_have_count(
        0
    )
    expect(
        page.get_by_role("link", name=re.compile(r"book .* 09:00 with Alex Moreau, PT$"))
    ).to_be_visible()
    booking.refresh_from_db()
    assert booking.status == AppointmentStatus.CANCELLED
    assert booking.cancellation_reason == "Patient archived"
