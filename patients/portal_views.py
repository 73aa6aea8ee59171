"""The patient portal's appointment pages: a patient's own upcoming appointments, cancelling one
online up to PORTAL_CANCEL_HOURS before it starts, and (issue 13) booking a follow-up and moving
an appointment within the clinic's online rules. Anything not their own is a 404."""

import datetime

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import dateformat, timezone
from django.utils.http import urlencode

from patients import online, selectors, services
from patients.forms import PortalCancelForm
from patients.models import Appointment, AppointmentStatus, Patient
from patients.portal_forms import PortalBookForm, PortalMoveForm, PortalSearchForm
from patients.services import portal_booking
from revere.access import patient_required


def _own_patient(request) -> Patient:
    patient = Patient.objects.visible_to(request.user).first()
    if patient is None:
        # A portal login whose record is archived or not linked yet: nothing to show.
        raise Http404("No patient record is linked to this login.")
    return patient


def _cancellable_online(appointment, now) -> bool:
    limit = datetime.timedelta(hours=settings.PORTAL_CANCEL_HOURS)
    return appointment.status == AppointmentStatus.BOOKED and appointment.starts_at - now >= limit


@patient_required
def appointment_list(request):
    patient = _own_patient(request)
    now = timezone.now()
    appointments = selectors.upcoming_for_portal(user=request.user, now=now)
    for appointment in appointments:
        appointment.cancellable_online = _cancellable_online(appointment, now)
        # Issue 13: "Change time", or why not in words.
        refusal = portal_booking.move_refusal(appointment, now=now)
        appointment.movable_online = refusal is None
        appointment.not_movable_because = "" if refusal is None else refusal.messages[0]
    return render(
        request,
        "portal/appointment_list.html",
        {
            "patient": patient,
            "appointments": appointments,
            "cancel_hours": settings.PORTAL_CANCEL_HOURS,
            "online_booking": online.rules().enabled,
        },
    )


