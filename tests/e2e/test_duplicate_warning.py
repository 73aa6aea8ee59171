"""Front desk, in a real browser: registering someone already registered shows "Possible
duplicate" with a link to the record; ticking "save anyway" registers them."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from patients.models import Patient
from revere import roles
from tests.factories import PASSWORD, PatientFactory, UserFactory
from tests.support import browser_log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_front_desk_sees_the_duplicate_warning_and_registers_anyway(page, live_server):
    desk = UserFactory(username="desk", first_name="Robin", role=roles.FRONT_DESK)
    existing = PatientFactory(
        first_name="Marguerite",
        last_name="Ostrowski",
        date_of_birth=datetime.date(1975, 6, 2),
        phone="604-555-0142",
    )

    browser_log_in(page, desk, PASSWORD)
    page.goto(f"{live_server.url}/patients/new/")
    page.get_by_label("First name").fill("marguerite")
    page.get_by_label("Last name").fill("Ostrowski")
    page.get_by_label("Date of birth").fill("1975-06-02")
    page.get_by_role("textbox", name=re.compile(r"^Phone")).fill("250-555-0100")
    page.get_by_role("button", name="Register patient").click()

    warning = page.get_by_test_id("possible-duplicate")
    expect(warning).to_contain_text("Possible duplicate")
    link = warning.get_by_role("link", name=re.compile("Marguerite Ostrowski, born 1975-06-02"))
    expect(link).to_have_attribute("href", f"/patients/{existing.uuid}/")
    expect(page.get_by_label("Last name")).to_have_value("Ostrowski")
    assert Patient.objects.count() == 1

    page.get_by_label("This is a different person: save anyway").check()
    page.get_by_role("button", name="Register patient").click()
    expect(page.get_by_text("marguerite Ostrowski is registered.")).to_be_visible()
    assert Patient.objects.filter(last_name="Ostrowski").count() == 2
