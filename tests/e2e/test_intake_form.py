"""Issue 13: a new patient opens the intake link from their confirmation email on a phone,
answers, consents and sends it; at the visit the physiotherapist's screening step shows
"Patient reported" beside those items, with nothing ticked for them."""

import re

import pytest
from playwright.sync_api import expect

from patients.models import Patient
from revere import roles
from revere.intake_links import intake_path
from tests.e2e.axe import axe_violations, describe
from tests.factories import PASSWORD, PractitionerFactory, UserFactory
from tests.support import browser_log_in
from treatments import services
from treatments.models import IntakeForm

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}


def no_sideways_scroll(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width} px wide"


def test_patient_sends_the_intake_and_the_physio_sees_it_at_screening(page, chromium, live_server):
    patient = Patient.objects.create(
        first_name="Nadia", last_name="Quellhorst", phone="604-555-0142", email="n@example.com"
    )

    phone = chromium.new_context(
        base_url=live_server.url, viewport=PHONE, is_mobile=True, has_touch=True
    )
    phone.set_default_timeout(15_000)
    mobile = phone.new_page()
    console = []
    mobile.on("console", lambda message: console.append(message.text))
    mobile.goto(intake_path(patient.uuid))
    expect(mobile.get_by_role("heading", name="Your intake form")).to_be_visible()
    expect(mobile.get_by_text("Hello Nadia.")).to_be_visible()
    expect(mobile.get_by_text("Quellhorst")).to_have_count(0)
    no_sideways_scroll(mobile)
    assert not (found := axe_violations(mobile)), describe(found)

    mobile.get_by_label("Date of birth").fill("1980-05-17")
    mobile.get_by_label("What is the problem, and where do you feel it?").fill(
        "Pain on the outside of my right forearm"
    )
    # Sending with a question unanswered: a clear message, what was typed kept.
    mobile.get_by_role("button", name="Send my intake form").click()
    expect(mobile.get_by_test_id("intake-errors")).to_contain_text(
        "health questions are not answered: answer each with yes, no or not sure."
    )
    expect(mobile.get_by_text("Answer this question: yes, no or not sure.").first).to_be_visible()
    expect(mobile.get_by_label("What is the problem, and where do you feel it?")).to_have_value(
        "Pain on the outside of my right forearm"
    )
    assert not (found := axe_violations(mobile)), describe(found)

    for question in mobile.get_by_test_id("intake-question").all():
        code = question.get_attribute("data-code")
        answer = {"anticoagulants": "Yes", "open_wound": "Yes", "pregnancy": "Not sure"}
        question.get_by_label(answer.get(code, "No"), exact=True).check()
    blood_thinners = mobile.locator('[data-code="anticoagulants"]')
    blood_thinners.get_by_label(re.compile("^Details")).fill("warfarin")
    mobile.locator('[data-code="open_wound"]').get_by_label(re.compile("^Where")).fill("left shin")
    expect(mobile.get_by_test_id("intake-consent")).to_contain_text("petechiae")
    mobile.get_by_label("I have read the explanation above and I consent to IASTR.").check()
    mobile.get_by_role("button", name="Send my intake form").click()
    expect(mobile.get_by_test_id("intake-received")).to_contain_text("Thank you, Nadia.")
    no_sideways_scroll(mobile)
    # A link that opens nothing: the same plain page for every case, on a phone too.
    mobile.goto("/intake/not-a-valid-link/")
    expect(mobile.get_by_test_id("intake-invalid")).to_contain_text("please call the clinic at")
    assert not (found := axe_violations(mobile)), describe(found)
    assert not [line for line in console if "Content Security Policy" in line], console
    phone.close()
    assert IntakeForm.objects.get(patient=patient).consents_to_iastr

    # At the visit.
    physio = UserFactory(username="physio", first_name="Alex", role=roles.PHYSIOTHERAPIST)
    PractitionerFactory(user=physio)
    visit = services.visit_start(patient=patient, practitioner=physio.practitioner)
    browser_log_in(page, physio, PASSWORD)
    page.goto(f"/visits/{visit.uuid}/screening/")
    expect(page.get_by_test_id("intake-summary")).to_contain_text(
        "2 items answered yes, 1 not sure. Confirm each with the patient"
    )
    reported = page.get_by_test_id("patient-reported")
    expect(reported.and_(page.locator('[data-code="anticoagulants"]'))).to_have_text(
        "Patient reported: ⚠ yes — warfarin"
    )
    expect(reported.and_(page.locator('[data-code="open_wound"]'))).to_have_text(
        "Patient reported: ⚠ yes — left shin"
    )
    expect(reported.and_(page.locator('[data-code="pregnancy"]'))).to_have_text(
        "Patient reported: not sure"
    )
    expect(page.get_by_test_id("intake-consent")).to_contain_text(
        "after reading the clinic's explanation: confirm with the patient today"
    )
    # Nothing is ticked for the physiotherapist.
    expect(
        page.get_by_test_id("screening-items").locator("input[type=checkbox]:checked")
    ).to_have_count(0)
    assert not (found := axe_violations(page)), describe(found)
    page.get_by_role("link", name="Open the intake form").click()
    expect(page.get_by_test_id("intake-answer-table")).to_contain_text("warfarin")
    assert not (found := axe_violations(page)), describe(found)


def test_the_portal_form_works_without_javascript(chromium, live_server, page):
    from tests.programs import portal_patient

    patient, user = portal_patient("Priya", "Intakeson")
    context = chromium.new_context(
        base_url=live_server.url, viewport=PHONE, java_script_enabled=False
    )
    context.set_default_timeout(15_000)
    plain = context.new_page()
    plain.goto("/accounts/login/")
    plain.get_by_label("Username").fill(user.username)
    plain.get_by_label("Password").fill(PASSWORD)
    plain.get_by_role("button", name="Log in").click()
    plain.get_by_role("link", name="Fill in my intake form").click()
    expect(plain.get_by_text("Hello Priya.")).to_be_visible()
    plain.get_by_label("What is the problem, and where do you feel it?").fill("Sore heel")
    for question in plain.get_by_test_id("intake-question").all():
        question.get_by_label("No", exact=True).check()
    plain.get_by_role("button", name="Send my intake form").click()
    expect(plain.get_by_test_id("intake-received")).to_contain_text("Thank you, Priya.")
    context.close()
    intake = IntakeForm.objects.get(patient=patient)
    assert intake.source == "portal" and not intake.consents_to_iastr
