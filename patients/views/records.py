"""Patient records: list and search, register, view, edit, archive and restore."""

from django.conf import settings
from django.contrib import messages
from django.db.models import Count, OuterRef, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from audit.services import access_log
from patients import selectors, services
from patients.forms import (
    PatientForm,
    PatientMergeForm,
    PatientSearchForm,
)
from patients.models import AppointmentStatus, Patient
from patients.services import online_booking
from patients.views.schedule import _safe_next
from revere import roles
from revere.access import manager_required, staff_required
from revere.pagination import BoundedPaginator
from revere.panels import patient_panels


def _patient_for(request, patient_uuid):
    """A patient the signed-in staff member may open; anything else is a 404."""
    return get_object_or_404(Patient.objects.visible_to(request.user), uuid=patient_uuid)


# The list and the search count and page through at most this many patients; past it the page
# asks for a narrower search (issue 11: no count(*) of 100,000 rows on every page).
PATIENT_LIST_LIMIT = 500


@staff_required
def patient_list(request):
    form = PatientSearchForm(request.GET or None)
    query = ""
    patients = Patient.objects.visible_to(request.user)
    if form.is_valid():
        query = form.cleaned_data["q"]
        patients = patients.search(query)
    paginator = BoundedPaginator(patients, settings.PATIENTS_PER_PAGE, limit=PATIENT_LIST_LIMIT)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "patients/patient_list.html",
        {
            "form": form,
            "query": query,
            "page": page,
            "patients": page.object_list,
            "list_limit": PATIENT_LIST_LIMIT,
        },
    )


@staff_required
def patient_create(request):
    form = PatientForm(request.POST or None)
    duplicates = []
    if request.method == "POST" and form.is_valid():
        duplicates = _possible_duplicates(form)
        if not duplicates:
            data = _form_data(form)
            consent = data.pop("consent_iastr")
            patient = services.patient_create(by=request.user, consent_iastr=consent, **data)
            messages.success(request, f"{patient.full_name} is registered.")
            return redirect("patients:detail", patient_uuid=patient.uuid)
    return render(
        request, "patients/patient_form.html", _form_context(request, form, None, duplicates)
    )


def _possible_duplicates(form, exclude=None):
    """The records this valid form may duplicate, unless "save anyway" was ticked."""
    if form.cleaned_data.get("register_anyway"):
        return []
    data = form.cleaned_data
    return selectors.possible_duplicates(
        first_name=data["first_name"],
        last_name=data["last_name"],
        date_of_birth=data["date_of_birth"],
        phone=data["phone"],
        email=data["email"],
        exclude=exclude,
    )


def _form_data(form):
    data = dict(form.cleaned_data)
    data.pop("register_anyway", None)
    return data


def _form_context(request, form, patient, duplicates):
    return {
        "form": form,
        "patient": patient,
        "duplicates": duplicates,
        # Who the matches are (name, date of birth): for staff who may open patient records.
        "show_duplicate_identity": roles.is_clinic_staff(request.user),
    }


@staff_required
def patient_detail(request, patient_uuid):
    patient = (
        Patient.objects.visible_to(request.user)
        # "user": the portal panel asks whether the login has a password.
        .select_related("consent_iastr_recorded_by", "created_by", "portal_invited_by", "user")
        .annotate(
            no_show_count=Count(
                "appointments", filter=Q(appointments__status=AppointmentStatus.NO_SHOW)
            ),
            # Issue 13: a record booked online that may duplicate another (same statement).
            online_duplicate_flags=selectors.duplicate_flags_of(OuterRef("pk")),
        )
        .filter(uuid=patient_uuid)
        .first()
    )
    if patient is None:
        merged = _merged_record(request, patient_uuid)
        if merged is None:
            raise Http404("No such patient.")
        return render(request, "patients/patient_merged.html", {"patient": merged})
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
            "can_merge": roles.is_manager(request.user),
        },
    )


