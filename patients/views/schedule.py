"""The schedule (day and week), booking, and one appointment's page with its status buttons."""

import datetime
import re
import uuid
from urllib.parse import urlsplit

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import Resolver404, resolve, reverse
from django.utils import dateformat, timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_POST

from audit.services import access_log
from patients import scheduling, selectors, services
from patients.forms import (
    AppointmentStatusForm,
    BookingForm,
    BookingSearchForm,
    NewCallerForm,
    PatientSearchForm,
    RescheduleForm,
    ScheduleDayForm,
)
from patients.models import AppointmentStatus, Patient, Practitioner
from revere.access import staff_required

# --- Raw query parameters -----------------------------------------------------------------------
# Only ASCII digits: str.isdigit() also accepts "²" or "٣", which int() and the database refuse.
# Nine digits at most, so the number always fits the id column.
ROW_ID = re.compile(r"[0-9]{1,9}")
WALL_TIME = re.compile(r"[0-9]{2}:[0-9]{2}")


def _row_id(value: str) -> int | None:
    """The id in a raw query parameter, or None when it is not a plain number."""
    return int(value) if ROW_ID.fullmatch(value) else None


def _plain(value: str, limit: int = 40) -> str:
    """A raw parameter echoed back into the page: dropped if it holds control characters (a NUL
    byte, say) or is longer than any value the page itself sends."""
    return value if len(value) <= limit and value.isprintable() else ""


# --- Schedule ---------------------------------------------------------------------------------


def _chosen_day(request) -> tuple[datetime.date, ScheduleDayForm]:
    """The ?day= of the date picker, today when absent or not a usable date."""
    form = ScheduleDayForm(request.GET or None)
    if form.is_valid() and form.cleaned_data["day"]:
        return form.cleaned_data["day"], form
    return timezone.localdate(), form


@staff_required
def schedule_day(request):
    day, form = _chosen_day(request)
    one_day = datetime.timedelta(days=1)
    return render(
        request,
        "patients/schedule_day.html",
        {
            "grid": selectors.schedule_day(day=day),
            "day": day,
            "form": form,
            "today": timezone.localdate(),
            "previous_day": day - one_day,
            "next_day": day + one_day,
        },
    )


@staff_required
def schedule_week(request, practitioner_id):
    practitioner = get_object_or_404(Practitioner, pk=practitioner_id)
    day, form = _chosen_day(request)
    monday = selectors.week_start(day)
    week = datetime.timedelta(days=7)
    return render(
        request,
        "patients/schedule_week.html",
        {
            "grid": selectors.schedule_week(practitioner=practitioner, day=day),
            "practitioner": practitioner,
            "practitioners": selectors.bookable_practitioners(),
            "day": day,
            "form": form,
            "monday": monday,
            "sunday": monday + datetime.timedelta(days=6),
            "previous_week": monday - week,
            "next_week": monday + week,
            "today": timezone.localdate(),
        },
    )


@staff_required
def schedule_week_pick(request):
    """The week view's practitioner picker (a GET form, so it works without JavaScript)."""
    chosen = _row_id(request.GET.get("practitioner", ""))
    practitioners = selectors.bookable_practitioners()
    practitioner = (
        practitioners.filter(pk=chosen).first() if chosen is not None else None
    ) or practitioners.first()
    if practitioner is None:
        messages.info(request, "No practitioner is set up yet: the manager adds them in the admin.")
        return redirect("patients:schedule")
    url = reverse("patients:schedule_week", args=[practitioner.pk])
    day, _ = _chosen_day(request)
    return redirect(f"{url}?day={day:%Y-%m-%d}")


# --- Booking ----------------------------------------------------------------------------------

# Which field of the booking form shows each refusal of the booking service.
BOOKING_ERROR_FIELDS = {
    "outside_hours": "outside_hours",
    "practitioner_busy": "start",
    "slot_taken": "start",
    "past": "start",
    "too_far": "day",
    "needs_registration": "type",
}


def _booking_patient(request, value):
    """The patient named by ?patient=<uuid>, scoped to the user; a wrong one is a 404."""
    if not value:
        return None
    try:
        patient_uuid = uuid.UUID(str(value))
    except ValueError:
        raise Http404("No such patient.") from None
    return get_object_or_404(Patient.objects.visible_to(request.user), uuid=patient_uuid)


def _free_practitioners_at(type, practitioner, starts_at) -> list:
    """Who could take ``starts_at``: the chosen practitioner, or for "any" those free then."""
    if practitioner is not None:
        return [practitioner]
    day = timezone.localtime(starts_at, timezone.get_default_timezone()).date()
    for free in selectors.free_times(
        type=type, practitioners=selectors.bookable_practitioners(), day=day
    ):
        if free.slot.start == starts_at:
            return free.practitioners
    return []


