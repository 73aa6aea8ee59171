"""A physiotherapist, in a real browser, runs a whole visit for a patient on anticoagulants:
assessment, screening with a written precaution, two applications (one timed with the page's
timer, one refused at 130 seconds), signing, and the locked record afterwards."""

import re

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD, PatientFactory, PractitionerFactory, UserFactory
from tests.support import browser_log_in
from treatments.models import Application, Visit

pytestmark = pytest.mark.django_db(transaction=True)


def test_physio_runs_a_visit_with_a_precaution_and_signs_it(page):
    from revere import roles

    physio = UserFactory(username="physio", first_name="Alex", role=roles.PHYSIOTHERAPIST)
    PractitionerFactory(user=physio)
    patient = PatientFactory(first_name="Gunnar", last_name="Lindqvist")

    browser_log_in(page, physio, PASSWORD)
    page.goto(f"/patients/{patient.uuid}/")
    page.get_by_role("button", name="Start visit").click()

    # Step 1: assessment, saved as a draft first, then continued.
    expect(page.get_by_role("heading", name="Step 1: Assessment")).to_be_visible()
    expect(page.get_by_test_id("consent-state")).to_contain_text("not recorded")
    page.get_by_label("Condition").select_option(label="Achilles tendinopathy")
    page.get_by_label("Chief complaint").fill("Morning stiffness in the left Achilles")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Draft saved.")).to_be_visible()
    page.get_by_role("spinbutton", name=re.compile(r"^Numeric Pain Rating Scale")).fill("6")
    page.get_by_role("button", name="Save and continue").click()

    # Step 2: screening on anticoagulants -> precaution written and acknowledged.
    expect(page.get_by_role("heading", name="Step 2: Contraindication screening")).to_be_visible()
    page.get_by_role("checkbox", name="Anticoagulant or antiplatelet medication").check()
    page.get_by_label("Blood pressure, systolic (mmHg)").fill("128")
    page.get_by_label("Blood pressure, diastolic (mmHg)").fill("84")
    page.get_by_label("I asked the patient about every item above.").check()
    # No consent on record yet: the screening step records it, with who and when.
    page.get_by_label("Patient consents to IASTR (explained today)").check()
    page.get_by_role("button", name="Save and go to treatment").click()
    expect(
        page.get_by_text("Write and acknowledge the precaution before treating.")
    ).to_be_visible()
    page.get_by_label("Precaution", exact=True).fill("Light pressure only; watch for bruising.")
    page.get_by_label("I have written the precaution above").check()
    page.get_by_role("button", name="Save and go to treatment").click()

    # Step 3: the precaution shows on the step's badge.
    expect(page.get_by_role("heading", name="Step 3: IASTR treatment")).to_be_visible()
    expect(page.get_by_test_id("screening-badge")).to_contain_text(
        "Light pressure only; watch for bruising."
    )

    # First application timed with the page's timer (a fake clock runs past 2:00).
    page.clock.install()
    page.reload()
    form = page.get_by_test_id("application-form")
    form.get_by_label("Region").select_option(label="Achilles tendon")
    form.get_by_label("Side").select_option("left")
    form.get_by_label("Instrument").select_option(label="GT5")
    form.get_by_label("Stroke technique").select_option(label="Sweeping")
    form.get_by_label("Direction").select_option(label="Parallel to fibres")
    form.get_by_label("Pressure").select_option(label="Light")
    form.get_by_role("button", name="Start").click()
    page.clock.run_for(45_000)
    form.get_by_role("button", name="Pause").click()
    expect(form.locator("[data-timer-display]")).to_have_text("0:45")
    form.get_by_role("button", name="Resume").click()
    page.clock.run_for(80_000)  # 2:05 in all: the timer stops itself at 2:00
    expect(form.locator("[data-timer-display]")).to_have_text("2:00")
    expect(form.get_by_text("2:00 reached")).to_be_visible()
    expect(form.get_by_role("spinbutton", name=re.compile(r"^Duration"))).to_have_value("120")
    form.get_by_role("button", name="Record application").click()
    expect(page.get_by_text("Application recorded.")).to_be_visible()
    expect(page.get_by_test_id("applications")).to_contain_text("2:00")

    # Second application: 130 seconds typed is refused on the form, with what was typed kept.
    form = page.get_by_test_id("application-form")
    form.get_by_label("Region").select_option(label="Calf")
    form.get_by_label("Side").select_option("left")
    form.get_by_label("Instrument").select_option(label="GT1")
    form.get_by_label("Stroke technique").select_option(label="Fanning")
    form.get_by_label("Direction").select_option(label="Oblique")
    form.get_by_label("Pressure").select_option(label="Light")
    form.get_by_role("spinbutton", name=re.compile(r"^Duration")).fill("130")
    form.get_by_role("button", name="Record application").click()
    form = page.get_by_test_id("application-form")
    expect(form.get_by_text("1 to 120 seconds")).to_be_visible()
    expect(form.get_by_label("Region")).to_have_value("calf")
    assert Application.objects.count() == 1

    page.get_by_label("Skin response").select_option(label="Petechiae")
    page.get_by_label("Ice (minutes)").fill("15")
    page.get_by_role("button", name="Save and go to the handout").click()
    expect(page.get_by_role("heading", name="Step 4: Home-exercise program")).to_be_visible()
    page.get_by_role("link", name="Continue to review without a program").click()

    # Review and sign.
    expect(page.get_by_role("heading", name="Review and sign")).to_be_visible()
    record = page.get_by_test_id("visit-record")
    expect(record).to_contain_text("Morning stiffness in the left Achilles")
    expect(record).to_contain_text("Precaution: Light pressure only; watch for bruising.")
    expect(record).to_contain_text("NPRS 6")
    page.get_by_role("button", name="Sign and lock the visit").click()
    expect(page.get_by_text("Visit signed.")).to_be_visible()
    expect(page.get_by_test_id("visit-status")).to_contain_text("Signed")

    # After signing nothing can be edited: no save buttons, fields disabled, no application form.
    page.get_by_role("link", name="1. Assessment").click()
    expect(page.get_by_role("button", name="Save draft")).to_have_count(0)
    expect(page.get_by_label("Chief complaint")).to_be_disabled()
    page.get_by_role("link", name="3. Treatment").click()
    expect(page.get_by_test_id("application-form")).to_have_count(0)
    assert Visit.objects.get().is_signed


def test_typing_is_saved_as_a_draft_without_pressing_save(page):
    from revere import roles
    from treatments import services

    user = UserFactory(username="physio2", role=roles.PHYSIOTHERAPIST)
    PractitionerFactory(user=user)
    patient = PatientFactory()
    visit = services.visit_start(patient=patient, practitioner=user.practitioner)

    page.clock.install()
    browser_log_in(page, user, PASSWORD)
    page.goto(f"/visits/{visit.uuid}/assessment/")
    page.get_by_label("Chief complaint").fill("Shoulder ache when reaching overhead")
    page.clock.run_for(4_000)
    expect(page.get_by_text("Draft saved automatically")).to_be_visible()

    # Leave without pressing a button, come back: the text is there.
    page.get_by_role("link", name=patient.full_name).click()
    page.go_back()
    page.reload()
    expect(page.get_by_label("Chief complaint")).to_have_value(
        "Shoulder ache when reaching overhead"
    )
