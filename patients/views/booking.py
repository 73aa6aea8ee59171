"""The booking page (issue 10: on one page). From a "Free" cell of the schedule the practitioner,
day and time come preselected, and the type is chosen for the patient; from a patient's page the
patient's last practitioner and the first day with free times. The free times of the day are a
grid of buttons grouped by part of the day, with the next days a click away."""

import datetime
import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import dateformat, timezone
from django.utils.http import urlencode

from patients import scheduling, selectors, services
from patients.forms import BookingForm, BookingSearchForm, NewCallerForm, PatientSearchForm
from patients.models import Patient
from patients.services import BOOKING_HORIZON
from patients.views.schedule import WALL_TIME, _email_message, _plain, _row_id
from revere.access import staff_required

# Which field of the booking form shows each refusal of the booking service.
BOOKING_ERROR_FIELDS = {
    "outside_hours": "outside_hours",
    "practitioner_busy": "start",
    "slot_taken": "start",
    "held_online": "start",  # issue 13
    "past": "start",
    "too_far": "day",
    "needs_registration": "type",
}

# The day strip: the chosen day and the days after it, each with its number of free times.
STRIP_DAYS = 7
# The booking form's fields folded under "Another time, outside working hours, notes".
MORE_FIELDS = ("other_time", "outside_hours", "outside_hours_reason", "notes")


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
    """Who could take ``starts_at``: the chosen practitioner, or for "any" those free then.
    Without the patient's own appointments: an overlap with one of those is the service's
    refusal, which says which appointment is in the way."""
    if practitioner is not None:
        return [practitioner]
    return selectors.practitioners_free_at(type=type, starts_at=starts_at)


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


def _wall_time(value: str) -> datetime.time | None:
    """A wall-clock HH:MM from a link (the schedule's "Free" cell), or None."""
    if not WALL_TIME.fullmatch(value):
        return None
    try:
        return datetime.time(int(value[:2]), int(value[3:]))
    except ValueError:
        return None


def _hhmm(free) -> str:
    return f"{free.starts_at:%H:%M}"


class Criteria:
    """What the booking page lists free times for, resolved from the request and, where the
    request says nothing, from the patient: the type, the practitioner (None: any) and the day,
    with the free times of the day and the days after it."""

    def __init__(self, *, search, data, wanted_time, patient, new_caller, today):
        self.search = search
        self.type = data["type"]
        self.practitioner = data["practitioner"]
        self.day = data["day"]
        self.patient = patient
        self.new_caller = new_caller
        self.wanted_time = wanted_time
        self.today = today
        self.type_reason = ""
        self.strip = []
        self.times = []
        self.practitioners = []


