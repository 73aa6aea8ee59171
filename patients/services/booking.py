"""Booking and appointment status changes."""

import datetime

from django.conf import settings
from django.contrib.postgres.expressions import ArraySubquery
from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import Exists, OuterRef, Subquery
from django.db.models.functions import JSONObject
from django.utils import dateformat, timezone

from patients import online, scheduling
from patients.models import (
    Appointment,
    AppointmentStatus,
    AppointmentType,
    BookingSource,
    OnlineBookingHold,
    Patient,
    Practitioner,
    TimeOff,
    WorkingHours,
)
from patients.services import notifications
from patients.services.records import patient_create

# --- Booking ----------------------------------------------------------------------------------
# Double booking is refused by PostgreSQL (the exclusion constraints on Appointment), and only
# there: the insert meets them, and its IntegrityError becomes a refusal that names the
# appointment in the way (SlotTaken for the practitioner's). The checks in Python (working hours,
# time off, the past) come first so the user reads which rule stopped the booking.
#
# Two inserts that conflict on an exclusion constraint can deadlock each other (each waits for
# the other's uncommitted row; unlike a unique index there is no tie-break). So a booking first
# locks its practitioner's row, then its patient's row, always in that order: bookings of one
# practitioner, or of one patient, take turns, and the constraint only ever meets committed rows.

BOOKING_HORIZON = datetime.timedelta(days=366)


class SlotTaken(ValidationError):
    """The practitioner is not free at that time (any more): the page offers the next times."""


def _local(instant: datetime.datetime) -> datetime.datetime:
    return timezone.localtime(instant, timezone.get_default_timezone())


def _span(starts_at, ends_at) -> str:
    start, end = _local(starts_at), _local(ends_at)
    return f"{start:%H:%M} to {end:%H:%M} on {dateformat.format(start, 'l j F')}"


def _in_working_hours(practitioner: Practitioner, interval: scheduling.Interval) -> bool:
    """From the hours that ``_lock_booking_rows(interval=...)`` loaded with the row."""
    blocks: dict[int, list] = {}
    for hours in practitioner.booking_hours:
        blocks.setdefault(hours["weekday"], []).append(
            (
                datetime.time.fromisoformat(hours["starts"]),
                datetime.time.fromisoformat(hours["ends"]),
            )
        )
    return scheduling.within_working_hours(interval, blocks, timezone.get_default_timezone())


def _away(practitioner: Practitioner, interval: scheduling.Interval) -> bool:
    return practitioner.booking_away


def _refuse_if_held(practitioner: Practitioner) -> None:
    """Issue 13: an online request holds this time while the person confirms it by email."""
    held_until = practitioner.booking_held_until
    if held_until is not None:
        raise SlotTaken(
            f"That time is held for an online booking until {_local(held_until):%H:%M} (not "
            f"confirmed yet) with {practitioner}. Choose another time, or try again after "
            f"{_local(held_until):%H:%M}.",
            code="held_online",
        )


class _Clash(Exception):
    """The database refused the row (a constraint): raised out of the booking's savepoint, so
    that the transaction is usable again to say what is in the way."""

    def __init__(self, constraint: str, appointment: Appointment):
        super().__init__(constraint)
        self.constraint = constraint
        self.appointment = appointment


def _clash_refusal(clash: _Clash) -> ValidationError:
    """The refusal the user reads for a constraint the row met: for an overlap, which appointment
    is in the way (read now, after the savepoint rolled back: it is committed, the row locks made
    this booking wait for it)."""
    appointment = clash.appointment
    clashing = (
        Appointment.objects.active()
        .overlapping(appointment.starts_at, appointment.ends_at)
        .exclude(pk=appointment.pk)
        .select_related("practitioner")
        .order_by("starts_at", "pk")
    )
    if clash.constraint == "appointment_no_practitioner_overlap":
        other = clashing.filter(practitioner=appointment.practitioner).first()
        if other is None:
            return SlotTaken(
                f"That time was just taken: another booking with {appointment.practitioner} "
                "was saved a moment ago. Choose one of the next free times.",
                code="slot_taken",
            )
        return SlotTaken(
            f"{appointment.practitioner} already has an appointment from "
            f"{_span(other.starts_at, other.ends_at)}, which overlaps this time. Choose one of "
            "the free times.",
            code="practitioner_busy",
        )
    if clash.constraint == "appointment_no_patient_overlap":
        other = clashing.filter(patient=appointment.patient).first()
        detail = (
            f" from {_span(other.starts_at, other.ends_at)} with {other.practitioner}"
            if other
            else ""
        )
        return ValidationError(
            f"This patient already has an appointment{detail}, which overlaps this time.",
            code="patient_busy",
        )
    for constraint in Appointment._meta.constraints:
        if constraint.name == clash.constraint:
            return ValidationError(constraint.get_violation_error_message(), code="invalid")
    return ValidationError("The appointment could not be saved.", code="invalid")