def _book(request, data, patient, caller):
    practitioner = data["practitioner"]
    common = {"type": data["type"], "starts_at": data["starts_at"], "by": request.user}
    if caller is not None:
        return services.appointment_book_new_caller(
            **caller,
            practitioners=_free_practitioners_at(data["type"], practitioner, data["starts_at"]),
            notes=data["notes"],
            outside_hours_reason=data["outside_hours_reason"],
            **common,
        )
    if practitioner is None:
        return services.appointment_book_any(
            patient=patient,
            practitioners=_free_practitioners_at(data["type"], None, data["starts_at"]),
            notes=data["notes"],
            **common,
        )
    return services.appointment_book(
        patient=patient,
        practitioner=practitioner,
        notes=data["notes"],
        outside_hours_reason=data["outside_hours_reason"],
        **common,
    )


@staff_required
def appointment_book(request):
    """Choose the patient (or a new caller), the type, practitioner and day; pick a free time;
    confirm. GET lists; POST books (and on a refusal lists again, with what was typed)."""
    data = request.POST if request.method == "POST" else request.GET
    new_caller = data.get("new_caller") == "1"
    patient = None if new_caller else _booking_patient(request, data.get("patient"))

    searched = request.method == "POST" or "type" in request.GET
    search = BookingSearchForm(
        data if searched else None,
        phone_only=new_caller,
        initial={
            "practitioner": _row_id(request.GET.get("practitioner", "")),
            "day": _chosen_day(request)[0],
        },
    )
    book_form = BookingForm(
        request.POST if request.method == "POST" else None, phone_only=new_caller
    )
    caller_form = NewCallerForm(request.POST or None) if new_caller else None
    next_times = None

    if request.method == "POST":
        ready = book_form.is_valid() and (caller_form is None or caller_form.is_valid())
        if patient is None and not new_caller:
            book_form.add_error(None, "Choose the patient first.")
            ready = False
        if ready:
            try:
                appointment = _book(
                    request,
                    book_form.cleaned_data,
                    patient,
                    caller_form.cleaned_data if caller_form else None,
                )
            except services.SlotTaken as exc:
                book_form.add_error("start", exc)
                data_ok = book_form.cleaned_data
                next_times = selectors.next_free_times(
                    type=data_ok["type"],
                    practitioners=[data_ok["practitioner"]]
                    if data_ok["practitioner"]
                    else selectors.bookable_practitioners(),
                    after=data_ok["starts_at"],
                )
            except ValidationError as exc:
                book_form.add_error(BOOKING_ERROR_FIELDS.get(getattr(exc, "code", None)), exc)
            else:
                start = timezone.localtime(appointment.starts_at)
                messages.success(
                    request,
                    f"Booked: {appointment.type} with {appointment.practitioner} on "
                    f"{dateformat.format(start, 'l j F Y')} at {start:%H:%M}.",
                )
                _email_message(request, appointment, "confirmation")
                return redirect("patients:appointment", appointment_uuid=appointment.uuid)

    # The free times for the type, practitioner and day searched (valid ones only).
    criteria = search.cleaned_data if search.is_bound and search.is_valid() else None
    free = None
    if criteria and (patient is not None or new_caller):
        practitioners = (
            [criteria["practitioner"]]
            if criteria["practitioner"]
            else list(selectors.bookable_practitioners())
        )
        free = selectors.free_times(
            type=criteria["type"], practitioners=practitioners, day=criteria["day"]
        )
        if not free and next_times is None:
            next_times = selectors.next_free_times(
                type=criteria["type"],
                practitioners=practitioners,
                after=scheduling.day_bounds(
                    criteria["day"] + datetime.timedelta(days=1), selectors.clinic_tz()
                ).start,
            )

    # Patient search, when no patient is chosen yet.
    patient_search = PatientSearchForm(request.GET if "q" in request.GET else None)
    matches = None
    if patient is None and not new_caller and patient_search.is_bound and patient_search.is_valid():
        matches = list(
            Patient.objects.visible_to(request.user).search(patient_search.cleaned_data["q"])[:10]
        )

    carry = {
        key: _plain(data.get(key, ""))
        for key in ("type", "practitioner", "day", "time")
        if _plain(data.get(key, ""))
    }
    selected = _plain(request.POST.get("start", ""))
    wanted_time = request.GET.get("time", "")
    wanted_time = wanted_time if WALL_TIME.fullmatch(wanted_time) else ""
    return render(
        request,
        "patients/appointment_book.html",
        {
            "patient": patient,
            "new_caller": new_caller,
            "search": search,
            "criteria": criteria,
            "book_form": book_form,
            "caller_form": caller_form,
            "free_times": free,
            "next_times": next_times,
            "selected": selected,
            "wanted_time": wanted_time,
            "patient_search": patient_search,
            "matches": matches,
            # What the user chose so far, carried through the patient search links.
            "carry": carry,
            "carry_query": urlencode(carry),
            "caller_carry_query": urlencode({k: v for k, v in carry.items() if k != "type"}),
        },
    )


def _email_message(request, appointment, what: str) -> None:
    """Issue 10: what became of the email to the patient (the service's Notice), truthfully."""
    notice = getattr(appointment, "notice", None)
    if notice is None:
        return
    text = notice.patient_message(what)
    if notice.patient == "sent":
        messages.info(request, text)
    else:
        messages.warning(request, text)