def _resolve(data, *, patient, new_caller, wanted_time, explicit):
    """The search form bound to what the request chose, with the gaps filled in: practitioner
    (the patient's last, else any), day (the first of the next days with a free time), type
    (follow-up / initial assessment / the consultation call, see selectors.suggested_type).
    Returns (search form, Criteria or None when something chosen is not valid)."""
    today = timezone.localdate()
    values = {key: data.get(key, "") for key in ("type", "practitioner", "day")}
    if "practitioner" not in explicit:
        last = None if patient is None else selectors.last_practitioner_id(patient=patient)
        values["practitioner"] = "" if last is None else str(last)
    if "day" not in explicit:
        values["day"] = f"{today:%Y-%m-%d}"

    search = BookingSearchForm(values, phone_only=new_caller)
    search.is_valid()
    if "practitioner" in search.errors or "day" in search.errors:
        return search, None
    practitioner, day = search.cleaned_data["practitioner"], search.cleaned_data["day"]
    # The form's own list of practitioners (read once: it checked the choice and renders it).
    practitioners = [practitioner] if practitioner else search.fields["practitioner"].loaded()
    # One load of availability covers the default day's search and the strip after it.
    span = STRIP_DAYS if "day" in explicit else 2 * STRIP_DAYS
    found = selectors.free_days(
        practitioners=practitioners, first_day=day, days=span, patient=patient
    )

    type_reason = ""
    if "type" not in explicit:
        types = search.fields["type"].loaded()
        wanted_start = (
            scheduling.local_instant(day, wanted_time, selectors.clinic_tz())
            if wanted_time
            else None
        )
        assessed = (
            None
            if patient is None
            else selectors.has_been_assessed(patient=patient, before=wanted_start)
        )

        def fits(type):
            return any(_hhmm(t) == f"{wanted_time:%H:%M}" for t in found.times(type, day))

        chosen = selectors.suggested_type(
            types, assessed=assessed, fits=fits if wanted_time else None
        )
        if chosen is None:
            return search, None
        type_reason = _type_reason(chosen, assessed, wanted_time, fits)
        # The preselected type fills the gap in the bound form (``values`` is its data, so the
        # page shows it chosen) without validating the form again.
        values["type"] = str(chosen.pk)
        search.errors.pop("type", None)
        search.cleaned_data["type"] = chosen
    if search.errors:
        return search, None

    cleaned = search.cleaned_data
    if "day" not in explicit:
        first_free = next(
            (d for d in found.days[:STRIP_DAYS] if found.times(cleaned["type"], d)), None
        )
        if first_free is not None:
            values["day"] = f"{first_free:%Y-%m-%d}"
            cleaned["day"] = first_free
    criteria = Criteria(
        search=search,
        data=cleaned,
        wanted_time=wanted_time,
        patient=patient,
        new_caller=new_caller,
        today=today,
    )
    criteria.type_reason = type_reason
    criteria.practitioners = practitioners
    criteria.times = found.times(criteria.type, criteria.day)
    last_day = today + BOOKING_HORIZON
    strip_days = [d for d in found.days if criteria.day <= d <= last_day][:STRIP_DAYS]
    criteria.strip = [(d, len(found.times(criteria.type, d))) for d in strip_days]
    return search, criteria


def _type_reason(chosen, assessed, wanted_time, fits) -> str:
    """Why the page preselected this type, in words for the front desk."""
    if wanted_time and not fits(chosen):
        return ""
    if wanted_time and chosen.kind == "consultation" and assessed is not None:
        return f"only a short appointment fits at {wanted_time:%H:%M}"
    if assessed is None:
        return "a new caller"
    if chosen.kind == "follow_up":
        return "the patient has had an initial assessment"
    if chosen.kind == "initial_assessment":
        return "no initial assessment yet"
    return ""


