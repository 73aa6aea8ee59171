"""Issue 13: booking on the public page, without a login.

1. ``online_hold_request``: the person chose a type, a time (and a practitioner, or any) and
   typed a name, phone and email. Under the practitioner's row lock (the booking's lock order),
   the practitioner's expired holds are deleted, the time is checked (online rules, working
   hours, time off, an active appointment, an unexpired hold) and a hold is inserted; its
   exclusion constraint refuses a concurrent overlapping hold. A 6-digit code is emailed once
   the hold commits; only its salted HMAC is stored.
2. ``online_booking_confirm``: the code (typed, or from the emailed link's page) turns the hold
   into an appointment in one transaction: the hold is deleted, the patient found (an active
   record with that email and last name: the code proved the email) or created ("Details
   incomplete", flagged for the front desk when it may duplicate another record), and booked
   with ``source=ONLINE`` by the booking service, whose row locks and exclusion constraints are
   the last guard. Five wrong codes delete the hold.
3. ``online_holds_expire``: expired holds are deleted at the start of each public request and by
   ``manage.py expire_online_holds``, so nothing typed outlives the hold's minutes.

No enumeration: every refusal the public pages show is the same whoever the typed name, phone or
email belongs to; a matched patient's other appointment at that time reads like a taken time.
"""

import datetime
import logging
import secrets
import unicodedata

from django.conf import settings
from django.contrib.postgres.expressions import ArraySubquery
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.db.models.functions import JSONObject, Lower
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from accounts.services import rate_limit_hit
from patients import online, scheduling, selectors
from patients.models import (
    Appointment,
    BookingSource,
    OnlineBookingHold,
    Patient,
    PossibleDuplicateFlag,
    Practitioner,
    TimeOff,
    WorkingHours,
)
from patients.search import phone_digits
from patients.services.booking import appointment_book
from patients.services.records import patient_create
from revere.intake_links import intake_path

logger = logging.getLogger("revere.online_booking")

CODE_DIGITS = 6
# Wrong codes a hold takes before it is deleted (the time is free again).
CODE_ATTEMPTS = 5
_CODE_SALT = "revere.online-booking.code"

TAKEN = (
    "That time was just taken: someone chose it a moment before you. Nothing was booked. "
    "Choose another time."
)
NOT_FREE = "That time is not one of the free times: choose one of them."
WRONG_CODE = "That code is not right, or the time has expired. Check the email and try again."


def no_longer_available() -> str:
    return (
        "Sorry, that time can no longer be booked online: nothing was booked. Choose another "
        f"time, or call the clinic at {settings.CLINIC_PHONE}."
    )


class HoldRefused(ValidationError):
    """The time cannot be held; the message says why (and is the same for everyone)."""


# --- codes ----------------------------------------------------------------------------------


def new_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def code_hash(hold_uuid, code: str) -> str:
    return salted_hmac(_CODE_SALT, f"{hold_uuid}:{code}", algorithm="sha256").hexdigest()


# --- expiry ---------------------------------------------------------------------------------


def online_holds_expire(*, now: datetime.datetime | None = None) -> int:
    """Delete every expired hold (one DELETE on the expires_at index); how many went."""
    now = now or timezone.now()
    return OnlineBookingHold.objects.filter(expires_at__lte=now)._raw_delete("default")


# --- rate limits ----------------------------------------------------------------------------


def _window() -> datetime.timedelta:
    return datetime.timedelta(minutes=settings.ONLINE_BOOKING_RATE_WINDOW_MINUTES)


def requests_exhausted(*, email: str, ip: str) -> bool:
    """One booking request from ``ip`` for ``email``: True when either allowance is used up.
    Counted whether or not the address belongs to a patient (keyed hashes, never the address)."""
    if rate_limit_hit(
        scope="online_booking:ip",
        key=ip,
        limit=settings.ONLINE_BOOKING_RATE_PER_IP,
        window=_window(),
    ):
        return True
    return rate_limit_hit(
        scope="online_booking:email",
        key=email,
        limit=settings.ONLINE_BOOKING_RATE_PER_EMAIL,
        window=_window(),
    )