# PostgreSQL's codes for a transaction it gave up on because of another one: deadlock_detected
# and serialization_failure. Retrying is not worth it: the other one most likely took the time.
LOST_RACE = frozenset({"40P01", "40001"})


def _lock_booking_rows(
    practitioner: Practitioner,
    patient: Patient,
    interval: scheduling.Interval,
    *,
    now: datetime.datetime | None = None,
):
    """Lock the practitioner's row, then the patient's, until the transaction ends; return them
    as read then. FOR NO KEY UPDATE: it makes bookings wait for each other but not other writes
    that only reference the rows (a visit, an appointment of someone else).

    The practitioner comes with their working hours (``booking_hours``), in the same query.
    Whether their time off overlaps ``interval`` (``booking_away``) is read by the next query,
    the patient's lock, and set on the practitioner: a statement that waited for the lock reads
    the other tables as they were before the wait, so time off saved meanwhile (its service locks
    the same row first) would be missed; the next statement sees it.

    Issue 13: that statement also reads whether an unexpired online hold covers ``interval``
    (``booking_held_until``: when the latest such hold expires, else None); a hold is inserted
    under the same practitioner lock, so it is committed and seen here."""
    locked_practitioner = (
        Practitioner.objects.select_for_update(no_key=True, of=("self",))
        .annotate(
            booking_hours=ArraySubquery(
                WorkingHours.objects.filter(practitioner=OuterRef("pk")).values(
                    json=JSONObject(weekday="weekday", starts="starts", ends="ends")
                )
            ),
        )
        .get(pk=practitioner.pk)
    )
    locked_patient = (
        Patient.objects.select_for_update(no_key=True, of=("self",))
        .annotate(
            booking_away=Exists(
                TimeOff.objects.filter(
                    practitioner=practitioner.pk,
                    starts_at__lt=interval.end,
                    ends_at__gt=interval.start,
                )
            ),
            booking_held_until=Subquery(
                OnlineBookingHold.objects.unexpired(now or timezone.now())
                .filter(practitioner=practitioner.pk)
                .overlapping(interval.start, interval.end)
                .order_by("-expires_at")
                .values("expires_at")[:1]
            ),
        )
        .get(pk=patient.pk)
    )
    locked_practitioner.booking_away = locked_patient.booking_away
    locked_practitioner.booking_held_until = locked_patient.booking_held_until
    return locked_practitioner, locked_patient


def appointment_book(
    *,
    patient: Patient,
    practitioner: Practitioner,
    type: AppointmentType,
    starts_at: datetime.datetime,
    by,
    notes: str = "",
    outside_hours_reason: str = "",
    now: datetime.datetime | None = None,
    source: str = BookingSource.CLINIC,
    intake_url: str = "",
) -> Appointment:
    """Book ``patient`` with ``practitioner`` for ``type`` at the aware instant ``starts_at``.

    Refused with a ValidationError (its ``code`` says which rule): a time in the past or more than
    a year ahead, an inactive practitioner or type, an archived patient, a time outside the
    practitioner's working hours or during their time off without ``outside_hours_reason``, an
    overlap with the patient's other appointments; SlotTaken when the practitioner is busy,
    including when another booking for that time was saved a moment earlier.

    ``source`` says who booked (issue 13): anything but the clinic (the public page, the portal)
    must also meet the online rules (patients/online.py: notice, how far ahead, same day, the
    type and the practitioner bookable online) and cannot go outside working hours.
    ``intake_url`` (an absolute link to the intake form) goes into the confirmation email.
    An unexpired online hold over the time refuses it (SlotTaken, code ``held_online``).

    One transaction, or a savepoint inside the caller's: a refusal leaves the caller's
    transaction usable, so "any practitioner" can try the next one.
    """
    try:
        with transaction.atomic():
            appointment = _book_locked(
                patient=patient,
                practitioner=practitioner,
                type=type,
                starts_at=starts_at,
                by=by,
                notes=notes,
                outside_hours_reason=outside_hours_reason,
                now=now,
                source=source,
            )
            # Issue 10: the confirmation leaves once the booking commits (not if this savepoint
            # is rolled back, say by "any practitioner" trying the next one).
            appointment.notice = notifications.notify_booked(appointment, intake_url=intake_url)
            return appointment
    except _Clash as clash:
        raise _clash_refusal(clash) from clash.__cause__
    except OperationalError as exc:
        # Last resort: the row locks should leave PostgreSQL nothing to give up on.
        if getattr(exc.__cause__, "pgcode", None) not in LOST_RACE:
            raise
        raise SlotTaken(
            f"That time was just taken: another booking with {practitioner} was being saved at "
            "the same moment. Choose one of the next free times.",
            code="slot_taken",
        ) from exc