def _merged_record(request, patient_uuid):
    """A record merged into an active one, for clinic staff: its page says where it went (no
    details of its own). Only asked when no active record has the uuid."""
    if not roles.is_clinic_staff(request.user):
        return None
    return (
        Patient.objects.filter(
            uuid=patient_uuid, merged_into__isnull=False, merged_into__archived_at=None
        )
        .select_related("merged_into")
        .first()
    )


@staff_required
def patient_edit(request, patient_uuid):
    patient = _patient_for(request, patient_uuid)
    form = PatientForm(request.POST or None, instance=patient)
    duplicates = []
    if request.method == "POST" and form.is_valid():
        duplicates = _possible_duplicates(form, exclude=patient)
        if not duplicates:
            data = _form_data(form)
            consent = data.pop("consent_iastr")
            services.patient_update(patient=patient, by=request.user, consent_iastr=consent, **data)
            messages.success(request, "Changes saved.")
            return redirect("patients:detail", patient_uuid=patient.uuid)
    if request.method != "POST":
        access_log(request=request, obj=patient, patient=patient)
    return render(
        request, "patients/patient_form.html", _form_context(request, form, patient, duplicates)
    )


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
    # A bounded count (issue 11): archived records only grow.
    paginator = BoundedPaginator(
        Patient.objects.archived().select_related("archived_by").order_by("-archived_at", "pk"),
        settings.PATIENTS_PER_PAGE,
        limit=PATIENT_LIST_LIMIT,
    )
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "patients/patient_archived_list.html",
        {"page": page, "patients": page.object_list, "list_limit": PATIENT_LIST_LIMIT},
    )


@manager_required
@require_POST
def patient_restore(request, patient_uuid):
    # A merged record is not restored: its rows moved to the record it was merged into.
    patient = get_object_or_404(
        Patient.objects.archived().filter(merged_into__isnull=True), uuid=patient_uuid
    )
    services.patient_restore(patient=patient, by=request.user)
    messages.success(request, f"{patient.full_name} is restored to the patient list.")
    return redirect("patients:detail", patient_uuid=patient.uuid)


@manager_required
def patient_merge(request, patient_uuid):
    """The manager merges this record (the duplicate) into the record to keep: choose it, read
    what moves and what conflicts, confirm."""
    duplicate = _patient_for(request, patient_uuid)
    form = PatientMergeForm(request.POST or request.GET or None)
    plan = None
    if form.is_bound and form.is_valid():
        keep = Patient.objects.active().filter(uuid=form.cleaned_data["keep"]).first()
        if keep is None:
            form.add_error("keep", "No active record has that number.")
        else:
            plan = services.patient_merge_plan(keep=keep, duplicate=duplicate)
            if request.method == "POST" and plan.can_merge:
                try:
                    services.patient_merge(keep=keep, duplicate=duplicate, by=request.user)
                except services.MergeRefused as refused:
                    plan.conflicts = refused.messages
                else:
                    messages.success(
                        request,
                        "The records are merged: the duplicate is archived and linked here.",
                    )
                    return redirect("patients:detail", patient_uuid=keep.uuid)
    suggestions = []
    if plan is None:
        suggestions = selectors.possible_duplicates(
            first_name=duplicate.first_name,
            last_name=duplicate.last_name,
            date_of_birth=duplicate.date_of_birth,
            phone=duplicate.phone,
            email=duplicate.email,
            exclude=duplicate,
        )
    return render(
        request,
        "patients/patient_merge.html",
        {"duplicate": duplicate, "form": form, "plan": plan, "suggestions": suggestions},
    )


@staff_required
@require_POST
def duplicates_checked(request, patient_uuid):
    """Issue 13: the front desk checked a record booked online against its possible duplicates
    (different people): the warning goes; both records stay as they are."""
    patient = _patient_for(request, patient_uuid)
    online_booking.duplicate_flags_clear(patient=patient, by=request.user)
    messages.success(request, "Marked as checked: the possible duplicate warning is gone.")
    return redirect(_safe_next(request) or reverse("patients:detail", args=[patient.uuid]))
