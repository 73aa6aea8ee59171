"""The clinic's rules for booking online (issue 13): the public booking page and the portal.

One place for what a patient may book by themselves, read from the settings (README
"Configuration"): online booking on or off, the minimum notice, how far ahead, same-day on or off,
how long an unconfirmed request holds its time, and which appointment types and practitioners are
offered (their "Bookable online" switches in the admin). The services check a time with
``check_online_start`` under the booking's locks; the pages only offer what the window allows.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import dateformat, timezone

from patients import scheduling
from patients.models import AppointmentKind, AppointmentType, Practitioner

# What a new patient may book on the public page; the portal offers follow-ups (and the call).
PUBLIC_KINDS = (AppointmentKind.CONSULTATION, AppointmentKind.INITIAL_ASSESSMENT)
PORTAL_KINDS = (AppointmentKind.FOLLOW_UP, AppointmentKind.CONSULTATION)


@dataclass(frozen=True)
class OnlineRules:
    enabled: bool
    min_notice: datetime.timedelta
    days_ahead: int
    same_day: bool
    hold: datetime.timedelta

    @classmethod
    def from_settings(cls) -> "OnlineRules":
        return cls(
            enabled=settings.ONLINE_BOOKING_ENABLED,
            min_notice=datetime.timedelta(hours=max(0, settings.ONLINE_BOOKING_MIN_NOTICE_HOURS)),
            days_ahead=max(0, settings.ONLINE_BOOKING_DAYS_AHEAD),
            same_day=settings.ONLINE_BOOKING_SAME_DAY,
            hold=datetime.timedelta(minutes=max(1, settings.ONLINE_BOOKING_HOLD_MINUTES)),
        )

    def window(self, now: datetime.datetime | None = None) -> scheduling.Interval:
        """The instants an online booking may start in: from ``now`` plus the notice (and not
        before tomorrow without same-day booking) to the end of the last day offered, in the
        clinic's time zone."""
        now = now or timezone.now()
        tz = timezone.get_default_timezone()
        today = timezone.localdate(now, tz)
        earliest = now + self.min_notice
        if not self.same_day:
            tomorrow = today + datetime.timedelta(days=1)
            earliest = max(earliest, scheduling.local_instant(tomorrow, datetime.time(), tz))
        last_day = today + datetime.timedelta(days=self.days_ahead + 1)
        latest = scheduling.local_instant(last_day, datetime.time(), tz)
        return scheduling.Interval(earliest, max(earliest, latest))

    def first_day(self, now: datetime.datetime | None = None) -> datetime.date:
        return timezone.localdate(self.window(now).start, timezone.get_default_timezone())

    def last_day(self, now: datetime.datetime | None = None) -> datetime.date:
        end = self.window(now).end - datetime.timedelta(microseconds=1)
        return timezone.localdate(end, timezone.get_default_timezone())


def rules() -> OnlineRules:
    return OnlineRules.from_settings()


def check_online_start(starts_at: datetime.datetime, *, now: datetime.datetime | None = None):
    """Refuse, with a ValidationError saying which rule, a start the clinic does not take online.
    The codes: ``online_off``, ``too_soon``, ``too_far``."""
    current = rules()
    now = now or timezone.now()
    if not current.enabled:
        raise ValidationError(
            f"Online booking is closed at the moment: please call the clinic at "
            f"{settings.CLINIC_PHONE}.",
            code="online_off",
        )
    window = current.window(now)
    if starts_at < window.start:
        if not current.same_day and timezone.localdate(starts_at) == timezone.localdate(now):
            message = (
                "Same-day appointments cannot be booked online: please call the clinic at "
                f"{settings.CLINIC_PHONE}, or choose a time from tomorrow on."
            )
        else:
            hours = int(current.min_notice.total_seconds() // 3600)
            message = (
                f"Online bookings need at least {hours} hours' notice: choose a later time, or "
                f"call the clinic at {settings.CLINIC_PHONE}."
            )
        raise ValidationError(message, code="too_soon")
    if starts_at >= window.end:
        last = dateformat.format(current.last_day(now), "l j F Y")
        raise ValidationError(
            f"Online bookings are open up to {last}: choose an earlier day, or call the clinic.",
            code="too_far",
        )


def online_types(kinds=PUBLIC_KINDS):
    """The active appointment types of ``kinds`` switched on for online booking."""
    return AppointmentType.objects.filter(active=True, online_booking=True, kind__in=kinds)


def online_practitioners():
    """Active practitioners switched on for online booking."""
    return Practitioner.objects.filter(active=True, online_booking=True)