def code_attempts_exhausted(*, hold_uuid, ip: str) -> bool:
    """One code attempt from ``ip``: per IP, and per email address of the hold when it exists
    (an unknown hold counts for the IP only). Each allowance is CODE_ATTEMPTS times the
    requests': every request may need a few tries."""
    if rate_limit_hit(
        scope="online_code:ip",
        key=ip,
        limit=settings.ONLINE_BOOKING_RATE_PER_IP * CODE_ATTEMPTS,
        window=_window(),
    ):
        return True
    email = OnlineBookingHold.objects.filter(uuid=hold_uuid).values_list("email", flat=True).first()
    if email is None:
        return False
    return rate_limit_hit(
        scope="online_code:email",
        key=email,
        limit=settings.ONLINE_BOOKING_RATE_PER_EMAIL * CODE_ATTEMPTS,
        window=_window(),
    )


def rate_limited_message() -> str:
    minutes = settings.ONLINE_BOOKING_RATE_WINDOW_MINUTES
    wait = "an hour" if minutes == 60 else f"{minutes} minutes"
    return (
        "Too many booking requests from here or for this email address: nothing was held or "
        f"sent. Please try again in {wait}, or call the clinic at {settings.CLINIC_PHONE}."
    )


def code_rate_limited_message() -> str:
    return (
        "Too many codes tried from here: nothing was booked. Please call the clinic at "
        f"{settings.CLINIC_PHONE}."
    )


# --- 1. the hold ----------------------------------------------------------------------------


@transaction.atomic
def online_hold_request(
    *,
    type,
    practitioner: Practitioner | None,
    starts_at: datetime.datetime,
    first_name: str,
    last_name: str,
    phone: str,
    email: str,
    site: str = "",
    now: datetime.datetime | None = None,
) -> OnlineBookingHold:
    """Hold ``starts_at`` for ``type`` with ``practitioner`` (None: the first online practitioner
    free then) for ONLINE_BOOKING_HOLD_MINUTES, and email the code (and a link on ``site``, the
    scheme and host) once the hold commits. Refused with a ValidationError (HoldRefused when the
    time is not free) whose message the page shows as it is."""
    if starts_at.tzinfo is None:
        raise ValueError("starts_at must be an aware datetime")
    now = now or timezone.now()
    starts_at = starts_at.astimezone(datetime.UTC)
    online.check_online_start(starts_at, now=now)
    if not (type.active and type.online_booking and type.kind in online.PUBLIC_KINDS):
        raise ValidationError(
            f"That appointment cannot be booked online: please call the clinic at "
            f"{settings.CLINIC_PHONE}.",
            code="not_online",
        )
    if practitioner is not None:
        candidates = [practitioner]
    else:
        candidates = [
            p
            for p in selectors.practitioners_free_at(type=type, starts_at=starts_at, now=now)
            if p.online_booking
        ]
    if not candidates:
        raise HoldRefused(TAKEN, code="slot_taken")
    interval = scheduling.Interval(starts_at, scheduling.add_minutes(starts_at, type.minutes))
    code = new_code()
    refusal = None
    for candidate in candidates:
        try:
            with transaction.atomic():
                hold = _hold_locked(
                    practitioner=candidate,
                    type=type,
                    interval=interval,
                    now=now,
                    code=code,
                    first_name=first_name,
                    last_name=last_name,
                    phone=phone,
                    email=email,
                )
        except HoldRefused as exc:
            refusal = exc
            continue
        _send_code(hold, code, site)
        return hold
    raise refusal


