"""Patient records: list and search, register, view, edit, archive and restore."""

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from audit.services import access_log
from patients import selectors, services
from patients.forms import (
    PatientForm,
    PatientSearchForm,
)
from patients.models import AppointmentStatus, Patient
from revere.access import manager_required, staff_required
from revere.panels import patient_panels


def _patient_for(request, patient_uuid):
    """A patient the signed-in staff member may open; anything else is a 404."""
    return get_object_or_404(Patient.objects.visible_to(request.user), uuid=patient_uuid)


@staff_required
def patient_list(request):
    form = PatientSearchForm(request.GET or None)
    query = ""
    patients = Patient.objects.visible_to(request.user)
    if form.is_valid():
        query = form.cleaned_data["q"]
        patients = patients.search(query)
    paginator = Paginator(patients, settings.PATIENTS_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "patients/patient_list.html",
        {"form": form, "query": query, "page": page, "patients": page.object_list},
    )


@staff_required
def patient_create(request):
    form = PatientForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        consent = data.pop("consent_iastr")
        patient = services.patient_create(by=request.user, consent_iastr=consent, **data)
        messages.success(request, f"{patient.full_name} is registered.")
        return redirect("patients:detail", patient_uuid=patient.uuid)
    return render(request, "patients/patient_form.html", {"form": form, "patient": None})


@staff_required
def patient_detail(request, patient_uuid):
    patient = get_object_or_404(
        Patient.objects.visible_to(request.user)
        .select_related("consent_iastr_recorded_by", "created_by", "portal_invited_by")
        .annotate(
            no_show_count=Count(
                "appointments", filter=Q(appointments__status=AppointmentStatus.NO_SHOW)
            )
        ),
        uuid=patient_uuid,
    )
    access_log(request=request, obj=patient, patient=patient)
    upcoming, past = selectors.patient_appointments(patient=patient)
    return render(
        request,
        "patients/patient_detail.html",
        {
            "patient": patient,
            "appointment_lists": [
                ("Upcoming", upcoming, "No upcoming appointments."),
                (
                    f"Past (the latest {selectors.PATIENT_PAGE_APPOINTMENTS})",
                    past,
                    "No past appointments.",
                ),
            ],
            "panels": patient_panels(request, patient),
        },
    )


@staff_required
def patient_edit(request, patient_uuid):
    patient = _patient_for(request, patient_uuid)
    form = PatientForm(request.POST or None, instance=patient)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        consent = data.pop("consent_iastr")
        services.patient_update(patient=patient, by=request.user, consent_iastr=consent, **data)
        messages.success(request, "Changes saved.")
        return redirect("patients:detail", patient_uuid=patient.uuid)
    if request.method != "POST":
        access_log(request=request, obj=patient, patient=patient)
    return render(request, "patients/patient_form.html", {"form": form, "patient": patient})


@staff_required
def patient_archive(request, patient_uuid):
    patient = _patient_for(request, patient_uuid)
    if request.method == "POST":
        booked = selectors.appointments_cancelled_by_archiving(patient=patient).count()
        services.patient_archive(patient=patient, by=request.user)
        cancelled = (
            f" {booked} booked appointment{'s' if booked != 1 else ''} to come "
            f"{'were' if booked != 1 else 'was'} cancelled."
            if booked
            else ""
        )
        messages.success(
            request,
            f"{patient.full_name} is archived: the record is kept and a manager can restore it."
            + cancelled,
        )
        return redirect("patients:list")
    return render(
        request,
        "patients/patient_archive.html",
        {
            "patient": patient,
            "future_appointments": list(
                selectors.appointments_cancelled_by_archiving(patient=patient)
            ),
        },
    )


@manager_required
def archived_list(request):
    paginator = Paginator(
        Patient.objects.archived().select_related("archived_by").order_by("-archived_at", "pk"),
        settings.PATIENTS_PER_PAGE,
    )
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request, "patients/patient_archived_list.html", {"page": page, "patients": page.object_list}
    )


@manager_required
@require_POST
def patient_restore(request, patient_uuid):
    patient = get_object_or_404(Patient.objects.archived(), uuid=patient_uuid)
    services.patient_restore(patient=patient, by=request.user)
    messages.success(request, f"{patient.full_name} is restored to the patient list.")
    return redirect("patients:detail", patient_uuid=patient.uuid)