# --- One appointment --------------------------------------------------------------------------


def _appointment_for(request, appointment_uuid):
    appointment = selectors.appointment_get(user=request.user, appointment_uuid=appointment_uuid)
    if appointment is None:
        raise Http404("No such appointment.")
    return appointment


def _appointment_page(request, appointment, status_form=None):
    return render(
        request,
        "patients/appointment_detail.html",
        {
            "appointment": appointment,
            "status_form": status_form,
            "allowed": appointment.allowed_statuses(),
            "statuses": AppointmentStatus,
            "practitioners": selectors.bookable_practitioners(),  # issue 10: reschedule
            "next": _safe_next(request),
        },
    )


# A path on this site: one leading slash (not "//" or "/\\", which browsers read as another
# host), then printable ASCII only.
LOCAL_PATH = re.compile(r"/(?![/\\])[!-~]{0,500}")


def _safe_next(request) -> str:
    """Where to go back after a status change: a path of one of this site's pages. Anything else
    (another site, a URL name, a path no view answers, control characters) is ignored, so the
    redirect cannot fail after the change is saved."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if not LOCAL_PATH.fullmatch(target) or not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return ""
    try:
        resolve(urlsplit(target).path)
    except Resolver404:
        return ""
    return target


@staff_required
def appointment_detail(request, appointment_uuid):
    appointment = _appointment_for(request, appointment_uuid)
    access_log(request=request, obj=appointment, patient=appointment.patient)
    return _appointment_page(request, appointment)


@staff_required
@require_POST
def appointment_status(request, appointment_uuid):
    appointment = _appointment_for(request, appointment_uuid)
    form = AppointmentStatusForm(request.POST)
    if form.is_valid():
        try:
            changed = services.appointment_set_status(
                appointment=appointment,
                status=form.cleaned_data["status"],
                by=request.user,
                reason=form.cleaned_data["reason"],
                by_patient=form.cleaned_data["by_patient"],
            )
        except ValidationError as exc:
            form.add_error("reason" if exc.code == "reason_required" else None, exc)
        else:
            label = AppointmentStatus(form.cleaned_data["status"]).label.lower()
            messages.success(request, f"The appointment is marked as {label}.")
            _email_message(request, changed, "cancellation")
            return redirect(
                _safe_next(request)
                or reverse("patients:appointment", kwargs={"appointment_uuid": appointment.uuid})
            )
    return _appointment_page(request, appointment, status_form=form)


# --- Rescheduling (issue 10) ------------------------------------------------------------------

RESCHEDULE_ERROR_FIELDS = {
    "practitioner_busy": "start",
    "slot_taken": "start",
    "past": "start",
    "outside_hours": "start",
    "unchanged": "start",
    "too_far": "day",
    "inactive": "practitioner",
}


@staff_required
def appointment_reschedule(request, appointment_uuid):
    """Move a booked appointment: choose the practitioner and day (GET lists the free times of
    its type), then one of them (POST). Anything but a booked appointment is refused."""
    appointment = _appointment_for(request, appointment_uuid)
    if appointment.status != AppointmentStatus.BOOKED:
        messages.error(request, "Only a booked appointment can be moved.")
        return redirect("patients:appointment", appointment_uuid=appointment.uuid)
    searched = request.method == "POST" or "day" in request.GET
    form = RescheduleForm(
        (request.POST if request.method == "POST" else request.GET) if searched else None,
        initial={
            "practitioner": appointment.practitioner_id,
            "day": timezone.localtime(appointment.starts_at).date(),
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if data["start"] is None:
            form.add_error("start", "Choose the new start time.")
        else:
            previous = timezone.localtime(appointment.starts_at)
            try:
                moved = services.appointment_reschedule(
                    appointment=appointment,
                    starts_at=data["start"],
                    practitioner=data["practitioner"],
                    by=request.user,
                )
            except ValidationError as exc:
                form.add_error(RESCHEDULE_ERROR_FIELDS.get(getattr(exc, "code", None)), exc)
            else:
                start = timezone.localtime(moved.starts_at)
                messages.success(
                    request,
                    f"Moved from {dateformat.format(previous, 'l j F')} at {previous:%H:%M} to "
                    f"{dateformat.format(start, 'l j F Y')} at {start:%H:%M} with "
                    f"{moved.practitioner}.",
                )
                _email_message(request, moved, "new time")
                return redirect("patients:appointment", appointment_uuid=moved.uuid)
    criteria = None
    if form.is_bound:
        form.is_valid()
        cleaned = getattr(form, "cleaned_data", {})
        if "practitioner" in cleaned and "day" in cleaned:
            criteria = cleaned
    free = None
    if criteria:
        free = selectors.free_times(
            type=appointment.type, practitioners=[criteria["practitioner"]], day=criteria["day"]
        )
    return render(
        request,
        "patients/appointment_reschedule.html",
        {
            "appointment": appointment,
            "form": form,
            "criteria": criteria,
            "free_times": free,
            "selected": _plain(request.POST.get("start", "")),
        },
    )