@patient_required
def appointment_cancel(request, appointment_uuid):
    _own_patient(request)
    appointment = (
        Appointment.objects.visible_to(request.user)
        .select_related("practitioner", "type")
        .filter(uuid=appointment_uuid, status=AppointmentStatus.BOOKED, ends_at__gt=timezone.now())
        .first()
    )
    if appointment is None:
        raise Http404("No such appointment.")
    form = PortalCancelForm(request.POST or None)
    refusal = None
    if request.method == "POST" and form.is_valid():
        try:
            cancelled = services.appointment_cancel_by_patient(
                appointment=appointment, by=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            refusal = exc.messages[0]
        else:
            # Issue 10: say only what was sent (the clinic sees it on its schedule either way).
            notice = cancelled.notice
            told = ["Your appointment is cancelled."]
            if notice.patient == "sent":
                told.append("We emailed you a confirmation.")
            if notice.clinic == "sent":
                told.append("The clinic has been told by email.")
            else:
                told.append("The clinic sees the cancellation on its schedule.")
            messages.success(request, " ".join(told))
            return redirect("portal_appointments:list")
    elif not _cancellable_online(appointment, timezone.now()):
        refusal = (
            f"Appointments can be cancelled online up to {settings.PORTAL_CANCEL_HOURS} hours "
            f"before they start. To cancel this one, please call the clinic at "
            f"{settings.CLINIC_PHONE}."
        )
    return render(
        request,
        "portal/appointment_cancel.html",
        {"appointment": appointment, "form": form, "refusal": refusal},
        status=200,
    )


# --- Issue 13: booking and moving in the portal -------------------------------------------------


def _when(instant) -> str:
    local = timezone.localtime(instant)
    return f"{dateformat.format(local, 'l j F Y')} at {local:%H:%M}"


def _emailed(notice) -> str:
    if notice is not None and notice.patient == "sent":
        return " We emailed you the details with a calendar file."
    return ""


def _day_links(strip, keep: dict) -> dict:
    """The strip's days as links that keep the type and practitioner chosen."""

    def query(day):
        return urlencode({**keep, "day": f"{day:%Y-%m-%d}"})

    return {
        "days": [{"option": option, "query": query(option.day)} for option in strip.days],
        "earlier": query(strip.earlier) if strip.earlier else None,
        "later": query(strip.later) if strip.later else None,
    }


def _time_grid(strip, selected: str, everyone: int) -> dict:
    return {
        "strip": strip,
        "free_parts": selectors.day_parts(strip.times),
        "selected": selected if any(t.value == selected for t in strip.times) else "",
        "everyone": everyone,
    }


@patient_required
def appointment_book(request):
    """Book an appointment: the types this patient may book online (the follow-up once
    assessed), the practitioner they saw last or any, a week of the online window's days and the
    free times of one as radio buttons; Book confirms (POST). A refusal shows the page again with
    the rule in words."""
    patient = _own_patient(request)
    now = timezone.now()
    if not online.rules().enabled:
        return render(request, "portal/appointment_book.html", {"closed": True})
    posted = request.method == "POST"
    refusal = None
    if posted:
        form = PortalBookForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                appointment = portal_booking.portal_appointment_book(
                    patient=patient,
                    by=request.user,
                    type=data["type"],
                    practitioner=data["practitioner"],
                    starts_at=data["start"],
                    now=now,
                )
            except ValidationError as exc:
                refusal = exc.messages[0]
            else:
                messages.success(
                    request,
                    f"Booked: {appointment.type.name} with {appointment.practitioner} on "
                    f"{_when(appointment.starts_at)}.{_emailed(appointment.notice)}",
                )
                return redirect("portal_appointments:list")
        else:
            refusal = " ".join(e for errors in form.errors.values() for e in errors)

    choices = portal_booking.portal_booking_choices(patient=patient, now=now)
    data = request.POST if posted else request.GET
    search = PortalSearchForm(
        data if any(key in data for key in ("type", "practitioner", "day")) else None,
        types=choices.types,
        practitioners=choices.practitioners,
        first_day=choices.first_day,
        last_day=choices.last_day,
    )
    type = search.chosen("type") or choices.default_type
    if "practitioner" in data and "practitioner" not in search.errors:
        practitioner = search.chosen("practitioner")
    else:
        practitioner = choices.last_practitioner
    context = {
        "choices": choices,
        "type": type,
        "practitioner": practitioner,
        "notes": search.notes() if search.is_bound else [],
        "refusal": refusal,
        "cancel_hours": settings.PORTAL_CANCEL_HOURS,
    }
    if type is not None and choices.practitioners:
        strip = portal_booking.portal_free_times(
            type=type,
            practitioners=[practitioner] if practitioner else choices.practitioners,
            patient=patient,
            day=search.chosen("day"),
            now=now,
        )
        keep = {"type": type.pk, "practitioner": practitioner.pk if practitioner else ""}
        context.update(
            _time_grid(
                strip,
                request.POST.get("start", ""),
                0 if practitioner else len(choices.practitioners),
            ),
            days=_day_links(strip, keep),
        )
    return render(request, "portal/appointment_book.html", context, status=200)


def _own_appointment(request, appointment_uuid) -> Appointment:
    appointment = (
        Appointment.objects.visible_to(request.user)
        .select_related("patient", "practitioner", "type")
        .filter(uuid=appointment_uuid, status=AppointmentStatus.BOOKED, ends_at__gt=timezone.now())
        .first()
    )
    if appointment is None:
        raise Http404("No such appointment.")
    return appointment


@patient_required
def appointment_reschedule(request, appointment_uuid):
    """Move one's own booked appointment (same type) to a free time within the online rules,
    up to PORTAL_CANCEL_HOURS before it starts; later, the page says to call the clinic."""
    patient = _own_patient(request)
    appointment = _own_appointment(request, appointment_uuid)
    now = timezone.now()
    refusal = None
    if request.method == "POST":
        form = PortalMoveForm(request.POST)
        if form.is_valid():
            previous = appointment.starts_at
            try:
                moved = portal_booking.portal_appointment_reschedule(
                    appointment=appointment,
                    by=request.user,
                    starts_at=form.cleaned_data["start"],
                    practitioner=form.cleaned_data["practitioner"],
                    now=now,
                )
            except ValidationError as exc:
                refusal = exc.messages[0]
            else:
                messages.success(
                    request,
                    f"Moved: your {moved.type.name} is now on {_when(moved.starts_at)} with "
                    f"{moved.practitioner} (it was on {_when(previous)})."
                    f"{_emailed(moved.notice)}",
                )
                return redirect("portal_appointments:list")
        else:
            refusal = " ".join(e for errors in form.errors.values() for e in errors)

    blocked = portal_booking.move_refusal(appointment, now=now)
    context = {"appointment": appointment, "refusal": refusal}
    if blocked is not None:
        context["blocked"] = refusal or blocked.messages[0]
        context["refusal"] = None
        return render(request, "portal/appointment_reschedule.html", context)

    rules = online.rules()
    practitioners = list(online.online_practitioners().order_by("display_name", "pk"))
    data = request.POST if request.method == "POST" else request.GET
    search = PortalSearchForm(
        data if any(key in data for key in ("practitioner", "day")) else None,
        types=[appointment.type],
        practitioners=practitioners,
        first_day=rules.first_day(now),
        last_day=rules.last_day(now),
    )
    if "practitioner" in data and "practitioner" not in search.errors:
        practitioner = search.chosen("practitioner")
    else:
        current = appointment.practitioner
        practitioner = current if any(p.pk == current.pk for p in practitioners) else None
    context.update(
        practitioners=practitioners,
        practitioner=practitioner,
        notes=search.notes() if search.is_bound else [],
    )
    if practitioners:
        strip = portal_booking.portal_free_times(
            type=appointment.type,
            practitioners=[practitioner] if practitioner else practitioners,
            patient=patient,
            day=search.chosen("day"),
            ignore=appointment,
            now=now,
        )
        context.update(
            _time_grid(
                strip, request.POST.get("start", ""), 0 if practitioner else len(practitioners)
            ),
            days=_day_links(strip, {"practitioner": practitioner.pk if practitioner else ""}),
        )
    return render(request, "portal/appointment_reschedule.html", context)
