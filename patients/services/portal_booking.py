"""The patient portal's own booking and rescheduling (issue 13).

What a signed-in patient may book is decided here, then the booking service books it with
``source=PORTAL`` (patients/services/booking.py), which applies the online rules again under its
row locks (patients/online.py: online booking on, the notice, same day, how far ahead, the type
and the practitioner bookable online, working hours only). A crafted POST meets the same
refusals as the page, each a ValidationError whose ``code`` says which rule and whose message
says it in words, with the clinic's phone where calling is the way out:

- a patient who has had an initial assessment books the follow-up type(s) bookable online; one
  who has not, the initial assessment and the consultation call (those bookable online);
- a patient moves a booked appointment of their own, of a type bookable online, up to
  PORTAL_CANCEL_HOURS before it starts (the late-cancellation period), to a free time within the
  online rules with a practitioner bookable online; the same type.

The pages' reads (which types, which practitioners, the strip of days and their free times) are
here too, so the pages offer exactly what the services accept.
"""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from patients import online, selectors
from patients.models import (
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    AppointmentType,
    BookingSource,
    Patient,
    Practitioner,
)
from patients.services import booking

# The kinds a patient books in the portal: follow-ups once assessed, else the first visit.
ASSESSED_KINDS = (AppointmentKind.FOLLOW_UP,)
NEW_PATIENT_KINDS = (AppointmentKind.INITIAL_ASSESSMENT, AppointmentKind.CONSULTATION)
# The strip of days on the pages: the window's days a week at a time.
STRIP_DAYS = 7
# Refusals that depend on the practitioner: "any practitioner" tries the next one.
_PRACTITIONER_REFUSALS = ("practitioner_busy", "slot_taken", "outside_hours")


def _call() -> str:
    return f"please call the clinic at {settings.CLINIC_PHONE}"


def portal_kinds(*, assessed: bool) -> tuple:
    return ASSESSED_KINDS if assessed else NEW_PATIENT_KINDS


def _check_own(patient: Patient, by) -> None:
    """Defence in depth: the views only ever pass the signed-in patient's own record."""
    if patient.user_id is None or patient.user_id != getattr(by, "pk", None):
        raise ValidationError("That is not your record.", code="not_own")
    if patient.archived_at is not None:
        raise ValidationError(f"Your record is closed: {_call()}.", code="archived")


def _type_refusal(type: AppointmentType, *, assessed: bool) -> ValidationError | None:
    """Why this patient may not book ``type`` in the portal, or None. No query."""
    if not type.active or not type.online_booking:
        return ValidationError(
            f"{type.name} cannot be booked online: {_call()}.", code="not_online"
        )
    if type.kind not in portal_kinds(assessed=assessed):
        if assessed:
            message = (
                f"{type.name} cannot be booked in the portal after your initial assessment: "
                f"book a follow-up, or {_call()}."
            )
        else:
            message = (
                f"{type.name} can be booked in the portal after your initial assessment: book "
                f"the initial assessment first, or {_call()}."
            )
        return ValidationError(message, code="not_online")
    return None


# --- What the booking page offers ---------------------------------------------------------------


@dataclass
class PortalChoices:
    """What a patient may book in the portal now: the types, the practitioners, who they saw last
    (if bookable online) and the days of the online window."""

    assessed: bool
    types: list[AppointmentType]
    practitioners: list[Practitioner]
    last_practitioner: Practitioner | None
    first_day: datetime.date
    last_day: datetime.date

    @property
    def default_type(self) -> AppointmentType | None:
        return selectors.suggested_type(self.types, assessed=self.assessed)


def portal_booking_choices(
    *, patient: Patient, now: datetime.datetime | None = None
) -> PortalChoices:
    """The types this patient may book in the portal (the follow-up once assessed, else the
    initial assessment and the consultation call; each bookable online), the practitioners
    bookable online and the one they saw last among them. Four queries."""
    now = now or timezone.now()
    rules = online.rules()
    assessed = selectors.has_been_assessed(patient=patient)
    types = list(online.online_types(portal_kinds(assessed=assessed)).order_by("minutes", "name"))
    practitioners = list(online.online_practitioners().order_by("display_name", "pk"))
    last_id = selectors.last_practitioner_id(patient=patient)
    return PortalChoices(
        assessed=assessed,
        types=types,
        practitioners=practitioners,
        last_practitioner=next((p for p in practitioners if p.pk == last_id), None),
        first_day=rules.first_day(now),
        last_day=rules.last_day(now),
    )


