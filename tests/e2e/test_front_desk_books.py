"""Front desk, in a real browser (issue 10: booking on one page): from the schedule's free slot,
book a follow-up in three clicks; from a patient's page, pick a time from the grid with the
keyboard, try an overlapping time and read why not; mark the first patient arrived; the
physiotherapist starts the visit from it."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from patients.models import Appointment, AppointmentStatus, AppointmentType
from revere import roles
from tests.e2e.axe import axe_violations, describe
from tests.factories import (
    PASSWORD,
    AppointmentFactory,
    PatientFactory,
    PractitionerFactory,
    UserFactory,
)
from tests.scheduling import give_hours
from tests.support import browser_log_in

pytestmark = pytest.mark.django_db(transaction=True)

LAPTOP = {"width": 1366, "height": 768}


def _clinic():
    desk = UserFactory(username="desk", first_name="Robin", role=roles.FRONT_DESK)
    alex = PractitionerFactory(display_name="Alex Moreau, PT")
    give_hours(alex, weekdays=range(7))
    marguerite = PatientFactory(first_name="Marguerite", last_name="Ostrowski")
    # Marguerite had her initial assessment with Alex a fortnight ago: next is a follow-up.
    AppointmentFactory(
        patient=marguerite,
        practitioner=alex,
        type=AppointmentType.objects.get(kind="initial_assessment"),
        starts_at=timezone.now() - datetime.timedelta(days=14),
        status=AppointmentStatus.COMPLETED,
    )
    return desk, alex, marguerite


def test_front_desk_books_from_a_free_cell_in_three_clicks(page):
    desk, _alex, marguerite = _clinic()
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    browser_log_in(page, desk, PASSWORD)
    page.set_viewport_size(LAPTOP)
    page.goto(f"/patients/schedule/?day={tomorrow.isoformat()}")
    expect(page.get_by_role("heading", name=re.compile(r"^Schedule,"))).to_be_visible()

    clicks = 0

    def click(locator):
        nonlocal clicks
        clicks += 1
        locator.click()

    # 1. The free 09:00 cell with Alex: the page says which slot, with the search box focused.
    click(page.get_by_role("link", name=re.compile(r"book .* 09:00 with Alex Moreau, PT$")))
    expect(page.get_by_test_id("chosen-slot")).to_contain_text("at 09:00 with Alex Moreau, PT")
    search = page.get_by_label("Find the patient")
    expect(search).to_be_focused()
    page.keyboard.type("ostrow")
    page.keyboard.press("Enter")

    # 2. Choose the patient: type, practitioner, day and time come preselected.
    click(page.get_by_role("link", name="Choose Marguerite Ostrowski"))
    expect(page.get_by_test_id("booking-patient")).to_have_text("Marguerite Ostrowski")
    expect(page.get_by_role("radio", name=re.compile(r"^09:00 to 09:30"))).to_be_checked()
    expect(page.get_by_role("combobox", name=re.compile(r"^Appointment type"))).to_have_value(
        str(AppointmentType.objects.get(kind="follow_up").pk)
    )
    expect(page.get_by_test_id("type-reason")).to_contain_text("has had an initial assessment")
    book = page.get_by_role("button", name="Book appointment")
    box = book.bounding_box()
    assert box is not None and box["y"] + box["height"] <= LAPTOP["height"], box
    violations = axe_violations(page)
    assert not violations, describe(violations)

    # 3. Confirm.
    click(book)
    expect(
        page.get_by_text(
            re.compile(r"Booked: Follow-up IASTR with Alex Moreau, PT on .* at 09:00\.")
        )
    ).to_be_visible()
    assert clicks == 3
    booked = Appointment.objects.get(patient=marguerite, status=AppointmentStatus.BOOKED)
    assert timezone.localtime(booked.starts_at).strftime("%Y-%m-%d %H:%M") == (
        f"{tomorrow:%Y-%m-%d} 09:00"
    )


def test_front_desk_books_from_the_patient_page_is_refused_an_overlap_and_marks_arrival(page):
    desk, alex, marguerite = _clinic()
    lars = PatientFactory(first_name="Lars", last_name="Eriksen")
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    follow_up = AppointmentType.objects.get(kind="follow_up")
    first = AppointmentFactory(
        patient=marguerite,
        practitioner=alex,
        type=follow_up,
        starts_at=datetime.datetime.combine(
            tomorrow, datetime.time(9), tzinfo=timezone.get_default_timezone()
        ),
    )
    browser_log_in(page, desk, PASSWORD)
    page.set_viewport_size(LAPTOP)

    # Lars has never been assessed: the initial assessment comes preselected. The follow-up and
    # Alex are chosen instead (the page lists their times at once), then tomorrow.
    page.goto(f"/patients/{lars.uuid}/")
    page.get_by_role("link", name="Book appointment").click()
    expect(page.get_by_role("combobox", name=re.compile(r"^Appointment type"))).to_have_value(
        str(AppointmentType.objects.get(kind="initial_assessment").pk)
    )
    with page.expect_navigation():
        page.get_by_role("combobox", name=re.compile(r"^Appointment type")).select_option(
            label="Follow-up IASTR (30 min, in clinic)"
        )
    with page.expect_navigation():
        page.get_by_role("combobox", name=re.compile(r"^Practitioner")).select_option(
            label="Alex Moreau, PT"
        )
    page.get_by_label("Day*", exact=True).fill(tomorrow.isoformat())
    page.get_by_role("button", name="Show free times").click()
    expect(page.get_by_role("link", name=re.compile(r"^Next day"))).to_be_visible()
    expect(page.get_by_role("radio", name=re.compile(r"^09:15"))).to_have_count(0)
    expect(page.get_by_role("radio", name=re.compile(r"^09:30 to 10:00"))).to_have_count(1)

    # Another time, typed: the overlap with Marguerite's 09:00 is refused, the typed time stays.
    page.get_by_text("Another time, outside working hours, notes").click()
    page.get_by_label("Or another time").fill("09:15")
    page.get_by_role("button", name="Book appointment").click()
    errors = page.get_by_test_id("booking-errors")
    expect(errors).to_contain_text("Alex Moreau, PT already has an appointment from 09:00 to 09:30")
    expect(page.get_by_label("Or another time")).to_have_value("09:15")
    assert Appointment.objects.filter(status=AppointmentStatus.BOOKED).count() == 1

    # The grid answers the keyboard: Space picks a time, the arrow keys move to the next one.
    page.get_by_role("radio", name=re.compile(r"^08:00 to 08:30")).focus()
    page.keyboard.press("Space")
    expect(page.get_by_role("radio", name=re.compile(r"^08:00 to 08:30"))).to_be_checked()
    page.keyboard.press("ArrowRight")
    expect(page.get_by_role("radio", name=re.compile(r"^08:15 to 08:45"))).to_be_checked()

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
