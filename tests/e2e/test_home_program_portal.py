"""From the end of a visit to the patient's phone: the physiotherapist prescribes three
exercises and invites the patient; the patient sets a password from the email, sees the plan on a
phone-sized screen, ticks today's exercises and opens the handout."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from revere import roles
from tests.clinical import screen
from tests.factories import PASSWORD, PatientFactory, PractitionerFactory, UserFactory
from tests.support import browser_log_in
from treatments import services
from treatments.models import CheckIn, Condition, HomeProgram

pytestmark = pytest.mark.django_db(transaction=True)


def test_physio_prescribes_and_patient_follows_the_plan_on_a_phone(page, chromium, live_server):
    physio = UserFactory(username="physio", first_name="Alex", role=roles.PHYSIOTHERAPIST)
    PractitionerFactory(user=physio)
    patient = PatientFactory(first_name="Zoë", last_name="Marchetti", email="zoe@example.com")
    visit = services.visit_start(patient=patient, practitioner=physio.practitioner)
    services.assessment_save(
        visit=visit,
        fields={
            "condition": Condition.objects.get(code="achilles_tendinopathy"),
            "complaint": "Achilles pain when running",
        },
        sites=[],
        scores={},
    )
    screen(visit, by=physio)

    browser_log_in(page, physio, PASSWORD)
    page.goto(f"/visits/{visit.uuid}/handout/")
    expect(page.get_by_role("heading", name="Step 4: Home-exercise program")).to_be_visible()

    suggestions = page.get_by_test_id("suggestions")
    for name in (
        "Eccentric heel drop, straight knee",
        "Eccentric heel drop, bent knee",
        "Wall calf stretch, straight knee",
    ):
        suggestions = page.get_by_test_id("suggestions")
        suggestions.get_by_role("button", name=f"Add {name}").click()
    expect(page.get_by_test_id("program-item")).to_have_count(3)
    page.get_by_label("Reps for Eccentric heel drop, bent knee").fill("12")
    page.get_by_role("button", name="Save program and review").click()
    expect(page.get_by_text("it is now the patient's active plan")).to_be_visible()
    expect(page.get_by_test_id("review-program")).to_contain_text("3 x 12")
    page.get_by_role("button", name="Sign and lock the visit").click()
    expect(page.get_by_text("Visit signed.")).to_be_visible()

    page.goto(f"/patients/{patient.uuid}/")
    page.get_by_role("button", name="Invite to portal").click()
    expect(page.get_by_text("Invitation sent to zoe@example.com")).to_be_visible()
    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/portal/activate/\S+/", mail.outbox[0].body).group(0)

    # The patient, on a phone.
    phone = chromium.new_context(
        base_url=live_server.url,
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
    )
    phone.set_default_timeout(15_000)
    mobile = phone.new_page()
    mobile.goto(link)
    expect(mobile.get_by_role("heading", name=re.compile("patient portal"))).to_be_visible()
    mobile.get_by_label("New password*", exact=True).fill("a-long-Portal-passw0rd")
    mobile.get_by_label("New password confirmation*", exact=True).fill("a-long-Portal-passw0rd")
    mobile.get_by_role("button", name="Set my password").click()
    expect(mobile.get_by_role("heading", name="Hello, Zoë")).to_be_visible()
    cards = mobile.get_by_test_id("exercise-card")
    expect(cards).to_have_count(3)
    expect(cards.nth(1)).to_contain_text("3 x 12")
    # The cards fit the phone's width: no sideways scrolling.
    assert mobile.evaluate("document.documentElement.scrollWidth") <= 390

    mobile.get_by_label("Done today: Eccentric heel drop, straight knee").check()
    mobile.get_by_label("Done today: Eccentric heel drop, bent knee").check()
    mobile.get_by_label(re.compile("^Pain today")).fill("3")
    mobile.get_by_role("button", name="Save today's check-in").click()
    expect(mobile.get_by_text("Today's check-in is saved.")).to_be_visible()
    expect(mobile.get_by_label("Done today: Eccentric heel drop, straight knee")).to_be_checked()
    check_in = CheckIn.objects.get(patient=patient)
    assert check_in.pain == 3 and check_in.done.count() == 2

    mobile.get_by_role("link", name="Open the handout to print").click()
    handout = mobile.get_by_test_id("handout")
    expect(handout).to_contain_text("Home exercise program for Zoë")
    expect(handout).to_contain_text("Wall calf stretch, straight knee")
    expect(handout).to_contain_text("After your treatment")
    expect(handout).not_to_contain_text("Achilles pain when running")
    assert HomeProgram.objects.get().activated_at is not None
    phone.close()