@dataclass
class DayOption:
    day: datetime.date
    count: int
    current: bool


@dataclass
class Strip:
    """A week of the online window's days with their numbers of free times, the chosen day and
    its free times, and the first days of the weeks before and after (None past the window)."""

    day: datetime.date | None
    days: list[DayOption] = field(default_factory=list)
    times: list[selectors.FreeTime] = field(default_factory=list)
    earlier: datetime.date | None = None
    later: datetime.date | None = None


def portal_free_times(
    *,
    type: AppointmentType,
    practitioners: list[Practitioner],
    patient: Patient,
    day: datetime.date | None = None,
    ignore: Appointment | None = None,
    now: datetime.datetime | None = None,
) -> Strip:
    """The week of the online window holding ``day`` (the first week when None), each day with
    its number of free starts of ``type`` with any of ``practitioners`` within the online rules
    (not over the patient's other appointments, ``ignore`` aside), and the free times of ``day``
    (when None: the first day of that week with one). Three queries whatever the span."""
    now = now or timezone.now()
    rules = online.rules()
    window = rules.window(now)
    first_day, last_day = rules.first_day(now), rules.last_day(now)
    if first_day > last_day or not practitioners:
        return Strip(day=None)
    chosen = day if day is not None and first_day <= day <= last_day else None
    offset = ((chosen - first_day).days // STRIP_DAYS) * STRIP_DAYS if chosen else 0
    week_start = first_day + datetime.timedelta(days=offset)
    length = min(STRIP_DAYS, (last_day - week_start).days + 1)
    # ``now`` as the window's start: a time sooner than the notice is not offered.
    found = selectors.free_days(
        practitioners=practitioners,
        first_day=week_start,
        days=length,
        patient=patient,
        ignore=ignore,
        now=window.start,
    )
    counts = found.counts(type)
    if chosen is None:
        chosen = next((d for d in found.days if counts[d]), week_start)
    previous = week_start - datetime.timedelta(days=STRIP_DAYS)
    following = week_start + datetime.timedelta(days=STRIP_DAYS)
    return Strip(
        day=chosen,
        days=[DayOption(d, counts[d], d == chosen) for d in found.days],
        times=[t for t in found.times(type, chosen) if t.slot.start < window.end],
        earlier=max(previous, first_day) if week_start > first_day else None,
        later=following if following <= last_day else None,
    )


# --- Booking ------------------------------------------------------------------------------------


def portal_appointment_book(
    *,
    patient: Patient,
    by,
    type: AppointmentType,
    practitioner: Practitioner | None,
    starts_at: datetime.datetime,
    now: datetime.datetime | None = None,
) -> Appointment:
    """Book ``type`` for the signed-in patient at ``starts_at`` with ``practitioner`` (None:
    any practitioner bookable online who is free then), ``source=PORTAL``; the confirmation
    email with its .ics leaves once it commits (the booking service's).

    Refused (ValidationError, its ``code``): ``not_own``, ``archived``; ``online_off``,
    ``too_soon``, ``too_far`` (patients/online.py); ``not_online`` for a type this patient may
    not book in the portal or a practitioner not bookable online; and the booking service's own
    (``outside_hours``, SlotTaken, ``patient_busy``, ...)."""
    now = now or timezone.now()
    _check_own(patient, by)
    # The rule in words first: "any practitioner" would otherwise only find nobody free.
    online.check_online_start(starts_at, now=now)
    refusal = _type_refusal(type, assessed=selectors.has_been_assessed(patient=patient))
    if refusal is not None:
        raise refusal
    common = {"patient": patient, "type": type, "starts_at": starts_at, "by": by}
    if practitioner is not None:
        return booking.appointment_book(
            practitioner=practitioner, now=now, source=BookingSource.PORTAL, **common
        )
    candidates = [
        p
        for p in selectors.practitioners_free_at(type=type, starts_at=starts_at, now=now)
        if p.online_booking
    ]
    return booking.appointment_book_any(
        practitioners=candidates, source=BookingSource.PORTAL, **common
    )


# --- Rescheduling -------------------------------------------------------------------------------


def move_refusal(
    appointment: Appointment, *, now: datetime.datetime | None = None
) -> ValidationError | None:
    """Why the patient cannot move ``appointment`` in the portal now, or None. No query (the
    appointment comes with its type)."""
    now = now or timezone.now()
    hours = settings.PORTAL_CANCEL_HOURS
    if not online.rules().enabled:
        return ValidationError(
            f"Appointments cannot be changed online at the moment: to change this one, {_call()}.",
            code="online_off",
        )
    if appointment.status != AppointmentStatus.BOOKED:
        return ValidationError(
            f"This appointment is {appointment.get_status_display().lower()}: it cannot be moved.",
            code="not_booked",
        )
    if appointment.starts_at - now < datetime.timedelta(hours=hours):
        return ValidationError(
            f"Appointments can be changed online up to {hours} hours before they start. To "
            f"change this one, {_call()}.",
            code="too_late",
        )
    if not (appointment.type.active and appointment.type.online_booking):
        return ValidationError(
            f"{appointment.type.name} appointments cannot be moved online: to change this one, "
            f"{_call()}.",
            code="not_online",
        )
    return None


def check_patient_move(
    appointment: Appointment,
    *,
    starts_at: datetime.datetime,
    practitioner: Practitioner,
    now: datetime.datetime,
) -> None:
    """The portal's rules for moving ``appointment`` (locked, as it is now) to ``starts_at`` with
    ``practitioner`` (locked): the booking service calls it under its locks."""
    refusal = move_refusal(appointment, now=now)
    if refusal is not None:
        raise refusal
    online.check_online_start(starts_at, now=now)
    if not practitioner.online_booking:
        raise ValidationError(
            f"{practitioner} cannot be booked online: choose another practitioner, or {_call()}.",
            code="not_online",
        )


def portal_appointment_reschedule(
    *,
    appointment: Appointment,
    by,
    starts_at: datetime.datetime,
    practitioner: Practitioner | None,
    now: datetime.datetime | None = None,
) -> Appointment:
    """Move the signed-in patient's own booked ``appointment`` to ``starts_at`` with
    ``practitioner`` (None: any practitioner bookable online who is free then), through the
    booking service's reschedule with the portal's rules (``by_patient``): the history keeps the
    old time, and the patient is emailed the new one with the updated .ics.

    Refused (ValidationError, its ``code``): ``not_own``, ``archived``, ``not_booked``,
    ``too_late`` (within PORTAL_CANCEL_HOURS of its start), ``online_off``, ``too_soon``,
    ``too_far``, ``not_online``; and the reschedule's own (``outside_hours``, SlotTaken, ...)."""
    now = now or timezone.now()
    _check_own(appointment.patient, by)
    refusal = move_refusal(appointment, now=now)
    if refusal is not None:
        raise refusal
    online.check_online_start(starts_at, now=now)
    if practitioner is not None:
        candidates = [practitioner]
    else:
        candidates = [
            p
            for p in selectors.practitioners_free_at(
                type=appointment.type, starts_at=starts_at, now=now
            )
            if p.online_booking
        ]
        # Its own practitioner, if bookable online, when the new time overlaps the old one (the
        # query above counts the appointment being moved as in the way).
        current = appointment.practitioner
        if current.online_booking and current not in candidates:
            candidates.append(current)
    refused = None
    for candidate in candidates:
        try:
            return booking.appointment_reschedule(
                appointment=appointment,
                starts_at=starts_at,
                practitioner=candidate,
                by=by,
                now=now,
                by_patient=True,
            )
        except ValidationError as exc:
            if len(candidates) == 1 or getattr(exc, "code", None) not in _PRACTITIONER_REFUSALS:
                raise
            refused = exc
    if refused is None:
        raise booking.SlotTaken(
            "No practitioner is free at that time any more: choose one of the free times.",
            code="slot_taken",
        )
    raise booking.SlotTaken(
        "That time was just taken: no practitioner is free then any more. Choose one of the "
        "free times.",
        code="slot_taken",
    )
