"""A physiotherapist's home page: their own day, each appointment with its visit."""

import datetime

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from patients.models import Appointment
from patients.selectors import practitioner_day
from revere.access import physio_required
from treatments import services
from treatments.models import Visit


def _day_from(request) -> datetime.date:
    try:
        return datetime.date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        return timezone.localdate()


@physio_required
def my_day(request):
    day = _day_from(request)
    practitioner = getattr(request.user, "practitioner", None)
    appointments = practitioner_day(practitioner=practitioner, day=day) if practitioner else []
    visits = {
        v.appointment_id: v
        for v in Visit.objects.filter(appointment__in=[a.pk for a in appointments])
    }
    rows = [(appointment, visits.get(appointment.pk)) for appointment in appointments]
    return render(
        request,
        "treatments/my_day.html",
        {
            "day": day,
            "previous_day": day - datetime.timedelta(days=1),
            "next_day": day + datetime.timedelta(days=1),
            "is_today": day == timezone.localdate(),
            "rows": rows,
            "practitioner": practitioner,
        },
    )


@physio_required
@require_POST
def start_from_appointment(request, appointment_uuid):
    """Start (or resume) the visit of one of the physiotherapist's own appointments."""
    practitioner = getattr(request.user, "practitioner", None)
    appointment = get_object_or_404(
        Appointment.objects.select_related("patient").filter(
            practitioner=practitioner, patient__archived_at__isnull=True
        ),
        uuid=appointment_uuid,
    )
    if not appointment.is_active:
        messages.error(request, "This appointment is cancelled or a no-show: no visit to start.")
        return redirect("visits:day")
    visit = services.visit_start(
        patient=appointment.patient, practitioner=practitioner, appointment=appointment
    )
    return redirect("visits:resume", visit_uuid=visit.uuid)
