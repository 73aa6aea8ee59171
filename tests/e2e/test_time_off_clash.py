"""Issue 10, in a real browser: the manager enters time off over two bookings; the page lists
them and saves nothing; the manager cancels one (the patient is emailed) and keeps the other,
which the schedule then marks in red with the words "Clash: booked during time off". The time off
page passes axe-core's WCAG 2.1 AA rules with the clash list showing."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from patients.models import Appointment, AppointmentStatus, TimeOff
from tests.e2e.axe import axe_violations, describe
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


def test_manager_enters_time_off_over_bookings_and_chooses(page):
    manager = UserFactory(username="boss", first_name="Mo", is_staff=True, is_superuser=True)
    alex = give_hours(PractitionerFactory(display_name="Alex Moreau, PT"))
    follow_up = AppointmentTypeFactory(name="Follow-up IASTR", minutes=30, mode="in_clinic")
    monday = future_day(0)
    lars = AppointmentFactory(
        patient=PatientFactory(first_name="Lars", last_name="Eriksen", email="lars@example.com"),
        practitioner=alex,
        type=follow_up,
        starts_at=at(monday, "09:00"),
    )
    mina = AppointmentFactory(
        patient=PatientFactory(first_name="Mina", last_name="Haddad", email="mina@example.com"),
        practitioner=alex,
        type=follow_up,
        starts_at=at(monday, "11:00"),
    )

    browser_log_in(page, manager, PASSWORD)
    page.get_by_role("button", name="Clinic").click()  # the manager's menu of clinic pages
    page.get_by_role("link", name="Time off").click()
    page.get_by_role("link", name="Add time off").click()
    page.get_by_label("Practitioner").select_option(label="Alex Moreau, PT")
    page.get_by_label("Away from").fill(f"{monday:%Y-%m-%d}T08:00")
    page.get_by_label("Back at").fill(f"{monday:%Y-%m-%d}T12:00")
    page.get_by_label("Reason (optional)").fill("Course")
    page.get_by_role("button", name="Save time off").click()

    # The first save lists the clashes and saves nothing.
    clashes = page.get_by_test_id("time-off-clashes")
    expect(clashes.get_by_role("heading")).to_have_text(
        re.compile("Clash: booked during this time off")
    )
    expect(clashes).to_contain_text("2 appointments are booked during this time off")
    expect(page.get_by_test_id("clash-row")).to_have_count(2)
    expect(page.get_by_test_id("clash-row").first).to_contain_text("Lars Eriksen")
    expect(page.get_by_test_id("clash-row").last).to_contain_text("Mina Haddad")
    assert not TimeOff.objects.exists()
    violations = axe_violations(page)
    assert not violations, describe(violations)

    page.get_by_role("group", name=re.compile("Lars Eriksen's appointment at 09:00")).get_by_label(
        re.compile("^Cancel it")
    ).check()
    page.get_by_role("group", name=re.compile("Mina Haddad's appointment at 11:00")).get_by_label(
        "Keep it"
    ).check()
    page.get_by_role("button", name="Save time off with these choices").click()

    expect(page.get_by_text(re.compile(r"Time off saved: Alex Moreau, PT is away"))).to_be_visible()
    expect(page.get_by_text("Cancelled 1 appointment during it.")).to_be_visible()
    expect(page.get_by_text("1 patient was emailed the cancellation.")).to_be_visible()
    expect(page.get_by_text(re.compile(r"Clash: 1 appointment stays booked"))).to_be_visible()
    assert [m.to for m in mail.outbox] == [["lars@example.com"]]
    lars.refresh_from_db()
    assert lars.status == AppointmentStatus.CANCELLED
    assert lars.cancellation_reason == "Practitioner away"
    assert Appointment.objects.get(pk=mina.pk).status == AppointmentStatus.BOOKED
    # The saved time off's page still lists the kept one, with a link to move it.
    expect(page.get_by_role("link", name=re.compile(r"Move now \(Mina Haddad"))).to_be_visible()
    violations = axe_violations(page)
    assert not violations, describe(violations)

    page.goto(f"/patients/schedule/?day={monday:%Y-%m-%d}")
    block = page.get_by_test_id("appointment-block").filter(has_text="Mina Haddad")
    expect(block.get_by_test_id("clash-mark")).to_have_text("Clash: booked during time off")
    expect(block.get_by_test_id("clash-mark")).to_have_css("color", "rgb(176, 42, 55)")
    expect(page.get_by_test_id("clash-mark")).to_have_count(1)

    page.goto("/patients/time-off/")
    expect(page.get_by_test_id("clash-count")).to_have_text("Clash: 1 appointment")
    violations = axe_violations(page)
    assert not violations, describe(violations)
