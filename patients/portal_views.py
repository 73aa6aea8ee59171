"""The patient portal's appointment pages: a patient's own upcoming appointments, and cancelling
one online up to PORTAL_CANCEL_HOURS before it starts. Anything not their own is a 404."""

import datetime

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone

from patients import selectors, services
from patients.forms import PortalCancelForm
from patients.models import Appointment, AppointmentStatus, Patient
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
    return render(
        request,
        "portal/appointment_list.html",
        {
            "patient": patient,
            "appointments": appointments,
            "cancel_hours": settings.PORTAL_CANCEL_HOURS,
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
