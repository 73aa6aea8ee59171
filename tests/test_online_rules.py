"""The clinic's rules for booking online (issue 13): notice, how far ahead, same day, switches."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import timezone

from patients import online
from patients.models import AppointmentKind, AppointmentType
from tests.factories import PractitionerFactory

TZ = timezone.get_default_timezone()


def local(y, m, d, h=0, minute=0):
    return datetime.datetime(y, m, d, h, minute, tzinfo=TZ)


NOW = local(2026, 12, 8, 9, 0)


@override_settings(
    ONLINE_BOOKING_MIN_NOTICE_HOURS=12, ONLINE_BOOKING_SAME_DAY=False, ONLINE_BOOKING_DAYS_AHEAD=60
)
def test_window_starts_tomorrow_and_ends_after_the_last_day():
    window = online.rules().window(NOW)
    assert window.start == local(2026, 12, 9)
    assert window.end == local(2027, 2, 7)  # the whole of 6 February, 60 days from today
    assert online.rules().last_day(NOW) == datetime.date(2027, 2, 6)


@override_settings(ONLINE_BOOKING_MIN_NOTICE_HOURS=2, ONLINE_BOOKING_SAME_DAY=True)
def test_same_day_allowed_after_the_notice():
    assert online.rules().window(NOW).start == NOW + datetime.timedelta(hours=2)
    online.check_online_start(local(2026, 12, 8, 11, 0), now=NOW)
    with pytest.raises(ValidationError) as refused:
        online.check_online_start(local(2026, 12, 8, 10, 30), now=NOW)
    assert refused.value.code == "too_soon"
    assert "2 hours' notice" in refused.value.messages[0]


@override_settings(ONLINE_BOOKING_MIN_NOTICE_HOURS=2, ONLINE_BOOKING_SAME_DAY=False)
def test_same_day_refused_in_words():
    with pytest.raises(ValidationError) as refused:
        online.check_online_start(local(2026, 12, 8, 15, 0), now=NOW)
    assert refused.value.code == "too_soon"
    assert "Same-day appointments cannot be booked online" in refused.value.messages[0]


@override_settings(ONLINE_BOOKING_DAYS_AHEAD=10)
def test_too_far_ahead_names_the_last_day():
    with pytest.raises(ValidationError) as refused:
        online.check_online_start(local(2026, 12, 19, 9, 0), now=NOW)
    assert refused.value.code == "too_far"
    assert "Friday 18 December 2026" in refused.value.messages[0]


@override_settings(ONLINE_BOOKING_ENABLED=False)
def test_online_booking_off():
    with pytest.raises(ValidationError) as refused:
        online.check_online_start(local(2026, 12, 10, 9, 0), now=NOW)
    assert refused.value.code == "online_off"


@pytest.mark.django_db
def test_switches_choose_types_and_practitioners():
    # The migration switches the three standard kinds on.
    kinds = set(online.online_types(online.PUBLIC_KINDS).values_list("kind", flat=True))
    assert kinds == {AppointmentKind.CONSULTATION, AppointmentKind.INITIAL_ASSESSMENT}
    AppointmentType.objects.filter(kind=AppointmentKind.CONSULTATION).update(online_booking=False)
    kinds = set(online.online_types(online.PUBLIC_KINDS).values_list("kind", flat=True))
    assert kinds == {AppointmentKind.INITIAL_ASSESSMENT}
    shown = PractitionerFactory()
    PractitionerFactory(online_booking=False)
    PractitionerFactory(active=False)
    assert list(online.online_practitioners()) == [shown]