def _hold_locked(*, practitioner, type, interval, now, code, **typed) -> OnlineBookingHold:
    # The booking's lock order: the practitioner's row first. Bookings and holds of this
    # practitioner take turns, so the checks below read every committed row.
    locked = (
        Practitioner.objects.select_for_update(no_key=True, of=("self",))
        .annotate(
            day_hours=ArraySubquery(
                WorkingHours.objects.filter(
                    practitioner=OuterRef("pk"),
                    weekday=timezone.localtime(interval.start, selectors.clinic_tz()).weekday(),
                ).values(json=JSONObject(starts="starts", ends="ends"))
            ),
        )
        .get(pk=practitioner.pk)
    )
    OnlineBookingHold.objects.filter(practitioner=locked.pk, expires_at__lte=now)._raw_delete(
        "default"
    )
    if not (locked.active and locked.online_booking):
        raise HoldRefused(
            f"{locked} cannot be booked online: choose another practitioner, or call the clinic "
            f"at {settings.CLINIC_PHONE}.",
            code="not_online",
        )
    busy = (
        Practitioner.objects.filter(pk=locked.pk)
        .annotate(
            away=Exists(
                TimeOff.objects.filter(
                    practitioner=OuterRef("pk"),
                    starts_at__lt=interval.end,
                    ends_at__gt=interval.start,
                )
            ),
            booked=Exists(
                Appointment.objects.active()
                .filter(practitioner=OuterRef("pk"))
                .overlapping(interval.start, interval.end)
            ),
            held=Exists(
                OnlineBookingHold.objects.unexpired(now)
                .filter(practitioner=OuterRef("pk"))
                .overlapping(interval.start, interval.end)
            ),
        )
        .values("away", "booked", "held")
        .get()
    )
    blocks = [
        (datetime.time.fromisoformat(h["starts"]), datetime.time.fromisoformat(h["ends"]))
        for h in locked.day_hours
    ]
    starts = scheduling.free_starts(
        day=timezone.localtime(interval.start, selectors.clinic_tz()).date(),
        minutes=int((interval.end - interval.start).total_seconds() // 60),
        blocks=blocks,
        busy=[],
        tz=selectors.clinic_tz(),
    )
    if busy["away"] or interval not in starts:
        raise HoldRefused(NOT_FREE, code="outside_hours")
    if busy["booked"] or busy["held"]:
        raise HoldRefused(TAKEN, code="slot_taken")
    hold = OnlineBookingHold(
        practitioner=locked,
        type=type,
        starts_at=interval.start,
        ends_at=interval.end,
        expires_at=now + online.rules().hold,
        created_at=now,
        **typed,
    )
    hold.code_hash = code_hash(hold.uuid, code)
    hold.full_clean(
        exclude=["practitioner", "type"], validate_unique=False, validate_constraints=False
    )
    try:
        with transaction.atomic():
            hold.save()
    except IntegrityError as exc:
        # The exclusion constraint: a concurrent request for the same practitioner got there
        # first (the row lock makes this a last resort).
        raise HoldRefused(TAKEN, code="slot_taken") from exc
    return hold


def confirm_path(hold_uuid) -> str:
    return reverse("online:confirm", args=[hold_uuid])


def _send_code(hold: OnlineBookingHold, code: str, site: str) -> None:
    """The code email, once the hold commits. Only what was typed and the time chosen."""
    expires = timezone.localtime(hold.expires_at, selectors.clinic_tz())
    context = {
        "first_name": hold.first_name,
        "code": code,
        "link": f"{site}{confirm_path(hold.uuid)}?code={code}",
        "type": hold.type,
        "practitioner": hold.practitioner,
        "starts_at": timezone.localtime(hold.starts_at, selectors.clinic_tz()),
        "ends_at": timezone.localtime(hold.ends_at, selectors.clinic_tz()),
        "expires_at": expires,
        "hold_minutes": int(online.rules().hold.total_seconds() // 60),
        "clinic_name": settings.CLINIC_NAME,
        "clinic_phone": settings.CLINIC_PHONE,
        "clinic_address": settings.CLINIC_ADDRESS,
    }
    message = EmailMessage(
        subject=f"Your code {code}: confirm your booking at {settings.CLINIC_NAME}",
        body=render_to_string("online/email/confirm_code.txt", context),
        to=[hold.email],
    )
    hold_uuid = hold.uuid

    def send():
        try:
            message.send()
        except Exception:
            logger.exception("Code email for online hold %s could not be sent", hold_uuid)

    transaction.on_commit(send)


# --- 2. confirmation ------------------------------------------------------------------------


def online_booking_confirm(
    *, hold_uuid, code: str, site: str = "", now: datetime.datetime | None = None
) -> Appointment:
    """Book the held time once the right code is given; ValidationError otherwise (the wrong
    code's message whether or not the hold exists, or the time "no longer available" whatever
    stopped it). What a refusal changed (a wrong attempt counted, a hold deleted) is kept."""
    outcome = _confirm(hold_uuid=hold_uuid, code=code, site=site, now=now or timezone.now())
    if isinstance(outcome, ValidationError):
        raise outcome
    return outcome


@transaction.atomic
def _confirm(*, hold_uuid, code, site, now):
    wrong = ValidationError(WRONG_CODE, code="wrong_code")
    found = (
        OnlineBookingHold.objects.unexpired(now)
        .filter(uuid=hold_uuid)
        .values_list("practitioner_id", flat=True)
        .first()
    )
    if found is None:
        return wrong
    # The booking's lock order: the practitioner's row, then the hold.
    Practitioner.objects.select_for_update(no_key=True, of=("self",)).filter(pk=found).first()
    hold = (
        OnlineBookingHold.objects.select_for_update(of=("self",))
        .unexpired(now)
        .select_related("practitioner", "type")
        .filter(uuid=hold_uuid)
        .first()
    )
    if hold is None:
        return wrong
    if not constant_time_compare(hold.code_hash, code_hash(hold.uuid, code)):
        hold.failed_attempts += 1
        if hold.failed_attempts >= CODE_ATTEMPTS:
            hold.delete()
        else:
            hold.save(update_fields=["failed_attempts"])
        return wrong
    hold.delete()
    if hold.starts_at <= now:
        return ValidationError(no_longer_available(), code="unavailable")
    try:
        with transaction.atomic():
            patient, matched = _find_or_create_patient(hold)
            assessed = matched and selectors.has_been_assessed(
                patient=patient, before=hold.starts_at
            )
            appointment = appointment_book(
                patient=patient,
                practitioner=hold.practitioner,
                type=hold.type,
                starts_at=hold.starts_at,
                by=None,
                notes=_phone_note(patient, hold) if matched else "",
                # The rules (notice, horizon) were met when the time was held: the person
                # confirming within the hold's minutes keeps it.
                now=hold.created_at,
                source=BookingSource.ONLINE,
                intake_url="" if assessed else f"{site}{intake_path(patient.uuid)}",
            )
    except ValidationError as exc:
        # Whatever stopped it (the matched patient's own appointment then included), the
        # person reads the same thing: no enumeration. The log names the hold only.
        logger.info("Online hold %s could not be booked (%s)", hold.uuid, exc.code)
        return ValidationError(no_longer_available(), code="unavailable")
    return appointment


def _phone_note(patient: Patient, hold: OnlineBookingHold) -> str:
    """A matched record keeps its phone (nothing is changed silently); a different number typed
    online goes in the appointment's notes, for the front desk (and the call) to see."""
    if phone_digits(hold.phone) == phone_digits(patient.phone):
        return ""
    return f"Phone given when booking online: {hold.phone} (not on the record)."


def fold_name(value: str) -> str:
    """A name compared ignoring letter case, accents and spacing."""
    decomposed = unicodedata.normalize("NFKD", value)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.casefold().split())


def _find_or_create_patient(hold: OnlineBookingHold) -> tuple[Patient, bool]:
    """The active patient with this email (ignoring case) and last name (ignoring case and
    accents), else a new record with what was typed, flagged where it may duplicate another."""
    last = fold_name(hold.last_name)
    candidates = (
        Patient.objects.active()
        .annotate(email_lower=Lower("email"))
        .filter(email_lower=hold.email.strip().lower())
        .order_by("pk")[:20]
    )
    for patient in candidates:
        if fold_name(patient.last_name) == last:
            return patient, True
    patient = patient_create(
        by=None,
        first_name=hold.first_name,
        last_name=hold.last_name,
        phone=hold.phone,
        email=hold.email,
    )
    matches = selectors.possible_duplicates(
        first_name=hold.first_name,
        last_name=hold.last_name,
        date_of_birth=None,
        phone=hold.phone,
        email=hold.email,
        exclude=patient,
    )
    PossibleDuplicateFlag.objects.bulk_create(
        PossibleDuplicateFlag(patient=patient, other=m.patient, reasons=", ".join(m.reasons))
        for m in matches
    )
    return patient, False


@transaction.atomic
def duplicate_flags_clear(*, patient: Patient, by) -> int:
    """The front desk checked the possible duplicates of a record booked online."""
    deleted, _ = PossibleDuplicateFlag.objects.filter(patient=patient).delete()
    return deleted