def _book_locked(
    *, patient, practitioner, type, starts_at, by, notes, outside_hours_reason, now, source
) -> Appointment:
    if starts_at.tzinfo is None:
        raise ValueError("starts_at must be an aware datetime")
    now = now or timezone.now()
    starts_at = starts_at.astimezone(datetime.UTC)
    if starts_at < now:
        raise ValidationError("That time has already passed: choose a later one.", code="past")
    if starts_at > now + BOOKING_HORIZON:
        raise ValidationError("Appointments can be booked up to a year ahead.", code="too_far")
    by_patient = source != BookingSource.CLINIC
    if by_patient:
        online.check_online_start(starts_at, now=now)
        outside_hours_reason = ""  # patients book inside working hours only
    interval = scheduling.Interval(starts_at, scheduling.add_minutes(starts_at, type.minutes))
    practitioner, patient = _lock_booking_rows(practitioner, patient, interval, now=now)
    if not practitioner.active:
        raise ValidationError(f"{practitioner} is not taking appointments.", code="inactive")
    if not type.active:
        raise ValidationError(f"{type} is no longer offered.", code="inactive")
    if patient.archived_at is not None:
        raise ValidationError("This patient's record is archived.", code="archived")
    if by_patient and not (type.online_booking and practitioner.online_booking):
        raise ValidationError(
            f"{type} with {practitioner} cannot be booked online: please call the clinic at "
            f"{settings.CLINIC_PHONE}.",
            code="not_online",
        )

    reason = " ".join(outside_hours_reason.split())
    in_hours = _in_working_hours(practitioner, interval) and not _away(practitioner, interval)
    if not in_hours and by_patient:
        raise ValidationError(
            "That time is not one of the free times: choose one of them.", code="outside_hours"
        )
    if not in_hours and not reason:
        raise ValidationError(
            f"{_span(interval.start, interval.end).capitalize()} is outside {practitioner}'s "
            "working hours (or they are away). To book it anyway, tick “Book outside working "
            "hours” and write the reason.",
            code="outside_hours",
        )
    _refuse_if_held(practitioner)
    appointment = Appointment(
        patient=patient,
        practitioner=practitioner,
        type=type,
        starts_at=interval.start,
        ends_at=interval.end,
        notes=notes.strip(),
        outside_hours_reason="" if in_hours else reason,
        booked_by=by,
        source=source,
    )
    _save_checked(appointment)
    return appointment


# The rows an appointment points to: the booking holds them already (locked, or read by the form),
# so full_clean() need not look each one up again.
_RELATED_FIELDS = [f.name for f in Appointment._meta.concrete_fields if f.is_relation]


def _save_checked(appointment: Appointment) -> None:
    """Validate the fields and save; a constraint the row meets is raised as _Clash, for the
    caller to turn into a refusal once out of its savepoint.

    full_clean() checks neither the constraints nor uniqueness here: each would be a query of
    its own (seven in all), and PostgreSQL refuses the row anyway. The exclusion constraints are
    the real guard (a concurrent booking passes any check in Python); the uuid is random; the
    two check constraints hold by construction (an end computed after the start, no
    cancellation at booking). The booking's row locks mean that when the insert meets an
    overlap, the appointment in the way is committed and can be named."""
    appointment.full_clean(
        exclude=_RELATED_FIELDS, validate_unique=False, validate_constraints=False
    )
    try:
        appointment.save()
    except IntegrityError as exc:
        constraint = getattr(getattr(exc.__cause__, "diag", None), "constraint_name", "")
        raise _Clash(constraint or "", appointment) from exc


