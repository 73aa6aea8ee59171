"""Front desk, in a real browser: log in, register a patient, find them by part of the name,
open the record."""

import re

import pytest
from playwright.sync_api import expect

from patients.models import Patient
from revere import roles
from tests.factories import PASSWORD, PatientFactory, UserFactory
from tests.support import browser_log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_front_desk_registers_a_patient_and_finds_them(page):
    desk = UserFactory(username="desk", first_name="Robin", role=roles.FRONT_DESK)
    PatientFactory(first_name="Marguerite", last_name="Ostrowski")

    browser_log_in(page, desk, PASSWORD)
    expect(page.get_by_test_id("signed-in-as")).to_contain_text("Front desk")
    page.get_by_role("link", name="Patients", exact=True).click()
    expect(page.get_by_role("heading", name="Patients")).to_be_visible()

    page.get_by_role("link", name="Register a patient").click()
    page.get_by_label("First name").fill("Saoirse")
    page.get_by_label("Last name").fill("Vandermeer")
    page.get_by_label("Date of birth").fill("2030-01-01")
    page.get_by_role("textbox", name=re.compile(r"^Phone")).fill("604-555-0177")
    page.get_by_role("button", name="Register patient").click()
    # A birth date in the future is refused on the page, and what was typed stays.
    expect(page.get_by_text("cannot be in the future")).to_be_visible()
    expect(page.get_by_label("Last name")).to_have_value("Vandermeer")

    page.get_by_label("Date of birth").fill("1986-10-04")
    page.get_by_label("Email (optional)").fill("saoirse@example.com")
    page.get_by_role("button", name="Register patient").click()
    expect(page.get_by_text("Saoirse Vandermeer is registered.")).to_be_visible()

    page.get_by_role("link", name="Patients", exact=True).click()
    page.get_by_label("Search patients").fill("vanderm")
    page.get_by_role("button", name="Search").click()
    rows = page.get_by_role("row")
    expect(rows).to_have_count(2)  # the header and one patient
    page.get_by_role("link", name="Vandermeer, Saoirse").click()

    patient = Patient.objects.get(last_name="Vandermeer")
    expect(page).to_have_url(re.compile(rf"/patients/{patient.uuid}/$"))
    expect(page.get_by_role("heading", name="Saoirse Vandermeer")).to_be_visible()
    expect(page.get_by_text("604-555-0177")).to_be_visible()
    # The front desk sees demographics, not the clinical section.
    expect(page.get_by_test_id("clinical-section")).to_have_count(0)