@staff_required
def appointment_book(request):
    """Choose the patient (or a new caller); the type, practitioner and day come preselected and
    the free times of the day are listed as a grid; one click confirms. GET lists; POST books
    (and on a refusal lists again, with what was typed)."""
    posted = request.method == "POST"
    data = request.POST if posted else request.GET
    new_caller = data.get("new_caller") == "1"
    patient = None if new_caller else _booking_patient(request, data.get("patient"))
    raw_time = "" if posted else request.GET.get("time", "")
    wanted_time = _wall_time(raw_time)
    notes = []
    if raw_time and wanted_time is None:
        notes.append("The time in the link was not understood: choose one of the free times.")

    book_form = BookingForm(request.POST if posted else None, phone_only=new_caller)
    caller_form = NewCallerForm(request.POST or None) if new_caller else None
    next_times = None

    if posted:
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
                    patient=patient,
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

    # The type, practitioner and day, and their free times (once the patient is known).
    explicit = {key for key in ("type", "practitioner", "day") if key in data}
    criteria = None
    if patient is not None or new_caller:
        search, criteria = _resolve(
            data, patient=patient, new_caller=new_caller, wanted_time=wanted_time, explicit=explicit
        )
    else:
        search = BookingSearchForm(
            None,
            initial={"practitioner": _row_id(data.get("practitioner", ""))},
        )
    free = criteria.times if criteria else None
    if criteria and not free and next_times is None:
        next_times = selectors.next_free_times(
            type=criteria.type,
            practitioners=criteria.practitioners,
            after=scheduling.day_bounds(
                criteria.day + datetime.timedelta(days=1), selectors.clinic_tz()
            ).start,
            patient=patient,
        )

    # The start time checked: the one posted, else the one the schedule's "Free" cell named.
    selected = _plain(request.POST.get("start", ""))
    if not selected and wanted_time and free:
        selected = next((t.value for t in free if _hhmm(t) == f"{wanted_time:%H:%M}"), "")
        if not selected:
            notes.append(
                f"{wanted_time:%H:%M} is not free for {criteria.type.name}"
                f"{f' with {criteria.practitioner}' if criteria.practitioner else ''} on "
                f"{dateformat.format(criteria.day, 'l j F')}: choose another time."
            )

    # Patient search, when no patient is chosen yet.
    patient_search = PatientSearchForm(request.GET if "q" in request.GET else None)
    matches = None
    if patient is None and not new_caller and patient_search.is_bound and patient_search.is_valid():
        matches = list(
            Patient.objects.visible_to(request.user).search(patient_search.cleaned_data["q"])[:10]
        )

    # What the user chose so far, carried through the patient search links.
    carry = {
        key: _plain(data.get(key, ""))
        for key in ("type", "practitioner", "day", "time")
        if _plain(data.get(key, ""))
    }
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
            "free_parts": selectors.day_parts(free) if free else [],
            # With "any practitioner": how many there are (a time not all are free names who is).
            "everyone": (
                len(criteria.practitioners) if criteria and not criteria.practitioner else 0
            ),
            "next_times": next_times,
            "selected": selected,
            "notes": notes,
            "slot": None if criteria else _chosen_slot(data, wanted_time),
            "patient_search": patient_search,
            "matches": matches,
            "carry": carry,
            "carry_query": urlencode(carry),
            "caller_carry_query": urlencode({k: v for k, v in carry.items() if k != "type"}),
            "days": _day_links(criteria, patient, new_caller, explicit) if criteria else None,
            # "Another time, outside hours, notes" stays open when any of it was used.
            "show_more": any(request.POST.get(name) for name in MORE_FIELDS)
            or any(name in book_form.errors for name in MORE_FIELDS),
        },
    )


def _chosen_slot(data, wanted_time):
    """The slot a "Free" cell of the schedule named, for the page to say what is being booked
    while the patient is chosen; None when the link named no usable practitioner, day or time."""
    if wanted_time is None:
        return None
    try:
        day = datetime.date.fromisoformat(data.get("day", ""))
    except ValueError:
        return None
    practitioner_id = _row_id(data.get("practitioner", ""))
    practitioner = (
        selectors.bookable_practitioners().filter(pk=practitioner_id).first()
        if practitioner_id is not None
        else None
    )
    return {"practitioner": practitioner, "day": day, "time": wanted_time}


def _day_links(criteria, patient, new_caller, explicit):
    """The previous day, the strip of days and the next day, as links that keep the patient, the
    practitioner and a type the user chose (a preselected one is chosen again for the day)."""
    keep = {"new_caller": "1"} if new_caller else {"patient": str(patient.uuid)}
    if "type" in explicit:
        keep["type"] = str(criteria.type.pk)
    keep["practitioner"] = str(criteria.practitioner.pk) if criteria.practitioner else ""

    def query(day):
        return urlencode({**keep, "day": f"{day:%Y-%m-%d}"})

    one = datetime.timedelta(days=1)
    last_day = criteria.today + BOOKING_HORIZON
    previous_day = criteria.day - one
    next_day = criteria.day + one
    return {
        "previous": query(previous_day) if previous_day >= criteria.today else None,
        "previous_day": previous_day,
        "next": query(next_day) if next_day <= last_day else None,
        "next_day": next_day,
        "strip": [
            {"day": day, "count": count, "query": query(day), "current": day == criteria.day}
            for day, count in criteria.strip
        ],
    }