# Refusals that depend on the practitioner: "any practitioner" tries the next one.
_PRACTITIONER_REFUSALS = ("practitioner_busy", "slot_taken", "outside_hours", "held_online")


def appointment_book_any(
    *,
    patient: Patient,
    practitioners: list[Practitioner],
    type: AppointmentType,
    starts_at: datetime.datetime,
    by,
    notes: str = "",
    outside_hours_reason: str = "",
    source: str = BookingSource.CLINIC,
) -> Appointment:
    """Book with the first of ``practitioners`` who is still free at ``starts_at`` (the booking
    page's "any practitioner"); SlotTaken if none is. With one practitioner, their own refusal
    (say, outside working hours) is raised as it is."""
    practitioners = list(practitioners)
    if not practitioners:
        raise SlotTaken(
            "No practitioner is free at that time. Choose one of the free times.",
            code="slot_taken",
        )
    refusal = None
    for practitioner in practitioners:
        try:
            return appointment_book(
                patient=patient,
                practitioner=practitioner,
                type=type,
                starts_at=starts_at,
                by=by,
                notes=notes,
                outside_hours_reason=outside_hours_reason if len(practitioners) == 1 else "",
                source=source,
            )
        except ValidationError as exc:
            if getattr(exc, "code", None) not in _PRACTITIONER_REFUSALS:
                raise
            refusal = exc
    if len(practitioners) == 1:
        raise refusal
    raise SlotTaken(
        "That time was just taken: no practitioner is free then any more. Choose one of the next "
        "free times.",
        code="slot_taken",
    )


@transaction.atomic
def appointment_book_new_caller(
    *,
    first_name: str,
    last_name: str,
    phone: str,
    practitioners: list[Practitioner],
    type: AppointmentType,
    starts_at: datetime.datetime,
    by,
    notes: str = "",
    outside_hours_reason: str = "",
) -> Appointment:
    """A free consultation call for someone not registered yet: a minimal patient (name and
    phone, "details incomplete") and the appointment, both or neither."""
    if not type.is_phone:
        raise ValidationError(
            "Only a phone consultation can be booked for a new caller. Register the patient "
            "first for an appointment in the clinic.",
            code="needs_registration",
        )
    patient = patient_create(by=by, first_name=first_name, last_name=last_name, phone=phone)
    return appointment_book_any(
        patient=patient,
        practitioners=practitioners,
        type=type,
        starts_at=starts_at,
        by=by,
        notes=notes,
        outside_hours_reason=outside_hours_reason,
    )


@transaction.atomic
def appointment_set_status(
    *, appointment: Appointment, status: str, by, reason: str = "", by_patient: bool = False
) -> Appointment:
    """Change the status through Appointment.set_status, on the row locked so two people
    clicking at once cannot both move it (say, "Arrived" and "Cancel")."""
    locked = Appointment.objects.select_for_update().get(pk=appointment.pk)
    locked.set_status(status, by=by, reason=reason, by_patient=by_patient)
    # Issue 10: every cancellation (the desk, the patient online, an archive) emails from here.
    locked.notice = (
        notifications.notify_cancelled(locked)
        if locked.status == AppointmentStatus.CANCELLED
        else None
    )
    return locked


@transaction.atomic
def appointment_cancel_by_patient(
    *, appointment: Appointment, by, reason: str = "", now: datetime.datetime | None = None
) -> Appointment:
    """A patient cancels their own booking in the portal, up to PORTAL_CANCEL_HOURS before it
    starts; later, they call the clinic."""
    now = now or timezone.now()
    locked = Appointment.objects.select_for_update().get(pk=appointment.pk)
    hours = settings.PORTAL_CANCEL_HOURS
    if locked.status != AppointmentStatus.BOOKED:
        raise ValidationError(
            f"This appointment is {locked.get_status_display().lower()}: it cannot be cancelled.",
            code="not_booked",
        )
    if locked.starts_at - now < datetime.timedelta(hours=hours):
        raise ValidationError(
            f"Appointments can be cancelled online up to {hours} hours before they start. "
            f"To cancel this one, please call the clinic at {settings.CLINIC_PHONE}.",
            code="too_late",
        )
    return appointment_set_status(
        appointment=locked,
        status=AppointmentStatus.CANCELLED,
        by=by,
        reason=reason.strip() or "Cancelled online by the patient.",
        by_patient=True,
    )


