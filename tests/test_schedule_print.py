"""Issue 10: the printed day schedule carries the patients' phones, in print-only elements."""

import re

import pytest

from tests.factories import AppointmentFactory, PatientFactory
from tests.scheduling import *  # noqa: F403 (fixtures)
from tests.scheduling import at, future_day

pytestmark = pytest.mark.django_db


def test_the_day_prints_each_patients_phone_and_hides_the_legend(
    front_desk_client, practitioner, follow_up
):
    day = future_day(2)
    phones = ["604-555-0111", "778-555-0122"]
    for hhmm, phone in zip(["09:00", "10:00"], phones, strict=True):
        AppointmentFactory(
            patient=PatientFactory(phone=phone),
            practitioner=practitioner,
            type=follow_up,
            starts_at=at(day, hhmm),
        )
    page = front_desk_client.get(f"/patients/schedule/?day={day:%Y-%m-%d}").content.decode()
    for phone in phones:
        assert re.search(
            r'<span class="appointment-phone d-none d-print-block" data-testid="print-phone">'
            + re.escape(phone)
            + "</span>",
            page,
        ), phone
    assert re.search(r'class="[^"]*schedule-legend[^"]*d-print-none', page)
