"""Issue 13: the intake form's pages.

- ``intake_form``: the link in the booking confirmation email (``revere.intake_links``), open to
  anyone who has it. Any link that does not open a form (forged, expired, for an archived record
  or for none) gets the same page, status 404, which says only to call the clinic: the page never
  tells whether a record exists. The form shows the patient's first name and nothing else of the
  record, so a forwarded link shows nothing more.
- ``portal_intake``: the same form for a signed-in patient, at /portal/intake/.
- ``intake_detail``: the submitted form, read-only, for physiotherapists and the manager
  (access-logged); everyone else gets a 404.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from audit.services import access_log
from patients.models import Patient
from revere.access import clinical_reader_required, patient_required
from revere.intake_links import read_intake_token
from treatments.intake_forms import PatientIntakeForm
from treatments.models import ConsentExplanation, IntakeForm, IntakeSource
from treatments.services import intake as intake_services


def _invalid_link(request):
    return render(request, "treatments/intake_invalid.html", status=404)


@require_http_methods(["GET", "POST"])
def intake_form(request, token):
    patient_uuid = read_intake_token(token)
    patient = Patient.objects.active().filter(uuid=patient_uuid).first() if patient_uuid else None
    if patient is None:
        return _invalid_link(request)
    return _intake_page(request, patient, source=IntakeSource.EMAIL_LINK, by=None)


@patient_required
@require_http_methods(["GET", "POST"])
def portal_intake(request):
    patient = Patient.objects.visible_to(request.user).first()
    if patient is None:
        return _invalid_link(request)
    return _intake_page(request, patient, source=IntakeSource.PORTAL, by=request.user)


def _intake_page(request, patient, *, source, by):
    portal = source == IntakeSource.PORTAL
    received = intake_services.submitted_intake(patient)
    if received is not None:
        return _received(request, patient, received, portal=portal)
    explanation = ConsentExplanation.current().text.strip()
    form = PatientIntakeForm(
        request.POST if request.method == "POST" else None,
        questions=intake_services.intake_questions(),
        explanation=explanation,
    )
    if form.is_bound and form.is_valid():
        try:
            intake_services.intake_submit(
                patient=patient,
                source=source,
                contact=form.contact(),
                history=form.history(),
                answers=form.answers(),
                consents_to_iastr=form.consents(),
                consent_text=explanation,
                by=by,
            )
        except intake_services.IntakeAlreadySubmitted:
            received = intake_services.submitted_intake(patient)
            return _received(request, patient, received, portal=portal)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Thank you: your intake form is sent to the clinic.")
            if portal:
                return redirect("portal:intake")
            return redirect(request.path)
    return render(
        request,
        "treatments/intake_form.html",
        {
            "first_name": patient.first_name,
            "form": form,
            "explanation": explanation,
            "portal": portal,
        },
    )


def _received(request, patient, intake, portal):
    return render(
        request,
        "treatments/intake_received.html",
        {"first_name": patient.first_name, "intake": intake, "portal": portal},
    )


@clinical_reader_required
@require_safe
def intake_detail(request, intake_uuid):
    visible = Patient.objects.visible_to(request.user)
    intake = get_object_or_404(
        IntakeForm.objects.submitted()
        .filter(Q(patient__in=visible) | Q(patient__merged_into__in=visible))
        .select_related("patient"),
        uuid=intake_uuid,
    )
    access_log(request=request, obj=intake, patient=intake.patient)
    patient = intake.patient
    return render(
        request,
        "treatments/intake_detail.html",
        {
            "intake": intake,
            "patient": patient,
            "answers": intake.answers.select_related("contraindication").order_by(
                "contraindication__position", "contraindication__code"
            ),
            "differences": intake_services.contact_differences(intake, patient),
        },
    )
