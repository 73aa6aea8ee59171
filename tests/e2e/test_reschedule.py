"""Issue 10, in a real browser: the front desk moves a booked appointment to another free time
from its page; the appointment page says where it came from and the schedule shows the new time."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from revere import roles
from tests.factories import (
    PASSWORD,
    AppointmentFactory,
    AppointmentTypeFactory,
    PatientFactory,
    PractitionerFactory,
    UserFactory,
)
from tests.scheduling import at, future_day, give_hours
from tests.support import browser_log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_front_desk_reschedules_from_the_appointment_page(page):
    desk = UserFactory(username="desk", first_name="Robin", role=roles.FRONT_DESK)
    alex = give_hours(PractitionerFactory(display_name="Alex Moreau, PT"))
    follow_up = AppointmentTypeFactory(name="Follow-up IASTR", minutes=30, mode="in_clinic")
    monday, tuesday = future_day(0), future_day(1)
    appointment = AppointmentFactory(
        patient=PatientFactory(first_name="Lars", last_name="Eriksen", email="lars@example.com"),
        practitioner=alex,
        type=follow_up,
        starts_at=at(monday, "09:00"),
    )

    browser_log_in(page, desk, PASSWORD)
    page.goto(f"/patients/appointments/{appointment.uuid}/")
    page.get_by_label("New day").fill(f"{tuesday:%Y-%m-%d}")
    page.get_by_role("button", name="Reschedule").click()

    expect(page.get_by_role("heading", name="Reschedule: Follow-up IASTR")).to_be_visible()
    # Issue 10: the times are buttons (radio inputs styled as buttons): a click on the label.
    page.locator("label").filter(has_text=re.compile(r"^14:30")).click()
    expect(page.get_by_role("radio", name=re.compile(r"^14:30 to 15:00"))).to_be_checked()
    page.get_by_role("button", name="Move the appointment").click()

    expect(
        page.get_by_text(re.compile(r"Moved from .* to .* at 14:30 with Alex Moreau, PT\."))
    ).to_be_visible()
    expect(page.get_by_text("The patient was emailed the new time.")).to_be_visible()
    expect(page.get_by_test_id("rescheduled")).to_contain_text("Rescheduled from")
    expect(page.get_by_test_id("rescheduled")).to_contain_text("at 09:00")
    assert [m.to for m in mail.outbox] == [["lars@example.com"]]

    page.get_by_role("link", name="Schedule of that day").click()
    expect(page).to_have_url(re.compile(rf"day={tuesday:%Y-%m-%d}"))
    block = page.get_by_test_id("appointment-block").filter(has_text="Lars Eriksen")
    expect(block).to_contain_text("14:30–15:00")
    page.goto(f"/patients/schedule/?day={monday:%Y-%m-%d}")
    expect(page.get_by_role("link", name=re.compile(r"Lars Eriksen"))).to_have_count(0)
