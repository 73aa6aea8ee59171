"""Issue 10: a practitioner's time off, never saved silently over booked appointments.

The appointments that hold their time (booked, arrived, completed) during a time off are its
*clashes*. Saving a time off lists them and refuses (TimeOffClashes) until the manager has seen
every one of them (``seen``): each is then cancelled with a reason (the patient is emailed, as
every cancellation is), or kept, to be moved on its reschedule page or left as it is. A booking
made while the manager was choosing is a clash they have not seen: the list comes back.
"""

import dataclasses
import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from patients.models import Appointment, AppointmentStatus, Practitioner, TimeOff
from patients.services.booking import appointment_set_status

CANCEL_REASON = "Practitioner away"
# Longer than any holiday or leave a clinic would enter in one go: a typo (2062 for 2026) is
# refused rather than blocking decades of the schedule.
MAX_TIME_OFF = datetime.timedelta(days=366)


class TimeOffClashes(ValidationError):
    """The time off covers appointments the manager has not decided on yet: ``clashes`` lists
    every appointment holding its time during it, soonest first."""

    def __init__(self, clashes: list[Appointment], message: str | None = None):
        self.clashes = clashes
        count = len(clashes)
        super().__init__(
            message
            or (
                f"{count} appointment{'s are' if count != 1 else ' is'} booked during this time "
                "off. Nothing is saved yet: choose what happens to each, then save again."
            ),
            code="clashes",
        )


@dataclasses.dataclass
class TimeOffSaved:
    time_off: TimeOff
    cancelled: list[Appointment]  # each with its email Notice as ``notice``
    kept: list[Appointment]  # still booked during the time off


def time_off_clashes(
    *, practitioner: Practitioner, starts_at: datetime.datetime, ends_at: datetime.datetime
) -> list[Appointment]:
    """The practitioner's appointments that hold their time and overlap [starts_at, ends_at):
    one that ends as the time off starts, or starts as it ends, does not clash; cancelled and
    no-show ones free their time and do not either. One query, patient and type loaded."""
    return list(
        Appointment.objects.active()
        .filter(practitioner=practitioner)
        .overlapping(starts_at, ends_at)
        .select_related("patient", "type")
        .order_by("starts_at", "pk")
    )


def appointment_cancel_for_time_off(
    *, appointment: Appointment, by, reason: str = CANCEL_REASON
) -> Appointment:
    """Cancel a booked appointment because its practitioner is away: the clinic's cancellation
    (not the patient's), with its reason, and the patient's email once it commits."""
    if appointment.status != AppointmentStatus.BOOKED:
        raise ValidationError(
            f"The appointment at {timezone.localtime(appointment.starts_at):%H:%M} is "
            f"{appointment.get_status_display().lower()}: only a booked one can be cancelled.",
            code="not_booked",
        )
    return appointment_set_status(
        appointment=appointment,
        status=AppointmentStatus.CANCELLED,
        by=by,
        reason=reason or CANCEL_REASON,
    )


@transaction.atomic
def time_off_save(
    *,
    practitioner: Practitioner,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    by,
    reason: str = "",
    time_off: TimeOff | None = None,
    seen=frozenset(),
    cancel=frozenset(),
    cancel_reason: str = CANCEL_REASON,
) -> TimeOffSaved:
    """Add a time off (or change ``time_off``) for ``practitioner``.

    Refused with TimeOffClashes while any appointment booked during it is not among ``seen``
    (appointment uuids the manager was shown), or when ``cancel`` names one that no longer clashes
    (it was moved or cancelled meanwhile); nothing is saved then. Otherwise the appointments in
    ``cancel`` are cancelled with ``cancel_reason`` (their patients emailed) and the time off is
    saved, both or neither.

    The practitioner's row is locked first, as a booking locks it: a booking cannot slip in
    between the check and the save.
    """
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise ValueError("starts_at and ends_at must be aware datetimes")
    if ends_at <= starts_at:
        raise ValidationError("Time off must end after it starts.", code="order")
    if ends_at - starts_at > MAX_TIME_OFF:
        raise ValidationError("Enter time off of at most a year at a time.", code="too_long")
    practitioner = Practitioner.objects.select_for_update(no_key=True).get(pk=practitioner.pk)
    clashes = time_off_clashes(practitioner=practitioner, starts_at=starts_at, ends_at=ends_at)
    seen = set(seen)
    cancel = set(cancel)
    if any(appointment.uuid not in seen for appointment in clashes):
        raise TimeOffClashes(clashes)
    by_uuid = {appointment.uuid: appointment for appointment in clashes}
    if cancel - by_uuid.keys():
        raise TimeOffClashes(
            clashes,
            "The appointments during this time off changed while you were choosing (one was "
            "moved or cancelled). Nothing is saved yet: check the list and save again.",
        )
    reason_words = " ".join(cancel_reason.split())[:300] or CANCEL_REASON
    cancelled = [
        appointment_cancel_for_time_off(appointment=by_uuid[uuid], by=by, reason=reason_words)
        for uuid in sorted(cancel, key=lambda u: (by_uuid[u].starts_at, by_uuid[u].pk))
    ]
    if time_off is None:
        time_off = TimeOff()
    else:
        time_off = TimeOff.objects.select_for_update().get(pk=time_off.pk)
    time_off.practitioner = practitioner
    time_off.starts_at = starts_at
    time_off.ends_at = ends_at
    time_off.reason = " ".join(reason.split())[:200]
    time_off.full_clean()
    time_off.save()
    kept = [appointment for appointment in clashes if appointment.uuid not in cancel]
    return TimeOffSaved(time_off=time_off, cancelled=cancelled, kept=kept)


def time_off_upcoming(*, now: datetime.datetime | None = None):
    """Time off not over yet, soonest first, each with ``clash_count``: how many appointments
    still hold their time during it. One query (paginate it)."""
    now = now or timezone.now()
    clashes = (
        Appointment.objects.active()
        .filter(
            practitioner=OuterRef("practitioner"),
            starts_at__lt=OuterRef("ends_at"),
            ends_at__gt=OuterRef("starts_at"),
        )
        .order_by()
        .values("practitioner")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        TimeOff.objects.filter(ends_at__gt=now)
        .select_related("practitioner")
        .annotate(clash_count=Coalesce(Subquery(clashes), 0))
        .order_by("starts_at", "pk")
    )
