"""A physiotherapist types doses in the handout builder, adds an exercise, searches the library
(with the button and with Enter) and leaves the page: nothing typed is lost (issue 12)."""

import re

import pytest
from playwright.sync_api import expect

from tests.clinical import make_visit
from tests.factories import PASSWORD, PatientFactory, PractitionerFactory, UserFactory
from tests.programs import NORDIC, TYLER, add, exercise
from tests.support import browser_log_in
from treatments.models import HomeProgram

pytestmark = pytest.mark.django_db(transaction=True)


def test_type_doses_add_search_nothing_lost(page):
    from revere import roles

    physio = UserFactory(username="physio", first_name="Alex", role=roles.PHYSIOTHERAPIST)
    PractitionerFactory(user=physio)
    visit = make_visit(physio, PatientFactory(first_name="Ines", last_name="Moreira"))
    add(visit, TYLER)
    tyler, nordic = exercise(TYLER).name, exercise(NORDIC).name

    browser_log_in(page, physio, PASSWORD)
    page.goto(f"/visits/{visit.uuid}/handout/")
    page.get_by_label(f"Sets for {tyler}").fill("5")
    page.get_by_label(f"Notes for {tyler}").fill("Slowly, stop if it hurts")

    # Search with the button: the doses stay, the words stay in the box.
    page.get_by_label("Search the library").fill("nordic")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.get_by_label("Search the library")).to_have_value("nordic")
    expect(page.get_by_label(f"Sets for {tyler}")).to_have_value("5")
    expect(page.get_by_label(f"Notes for {tyler}")).to_have_value("Slowly, stop if it hurts")

    # Add from the results: the new exercise joins the list, the typed values stay.
    page.get_by_label(f"Reps for {tyler}").fill("12")
    page.get_by_role("button", name=f"Add {nordic}").click()
    expect(page.get_by_text(f"{nordic} is added to the program.")).to_be_visible()
    expect(page.get_by_test_id("program-item")).to_have_count(2)
    expect(page.get_by_label(f"Reps for {tyler}")).to_have_value("12")
    expect(page.get_by_label(f"Sets for {tyler}")).to_have_value("5")

    # An invalid dose survives a search by Enter, with its message.
    page.get_by_label(f"Days a week for {nordic}").fill("9")
    page.get_by_label("Search the library").fill("heel")
    page.get_by_label("Search the library").press("Enter")
    expect(page.get_by_text("Days a week must be between 1 and 7.")).to_be_visible()
    expect(page.get_by_label(f"Days a week for {nordic}")).to_have_value("9")
    expect(page.get_by_label("Search the library")).to_have_value("heel")
    expect(page.get_by_label(f"Reps for {tyler}")).to_have_value("12")

    # Correct it and leave the page without pressing anything: the autosave keeps it.
    page.get_by_label(f"Days a week for {nordic}").fill("2")
    page.get_by_label(f"Notes for {nordic}").fill("Partner holds the ankles")
    expect(page.get_by_text(re.compile(r"Draft saved automatically at"))).to_be_visible()
    page.goto(f"/visits/{visit.uuid}/treatment/")
    page.goto(f"/visits/{visit.uuid}/handout/")
    expect(page.get_by_label(f"Notes for {nordic}")).to_have_value("Partner holds the ankles")
    expect(page.get_by_label(f"Days a week for {nordic}")).to_have_value("2")
    expect(page.get_by_label(f"Sets for {tyler}")).to_have_value("5")
    # All of it kept as a draft: the patient's plan only changes with "Save program".
    assert HomeProgram.objects.get(visit=visit).activated_at is None
