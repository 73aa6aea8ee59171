"""Issue 9: with DEBUG off and the Content-Security-Policy enforced, the main pages run in
Chromium without a single policy violation: the sign-in page, a visit's treatment step with its
timer running, the visit progress bar, and the patient's portal home. A violation (an inline
style, script or handler left somewhere) shows as a console error, and a blocked script would
also leave the timer hidden."""

import re

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from tests.clinical import give_consent, screen
from tests.factories import PASSWORD, PatientFactory, PractitionerFactory, UserFactory
from tests.programs import TYLER, build_program
from tests.support import browser_log_in
from treatments import services

pytestmark = pytest.mark.django_db(transaction=True)

POLICY_PROBLEM = re.compile(r"Content Security Policy|Content-Security-Policy|Permissions-Policy")


@pytest.fixture
def console(page):
    """Every console message and page error of the page, as text."""
    messages = []
    page.on("console", lambda message: messages.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: messages.append(f"pageerror: {error}"))
    return messages


def policy_problems(messages):
    return [m for m in messages if POLICY_PROBLEM.search(m) or m.startswith("pageerror")]


def sign_in(page, username):
    """Through the pages, with the authenticator code for staff (the second step, issue 9)."""
    browser_log_in(page, get_user_model().objects.get(username=username), PASSWORD)


def test_the_policy_is_enforced_and_the_cookies_are_host_prefixed(page, console):
    assert not settings.DEBUG
    response = page.goto("/accounts/login/")
    csp = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert "no-store" in response.headers["cache-control"]
    # Chromium accepted the __Host- CSRF cookie from http://localhost.
    names = {cookie["name"] for cookie in page.context.cookies()}
    assert "__Host-csrftoken" in names
    assert policy_problems(console) == []


def test_treatment_step_with_the_timer_has_no_policy_violation(page, console):
    from revere import roles

    physio = PractitionerFactory(
        user=UserFactory(username="physio", role=roles.PHYSIOTHERAPIST)
    ).user
    patient = give_consent(PatientFactory(first_name="Gunnar", last_name="Lindqvist"), physio)
    visit = services.visit_start(patient=patient, practitioner=physio.practitioner)
    screen(visit)

    sign_in(page, "physio")
    assert "__Host-sessionid" in {cookie["name"] for cookie in page.context.cookies()}
    page.clock.install()
    page.goto(f"/visits/{visit.uuid}/treatment/")
    expect(page.get_by_role("heading", name="Step 3: IASTR treatment")).to_be_visible()
    # The visit progress bar (step 3 of 5) is as wide as its step, from a class in the stylesheet.
    progress = page.get_by_role("progressbar", name="Visit progress")
    now, steps = (int(progress.get_attribute(a)) for a in ("aria-valuenow", "aria-valuemax"))
    assert (now, steps) == (3, 5)
    assert progress.locator(".progress-bar").evaluate(
        "el => el.getBoundingClientRect().width / el.parentElement.clientWidth"
    ) == pytest.approx(now / steps, abs=0.02)
    # The timer (a static script) shows, runs, and moves its bar through the CSSOM.
    form = page.get_by_test_id("application-form")
    form.get_by_role("button", name="Start").click()
    page.clock.run_for(60_000)
    form.get_by_role("button", name="Pause").click()
    expect(form.locator("[data-timer-display]")).to_have_text("1:00")
    # Its bar's width is set through the CSSOM (not a style attribute in the HTML), which the
    # policy allows; Bootstrap's transition then animates it, so read what the script wrote.
    timer_bar = form.locator("[data-timer-progress] .progress-bar")
    assert timer_bar.evaluate("el => el.style.width") == "50%"
    expect(form.locator("[data-timer-progress]")).to_have_attribute("aria-valuenow", "60")
    # The review page's print button is shown by print.js.
    page.goto(f"/visits/{visit.uuid}/review/")
    expect(page.get_by_role("button", name="Print")).to_be_visible()
    assert policy_problems(console) == []


def test_portal_home_has_no_policy_violation(page, console):
    from revere import roles

    physio = PractitionerFactory(
        user=UserFactory(username="physio", role=roles.PHYSIOTHERAPIST)
    ).user
    patient_user = UserFactory(username="olive", role=roles.PATIENT)
    patient = PatientFactory(user=patient_user, first_name="Olive", last_name="Owner")
    program = build_program(physio, TYLER, patient=patient)

    sign_in(page, "olive")
    page.goto("/portal/")
    expect(page.get_by_label("Done today: Tyler twist (flexible bar)")).to_be_visible()
    width = page.locator(".portal-pain").evaluate("el => getComputedStyle(el).maxWidth")
    assert width == "352px"  # 22rem: the class from the stylesheet applies
    page.goto(f"/programs/{program.uuid}/handout/")
    expect(page.get_by_role("button", name="Print")).to_be_visible()
    assert policy_problems(console) == []


def test_an_inline_style_would_be_reported(page, console, live_server):
    # The listener is live: an inline style injected into a page is refused and reported.
    page.goto("/accounts/login/")
    page.evaluate(
        "() => { const d = document.createElement('div');"
        " d.innerHTML = '<p style=\"color: red\">x</p>'; document.body.append(d); }"
    )
    page.wait_for_timeout(200)
    assert policy_problems(console), console
