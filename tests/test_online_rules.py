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


@pytest.mark.django_db
@override_settings(ONLINE_BOOKING_MIN_NOTICE_HOURS=12, ONLINE_BOOKING_SAME_DAY=False)
def test_booking_service_applies_the_online_rules_to_patients_only():
    from patients.models import Appointment, BookingSource
    from patients.services import appointment_book
    from tests.factories import PatientFactory, WorkingHoursFactory

    practitioner = PractitionerFactory()
    for weekday in range(7):
        WorkingHoursFactory(
            practitioner=practitioner,
            weekday=weekday,
            starts=datetime.time(8),
            ends=datetime.time(18),
        )
    call = AppointmentType.objects.get(kind=AppointmentKind.CONSULTATION)
    patient = PatientFactory()
    now = timezone.now()
    soon = (now + datetime.timedelta(hours=2)).replace(second=0, microsecond=0)
    # The clinic books at short notice; the same time online is refused with the rule in words.
    with pytest.raises(ValidationError) as refused:
        appointment_book(
            patient=patient,
            practitioner=practitioner,
            type=call,
            starts_at=soon,
            by=None,
            source=BookingSource.ONLINE,
            outside_hours_reason="crafted",
        )
    assert refused.value.code in {"too_soon"}
    later = timezone.localtime(now + datetime.timedelta(days=3)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    practitioner.online_booking = False
    practitioner.save()
    with pytest.raises(ValidationError) as refused:
        appointment_book(
            patient=patient,
            practitioner=practitioner,
            type=call,
            starts_at=later,
            by=None,
            source=BookingSource.ONLINE,
        )
    assert refused.value.code == "not_online"
    practitioner.online_booking = True
    practitioner.save()
    booked = appointment_book(
        patient=patient,
        practitioner=practitioner,
        type=call,
        starts_at=later,
        by=None,
        source=BookingSource.ONLINE,
    )
    assert Appointment.objects.get(pk=booked.pk).source == BookingSource.ONLINE
