"""Helpers and fixtures for the schedule and booking tests.

Test modules take the fixtures with ``from tests.scheduling import *`` (only the fixtures are
exported) and import the helpers by name.
"""

import datetime

import pytest
from django.utils import timezone

from tests.factories import AppointmentTypeFactory, PractitionerFactory, WorkingHoursFactory

__all__ = [
    "practitioner",
    "second_practitioner",
    "follow_up",
    "initial_assessment",
    "consultation_call",
]

WEEKDAY_BLOCKS = ((datetime.time(8), datetime.time(12)), (datetime.time(13), datetime.time(17)))


def clinic_tz():
    return timezone.get_default_timezone()


def future_day(weekday: int = 0, *, weeks: int = 1) -> datetime.date:
    """A date on ``weekday`` (0 = Monday) at least ``weeks`` weeks from today: always bookable."""
    day = timezone.localdate() + datetime.timedelta(weeks=weeks)
    return day + datetime.timedelta(days=(weekday - day.weekday()) % 7)


def at(day: datetime.date, hhmm: str) -> datetime.datetime:
    """The aware instant of a wall-clock time on ``day`` in the clinic's zone."""
    hour, minute = map(int, hhmm.split(":"))
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=clinic_tz())


def give_hours(practitioner, weekdays=range(5), blocks=WEEKDAY_BLOCKS):
    for weekday in weekdays:
        for starts, ends in blocks:
            WorkingHoursFactory(
                practitioner=practitioner, weekday=weekday, starts=starts, ends=ends
            )
    return practitioner


@pytest.fixture
def practitioner(db):
    """Alex Moreau, working Monday to Friday 08:00-12:00 and 13:00-17:00."""
    return give_hours(PractitionerFactory(display_name="Alex Moreau, PT"))


@pytest.fixture
def second_practitioner(db):
    return give_hours(PractitionerFactory(display_name="Chidi Okafor, PT"))


@pytest.fixture
def follow_up(db):
    return AppointmentTypeFactory(
        name="Follow-up IASTR", minutes=30, mode="in_clinic", kind="follow_up"
    )


@pytest.fixture
def initial_assessment(db):
    return AppointmentTypeFactory(
        name="Initial assessment", minutes=60, mode="in_clinic", kind="initial_assessment"
    )


@pytest.fixture
def consultation_call(db):
    return AppointmentTypeFactory(
        name="Free 10-minute consultation call", minutes=10, mode="phone", kind="consultation"
    )
