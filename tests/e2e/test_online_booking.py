"""Issue 13: booking online on a phone (390x844), no login: choose the free consultation call, a
day and a time, type the details, read the code from the email the live server sent, confirm,
see the done page. Once with JavaScript (axe on every page, nothing wider than the screen) and
once without."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from patients.models import Appointment, BookingSource
from tests.e2e.axe import axe_violations, describe
from tests.factories import PractitionerFactory
from tests.online import CODE_IN_EMAIL
from tests.scheduling import at, future_day, give_hours

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}


def check_page(page, where):
    violations = axe_violations(page)
    assert not violations, f"{where}: {describe(violations)}"
    widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"{where} scrolls sideways: {widths}"


def book_on_a_phone(page, *, email, hhmm, check=True):
    monday = future_day(0)
    page.set_viewport_size(PHONE)
    page.goto("/book/")
    expect(page.get_by_role("heading", name="Book an appointment")).to_be_visible()
    expect(page.get_by_test_id("clinic-contact")).to_contain_text("604-555-0111")
    if check:
        check_page(page, "the booking page")
    page.get_by_label("What would you like to book?").select_option(
        label="Free 10-minute consultation call (10 min, phone call)"
    )
    page.get_by_label("Day", exact=True).fill(monday.isoformat())
    page.get_by_role("button", name="Show free times").click()
    page.locator("label.free-time", has_text=re.compile(f"^{hhmm}")).first.click()
    page.get_by_label("First name").fill("Maren")
    page.get_by_label("Last name").fill("Ostrowski")
    page.locator("#id_phone").fill("604 555 0199")
    page.locator("#id_email").fill(email)
    sent = len(mail.outbox)
    page.get_by_role("button", name="Email me the code").click()
    page.wait_for_url(re.compile(r".*/book/confirm/[0-9a-f-]{36}/$"))
    expect(page.get_by_test_id("check-email")).to_contain_text("6-digit code")
    if check:
        check_page(page, "the code page")
    assert len(mail.outbox) == sent + 1
    message = mail.outbox[-1]
    assert message.to == [email]
    code = CODE_IN_EMAIL.search(message.body).group(1)
    page.get_by_label("Code from the email").fill(code)
    page.get_by_role("button", name="Confirm my booking").click()
    page.wait_for_url(re.compile(r".*/book/done/.+/$"))
    expect(page.get_by_role("heading", name="You are booked")).to_be_visible()
    expect(page.get_by_test_id("booked")).to_contain_text(hhmm)
    if check:
        check_page(page, "the done page")
    appointment = Appointment.objects.get(patient__email=email)
    assert appointment.source == BookingSource.ONLINE
    assert appointment.starts_at == at(monday, hhmm)
    assert mail.outbox[-1].subject.startswith("Booked: Free 10-minute consultation call")


def test_booking_online_on_a_phone(page, chromium, live_server, settings):
    settings.CLINIC_PHONE = "604-555-0111"
    settings.CLINIC_ADDRESS = "12 Quay St, Vancouver"
    give_hours(PractitionerFactory(display_name="Alex Moreau, PT"))
    console = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))
    book_on_a_phone(page, email="maren@example.com", hhmm="09:00")
    # No page of the flow breaks the Content-Security-Policy (enforced: DEBUG is off).
    assert not [m for m in console if "Content Security Policy" in m or "pageerror" in m]

    # The same without JavaScript.
    context = chromium.new_context(base_url=live_server.url, java_script_enabled=False)
    try:
        book_on_a_phone(
            context.new_page(), email="maren.two@example.com", hhmm="10:00", check=False
        )
    finally:
        context.close()
