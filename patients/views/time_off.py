"""Issue 10: the manager's time off pages. Time off over booked appointments lists them and asks
what happens to each before anything is saved (the rule lives in patients/services/time_off.py)."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import dateformat, timezone

from patients import services
from patients.forms import TimeOffClashForm, TimeOffForm
from patients.models import TimeOff
from patients.services.notifications import NO_ADDRESS, PENDING, SENT
from revere import inputs
from revere.access import manager_required

TIME_OFF_ERROR_FIELDS = {"order": "ends_at", "too_long": "ends_at"}


@manager_required
def time_off_list(request):
    paginator = Paginator(services.time_off_upcoming(), settings.PATIENTS_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request, "patients/time_off_list.html", {"page": page, "time_off": page.object_list}
    )


@manager_required
def time_off_create(request):
    initial = {}
    practitioner_id = inputs.pk(request.GET.get("practitioner", ""))
    if practitioner_id is not None:
        initial["practitioner"] = practitioner_id
    return _time_off_page(request, None, initial)


@manager_required
def time_off_edit(request, time_off_id):
    time_off = get_object_or_404(TimeOff.objects.select_related("practitioner"), pk=time_off_id)
    initial = {
        "practitioner": time_off.practitioner_id,
        "starts_at": timezone.localtime(time_off.starts_at),
        "ends_at": timezone.localtime(time_off.ends_at),
        "reason": time_off.reason,
    }
    return _time_off_page(request, time_off, initial)


def _time_off_page(request, time_off, initial):
    clash_message = ""
    decisions = None
    if request.method == "POST":
        form = TimeOffForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            clashes = services.time_off_clashes(
                practitioner=data["practitioner"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
            )
            # The choices count only when the page showed the list ("seen" comes with it).
            confirming = "seen" in request.POST
            decisions = TimeOffClashForm(request.POST if confirming else None, clashes=clashes)
            if not confirming or decisions.is_valid():
                try:
                    saved = services.time_off_save(
                        practitioner=data["practitioner"],
                        starts_at=data["starts_at"],
                        ends_at=data["ends_at"],
                        reason=data["reason"],
                        by=request.user,
                        time_off=time_off,
                        seen=decisions.seen if confirming else (),
                        cancel=decisions.cancel if confirming else (),
                        cancel_reason=decisions.cleaned_data["cancel_reason"] if confirming else "",
                    )
                except services.TimeOffClashes as exc:
                    clash_message = exc.message
                    decisions = TimeOffClashForm(
                        clashes=exc.clashes,
                        initial=decisions.choices_made() if confirming else {},
                    )
                except ValidationError as exc:
                    form.add_error(TIME_OFF_ERROR_FIELDS.get(getattr(exc, "code", None)), exc)
                else:
                    return _saved(request, saved, moving=decisions.move if confirming else [])
    else:
        form = TimeOffForm(initial=initial)
        if time_off is not None:
            # The saved time off's own clashes, listed at once: saving confirms them.
            clashes = services.time_off_clashes(
                practitioner=time_off.practitioner,
                starts_at=time_off.starts_at,
                ends_at=time_off.ends_at,
            )
            if clashes:
                decisions = TimeOffClashForm(clashes=clashes)
                count = len(clashes)
                clash_message = (
                    f"{count} appointment{'s are' if count != 1 else ' is'} booked during this "
                    "time off. Move or cancel each one, or keep it."
                )
    return render(
        request,
        "patients/time_off_form.html",
        {
            "form": form,
            "time_off": time_off,
            "decisions": decisions if decisions is not None and decisions.clashes else None,
            "clash_message": clash_message,
        },
    )


def _when(instant) -> str:
    local = timezone.localtime(instant)
    return f"{dateformat.format(local, 'D j M Y')} {local:%H:%M}"


def _saved(request, saved, *, moving):
    time_off = saved.time_off
    messages.success(
        request,
        f"Time off saved: {time_off.practitioner} is away from {_when(time_off.starts_at)} to "
        f"{_when(time_off.ends_at)}.",
    )
    if saved.cancelled:
        count = len(saved.cancelled)
        messages.success(
            request, f"Cancelled {count} appointment{'s' if count != 1 else ''} during it."
        )
        for state, verb in ((SENT, ("was", "were")), (PENDING, ("will be", "will be"))):
            count = sum(1 for a in saved.cancelled if a.notice.patient == state)
            if count:
                messages.info(
                    request,
                    f"{count} patient{'s' if count != 1 else ''} {verb[count != 1]} emailed the "
                    "cancellation.",
                )
        for appointment in saved.cancelled:
            if appointment.notice.patient not in (SENT, PENDING):
                what = (
                    "no email on file"
                    if appointment.notice.patient == NO_ADDRESS
                    else "the email could not be sent"
                )
                messages.warning(
                    request,
                    f"{appointment.patient.full_name} ({_when(appointment.starts_at)}): {what}, "
                    "tell them by phone.",
                )
    if saved.kept:
        count = len(saved.kept)
        move = f" {len(moving)} to move: use “Move” next to each." if moving else ""
        messages.warning(
            request,
            f"Clash: {count} appointment{'s stay' if count != 1 else ' stays'} booked during the "
            f"time off; the schedule marks {'them' if count != 1 else 'it'} in red.{move}",
        )
        return redirect("patients:time_off_edit", time_off_id=time_off.pk)
    return redirect("patients:time_off_list")
