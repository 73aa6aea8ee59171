"""A physiotherapist's home page: their own day, each appointment with its visit."""

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from patients.models import Appointment
from patients.selectors import practitioner_day
from revere import inputs
from revere.access import physio_required
from treatments import services
from treatments.models import Visit


def _day_from(request) -> datetime.date:
    value = request.GET.get("date", "")
    chosen = inputs.day(value)
    if chosen is None and value:
        messages.warning(request, "That is not a date the calendar can show: here is today.")
    return chosen or timezone.localdate()


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
        Appointment.objects.select_related("patient", "type").filter(
            practitioner=practitioner, patient__archived_at__isnull=True
        ),
        uuid=appointment_uuid,
    )
    try:
        visit = services.visit_start(
            patient=appointment.patient, practitioner=practitioner, appointment=appointment
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        day = timezone.localdate(appointment.starts_at)
        return redirect(f"{reverse('visits:day')}?date={day:%Y-%m-%d}")
    return redirect("visits:resume", visit_uuid=visit.uuid)
