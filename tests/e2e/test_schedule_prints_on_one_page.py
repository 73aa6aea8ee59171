"""Issue 10: a full day (about 20 appointments, 3 practitioners) prints on one landscape page."""

import re

import pytest

from revere import roles
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


def test_a_busy_day_prints_on_one_landscape_page_with_phones(page):
    desk = UserFactory(username="desk", role=roles.FRONT_DESK)
    follow_up = AppointmentTypeFactory(name="Follow-up IASTR", minutes=30, mode="in_clinic")
    day = future_day(3)
    times = ["08:00", "09:00", "10:00", "11:00", "13:00", "14:00", "15:00"]
    count = 0
    for number in range(3):
        practitioner = give_hours(PractitionerFactory(display_name=f"Practitioner {number} PT"))
        for index, hhmm in enumerate(times[: 7 if number < 2 else 6]):
            AppointmentFactory(
                patient=PatientFactory(phone=f"604-555-{number}{index:03d}"),
                practitioner=practitioner,
                type=follow_up,
                starts_at=at(day, hhmm),
            )
            count += 1
    assert count == 20

    browser_log_in(page, desk, PASSWORD)
    page.goto(f"/patients/schedule/?day={day:%Y-%m-%d}")
    page.emulate_media(media="print")
    assert page.get_by_test_id("print-phone").first.is_visible()
    assert not page.locator(".schedule-legend").is_visible()
    pdf = page.pdf(landscape=True, prefer_css_page_size=True, print_background=True)
    pages = len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf))
    assert pages == 1, f"the day prints on {pages} pages"
