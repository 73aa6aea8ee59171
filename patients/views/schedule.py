"""The schedule (day and week), booking, and one appointment's page with its status buttons."""

import datetime
import re
import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import Resolver404, resolve, reverse
from django.utils import dateformat, timezone
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_POST

from audit.services import access_log
from patients import selectors, services
from patients.forms import (
    AppointmentStatusForm,
    RescheduleForm,
    ScheduleDayForm,
)
from patients.models import AppointmentStatus, Practitioner
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


# Issue 11: a busy day is ~1,500 cells. Those without an appointment are the same few strings, so
# they are written here and joined per run of cells (the template renders the appointment cells
# and writes each run as it is): the template engine's per-cell tags were most of the page's time.
PLAIN_CELLS = {
    "closed": '<td class="schedule-closed"><span class="visually-hidden">Not working</span></td>',
    "past": '<td class="schedule-past"><span class="visually-hidden">Passed</span></td>',
    "away": '<td class="schedule-away">Away</td>',
    # Issue 13: an online request holds the time while the person confirms by email.
    "held": '<td class="schedule-held">Held online, unconfirmed</td>',
}
FREE_CELL = (
    '<td class="schedule-free"><a href="{}?{}">Free<span class="visually-hidden">: book {}'
    "</span></a></td>"
)


@dataclass
class CellRun:
    """Consecutive cells of a row without an appointment, as HTML."""

    html: SafeString
    kind: str = "run"


def _prepare_grid(grid):
    """Each row's ``parts``: its appointment cells, and CellRun for the cells between them; and
    each appointment's ``url`` (one reverse() for the whole grid)."""
    book_url = reverse("patients:book")
    placeholder = str(uuid.UUID(int=0))
    head, tail = reverse("patients:appointment", args=[placeholder]).split(placeholder)
    for row in grid.rows:
        parts, run = [], []
        for cell in row.cells:
            if cell.kind == "appointments":
                if run:
                    parts.append(CellRun(mark_safe("".join(run))))  # noqa: S308 (escaped)
                    run = []
                parts.append(cell)
                for appointment in cell.appointments:
                    appointment.url = f"{head}{appointment.uuid}{tail}"
            elif cell.kind == "free":
                run.append(format_html(FREE_CELL, book_url, cell.query, cell.label))
            else:
                run.append(PLAIN_CELLS[cell.kind])
        if run:
            parts.append(CellRun(mark_safe("".join(run))))  # noqa: S308 (escaped)
        row.parts = parts
    for appointment in grid.inactive:
        appointment.url = f"{head}{appointment.uuid}{tail}"
    return grid


@staff_required
def schedule_day(request):
    day, form = _chosen_day(request)
    one_day = datetime.timedelta(days=1)
    return render(
        request,
        "patients/schedule_day.html",
        {
            "grid": _prepare_grid(selectors.schedule_day(day=day)),
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
            "grid": _prepare_grid(selectors.schedule_week(practitioner=practitioner, day=day)),
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
    "held_online": "start",  # issue 13
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
        # Issue 10: not over the patient's other appointments (this one aside: it moves).
        free = selectors.free_times(
            type=appointment.type,
            practitioners=[criteria["practitioner"]],
            day=criteria["day"],
            patient=appointment.patient,
            ignore=appointment,
        )
    return render(
        request,
        "patients/appointment_reschedule.html",
        {
            "appointment": appointment,
            "form": form,
            "criteria": criteria,
            "free_times": free,
            "free_parts": selectors.day_parts(free) if free else [],  # issue 10: the time grid
            "selected": _plain(request.POST.get("start", "")),
        },
    )