# --- Rescheduling (issue 10) ------------------------------------------------------------------


def appointment_reschedule(
    *,
    appointment: Appointment,
    starts_at: datetime.datetime,
    practitioner: Practitioner,
    by,
    now: datetime.datetime | None = None,
    by_patient: bool = False,
) -> Appointment:
    """Move a booked appointment to ``starts_at`` with ``practitioner`` (the same or another),
    keeping its row, so its history (pghistory) holds every earlier time. The checks of booking
    apply: not in the past nor more than a year ahead, an active practitioner, a patient not
    archived, inside the practitioner's working hours and not during their time off, no overlap
    for the practitioner (SlotTaken) or the patient. Records the previous start, raises the
    calendar SEQUENCE and emails the patient the new time once the move commits.

    ``by_patient`` (issue 13, the portal): also the portal's rules, checked on the locked row:
    not later than PORTAL_CANCEL_HOURS before its current start, the online rules for the new
    start, the type and the practitioner bookable online (portal_booking.check_patient_move)."""
    if starts_at.tzinfo is None:
        raise ValueError("starts_at must be an aware datetime")
    try:
        with transaction.atomic():
            return _reschedule_locked(
                appointment=appointment,
                starts_at=starts_at.astimezone(datetime.UTC),
                practitioner=practitioner,
                by=by,
                now=now or timezone.now(),
                by_patient=by_patient,
            )
    except _Clash as clash:
        raise _clash_refusal(clash) from clash.__cause__


def _reschedule_locked(*, appointment, starts_at, practitioner, by, now, by_patient) -> Appointment:
    current = Appointment.objects.select_related("patient", "type").get(pk=appointment.pk)
    interval = scheduling.Interval(
        starts_at, scheduling.add_minutes(starts_at, current.type.minutes)
    )
    # The booking's lock order: the (new) practitioner's row, the patient's, then the appointment.
    practitioner, patient = _lock_booking_rows(practitioner, current.patient, interval, now=now)
    locked = (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("type")
        .get(pk=appointment.pk)
    )
    if locked.status != AppointmentStatus.BOOKED:
        raise ValidationError(
            f"This appointment is {locked.get_status_display().lower()}: only a booked "
            "appointment can be moved.",
            code="not_booked",
        )
    if by_patient:
        # Issue 13: the portal's rules, on the rows as locked. Imported here: the portal's
        # service calls this module.
        from patients.services.portal_booking import check_patient_move

        check_patient_move(locked, starts_at=starts_at, practitioner=practitioner, now=now)
    if starts_at < now:
        raise ValidationError("That time has already passed: choose a later one.", code="past")
    if starts_at > now + BOOKING_HORIZON:
        raise ValidationError("Appointments can be booked up to a year ahead.", code="too_far")
    if not practitioner.active:
        raise ValidationError(f"{practitioner} is not taking appointments.", code="inactive")
    if patient.archived_at is not None:
        raise ValidationError("This patient's record is archived.", code="archived")
    if interval.start == locked.starts_at and practitioner.pk == locked.practitioner_id:
        raise ValidationError(
            "The appointment is already at that time: choose another one.", code="unchanged"
        )
    if not _in_working_hours(practitioner, interval) or _away(practitioner, interval):
        raise ValidationError(
            f"{_span(interval.start, interval.end).capitalize()} is outside {practitioner}'s "
            "working hours (or they are away). Choose one of the free times.",
            code="outside_hours",
        )
    _refuse_if_held(practitioner)
    previous = locked.starts_at
    locked.patient = patient
    locked.practitioner = practitioner
    locked.starts_at, locked.ends_at = interval.start, interval.end
    locked.outside_hours_reason = ""
    locked.rescheduled_from = previous
    locked.rescheduled_at = now
    locked.rescheduled_by = by
    locked.calendar_sequence += 1
    locked.reminded_at = None  # a reminder of the old time does not count for the new one
    _save_checked(locked)
    locked.notice = notifications.notify_rescheduled(locked, previous_starts_at=previous)
    return locked
