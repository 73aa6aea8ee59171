"""Front desk, in a real browser: from the schedule's free slot, book a follow-up; try to book the
same physiotherapist at an overlapping time and read why not; mark the first patient arrived."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from patients.models import Appointment, AppointmentStatus
from revere import roles
from tests.factories import (
    PASSWORD,
    AppointmentTypeFactory,
    PatientFactory,
    PractitionerFactory,
    UserFactory,
)
from tests.scheduling import give_hours
from tests.support import browser_log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_front_desk_books_a_follow_up_is_refused_an_overlap_and_marks_arrival(page):
    desk = UserFactory(username="desk", first_name="Robin", role=roles.FRONT_DESK)
    alex = PractitionerFactory(display_name="Alex Moreau, PT")
    give_hours(alex, weekdays=range(7))
    AppointmentTypeFactory(name="Follow-up IASTR", minutes=30, mode="in_clinic")
    PatientFactory(first_name="Marguerite", last_name="Ostrowski")
    lars = PatientFactory(first_name="Lars", last_name="Eriksen")
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    browser_log_in(page, desk, PASSWORD)
    expect(page.get_by_role("heading", name=re.compile(r"^Schedule,"))).to_be_visible()

    # Tomorrow's schedule, then the free 09:00 slot with Alex.
    page.get_by_role("link", name="Next day").click()
    expect(page.get_by_role("heading", name=re.compile(f"{tomorrow.day} ")).first).to_be_visible()
    page.get_by_role("link", name=re.compile(r"book .* 09:00 with Alex Moreau, PT$")).click()

    expect(page.get_by_role("heading", name="Book an appointment")).to_be_visible()
    page.get_by_label("Find the patient").fill("ostrow")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Choose Marguerite Ostrowski").click()
    expect(page.get_by_test_id("booking-patient")).to_have_text("Marguerite Ostrowski")

    page.get_by_role("combobox", name=re.compile(r"^Appointment type")).select_option(
        label="Follow-up IASTR (30 min, in clinic)"
    )
    expect(page.get_by_role("combobox", name=re.compile(r"^Practitioner"))).to_have_value(
        re.compile(r"\d+")
    )
    page.get_by_role("button", name="Show free times").click()
    nine = page.get_by_role("radio", name=re.compile(r"^09:00–09:30"))
    expect(nine).to_be_checked()
    page.get_by_role("button", name="Book appointment").click()
    expect(
        page.get_by_text(
            re.compile(r"Booked: Follow-up IASTR with Alex Moreau, PT on .* at 09:00\.")
        )
    ).to_be_visible()
    first = Appointment.objects.get(patient__last_name="Ostrowski")

    # The same physiotherapist at 09:15 for someone else: refused, and the typed time stays.
    page.goto(f"/patients/{lars.uuid}/")
    page.get_by_role("link", name="Book appointment").click()
    page.get_by_role("combobox", name=re.compile(r"^Appointment type")).select_option(
        label="Follow-up IASTR (30 min, in clinic)"
    )
    page.get_by_role("combobox", name=re.compile(r"^Practitioner")).select_option(
        label="Alex Moreau, PT"
    )
    page.get_by_label("Day*", exact=True).fill(tomorrow.isoformat())
    page.get_by_role("button", name="Show free times").click()
    expect(page.get_by_role("radio", name=re.compile(r"^09:15"))).to_have_count(0)
    page.get_by_label("Or another time").fill("09:15")
    page.get_by_role("button", name="Book appointment").click()
    errors = page.get_by_test_id("booking-errors")
    expect(errors).to_contain_text("Alex Moreau, PT already has an appointment from 09:00 to 09:30")
    expect(page.get_by_label("Or another time")).to_have_value("09:15")
    assert Appointment.objects.count() == 1

    # Back on tomorrow's schedule: open the first booking and mark the patient arrived.
    page.get_by_role("link", name="Schedule", exact=True).click()
    page.get_by_role("link", name="Next day").click()
    block = page.get_by_test_id("appointment-block").filter(has_text="Marguerite Ostrowski")
    expect(block).to_contain_text("Booked")
    block.click()
    page.get_by_role("button", name="Mark as arrived").click()
    expect(page.get_by_text("The appointment is marked as arrived.")).to_be_visible()
    first.refresh_from_db()
    assert first.status == AppointmentStatus.ARRIVED
    page.get_by_role("link", name="Schedule of that day").click()
    expect(
        page.get_by_test_id("appointment-block").filter(has_text="Marguerite Ostrowski")
    ).to_contain_text("Arrived")

    # The physiotherapist sees the appointment on their day and starts the visit from it.
    page.get_by_role("button", name="Log out").click()
    browser_log_in(page, alex.user, PASSWORD)
    page.goto(f"/visits/day/?date={tomorrow.isoformat()}")
    row = page.get_by_test_id("my-day").get_by_role("row").filter(has_text="Marguerite Ostrowski")
    expect(row).to_contain_text("Arrived")
    expect(row).to_contain_text("Not started")
    row.get_by_role("button", name=re.compile("^Start visit")).click()
    expect(page.get_by_role("heading", name="Step 1: Assessment")).to_be_visible()
    assert first.visit.patient.last_name == "Ostrowski"
