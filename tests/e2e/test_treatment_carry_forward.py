"""A follow-up visit in a real browser (issue 12): the short re-assessment, then the treatment
step where a new application starts from the previous one, "Repeat on the other side" records the
mirror application, and "Dose so far" warns in words. Both pages pass axe (WCAG 2.1 AA)."""

import datetime

import pytest
from playwright.sync_api import expect

from tests.clinical import apply, give_consent, make_visit, screen
from tests.e2e.axe import axe_violations, describe
from tests.factories import PASSWORD, PatientFactory, PractitionerFactory, UserFactory
from tests.programs import sign
from tests.support import browser_log_in
from treatments.models import Application, Visit

pytestmark = pytest.mark.django_db(transaction=True)


def no_violations(page):
    violations = axe_violations(page)
    assert not violations, describe(violations)


def test_follow_up_reassessment_prefill_repeat_and_dose(page):
    from revere import roles

    physio = UserFactory(username="physio", first_name="Alex", role=roles.PHYSIOTHERAPIST)
    PractitionerFactory(user=physio)
    patient = give_consent(PatientFactory(first_name="Maren", last_name="Solberg"), physio)
    first = make_visit(physio, patient)
    screen(first)
    apply(first, "calf", "left", 120)
    Visit.objects.filter(pk=first.pk).update(date=first.date - datetime.timedelta(days=1))
    first.refresh_from_db()
    sign(first)
    visit = make_visit(physio, patient)

    browser_log_in(page, physio, PASSWORD)
    page.goto(f"/visits/{visit.uuid}/assessment/")
    expect(
        page.get_by_role("heading", name="Step 1: Re-assessment (follow-up visit)")
    ).to_be_visible()
    no_violations(page)
    page.get_by_label("Changes since the last visit").fill("Walks to work without limping")
    page.get_by_label("Pain now", exact=True).fill("3")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Draft saved.")).to_be_visible()
    expect(page.get_by_label("Pain now", exact=True)).to_have_value("3")

    screen(visit)
    page.goto(f"/visits/{visit.uuid}/treatment/")
    # Yesterday's calf (left): the dose table and its warning, in words.
    expect(page.get_by_test_id("dose-warnings")).to_contain_text(
        "Calf (left) was also treated on the previous day"
    )
    form = page.get_by_test_id("application-form")
    form.get_by_label("Region").select_option(label="Calf")
    form.get_by_label("Side").select_option("right")
    form.get_by_label("Instrument").select_option(label="GT4")
    form.get_by_label("Stroke technique").select_option(label="Fanning")
    form.get_by_label("Direction").select_option(label="Oblique")
    form.get_by_label("Pressure").select_option(label="Deep")
    form.get_by_role("spinbutton", name="Duration (seconds, 1–120)").fill("50")
    form.get_by_role("button", name="Record application").click()
    expect(page.get_by_text("Application recorded.")).to_be_visible()

    # The next application starts from that technique; only where and how long are new.
    form = page.get_by_test_id("application-form")
    expect(form.get_by_label("Stroke technique")).to_have_value("fanning")
    expect(form.get_by_label("Direction")).to_have_value("oblique")
    expect(form.get_by_label("Pressure")).to_have_value("deep")
    expect(form.get_by_label("Region")).to_have_value("")
    no_violations(page)

    page.get_by_role("button", name="Repeat on the other side (Calf left)").click()
    expect(page.get_by_text("Application repeated on Calf (left).")).to_be_visible()
    assert list(
        Application.objects.filter(session__visit=visit).values_list("side", "duration_seconds")
    ) == [("right", 50), ("left", 50)]
    rows = page.get_by_test_id("dose-row")
    expect(rows.filter(has_text="Calf (left)")).to_contain_text("0:50")
    expect(rows.filter(has_text="Calf (left)")).to_contain_text("2:50")
