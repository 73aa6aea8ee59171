"""The visit, step by step. Physiotherapists write; the manager reads; everyone else gets a 404.

Each view: scoped lookup, form, service, redirect (PRG). A refused change re-renders the page with
the message on the form and everything typed kept.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from audit.services import access_log
from patients.models import Patient
from revere import roles
from revere.access import clinical_reader_required, manager_required, physio_required
from treatments import services
from treatments.body_chart import visit_sites
from treatments.forms import (
    AdhesionSiteFormSet,
    ApplicationForm,
    AssessmentForm,
    FollowUpAssessmentForm,
    OtherSiteFormSet,
    ScreeningForm,
    SessionForm,
    VisitReassignForm,
    adhesion_sites,
    other_site_findings,
    other_sites_initial,
)
from treatments.models import (
    Application,
    ScreeningResult,
    VisitStep,
)
from treatments.services import intake as intake_services
from treatments.services.combined import prefetched
from treatments.visit_pages import (
    STEP_URLS,
    can_edit,
    draft_visit_write,
    is_autosave,
    next_step_redirect,
    refuse_write,
    render_step,
    screening_with_findings,
    step_context,
    visit_for,
)
from treatments.visit_pages import one_to_one as _one_to_one


@physio_required
@require_POST
def visit_start(request, patient_uuid):
    patient = get_object_or_404(Patient.objects.visible_to(request.user), uuid=patient_uuid)
    practitioner = getattr(request.user, "practitioner", None)
    if practitioner is None or not practitioner.active:
        messages.error(
            request,
            "Your account has no active practitioner profile: ask the clinic manager to add it "
            "before you record visits.",
        )
        return redirect("patients:detail", patient_uuid=patient.uuid)
    visit = services.visit_start(patient=patient, practitioner=practitioner)
    return redirect(STEP_URLS[visit.current_step], visit_uuid=visit.uuid)


@clinical_reader_required
def visit_resume(request, visit_uuid):
    visit = visit_for(request, visit_uuid)
    step = VisitStep.REVIEW if visit.is_signed else visit.current_step
    return redirect(STEP_URLS[step], visit_uuid=visit.uuid)


@clinical_reader_required
def assessment_step(request, visit_uuid):
    visit = visit_for(request, visit_uuid)
    assessment = visit.assessment
    editable = can_edit(request, visit)
    if request.method == "POST" and not editable:
        return refuse_write(request, visit)
    if request.method != "POST":
        access_log(request=request, obj=visit, patient=visit.patient)
    # This visit's scores and sites, the form's catalogues and the follow-up's earlier scores:
    # one statement (issue 11).
    reads = services.assessment_reads(visit)
    scored = reads.scored
    data = request.POST if request.method == "POST" else None
    # A follow-up visit gets the short re-assessment; "the full assessment" (?full=1, and the
    # full form's posts, which carry the complaint) edits the history copied from the last visit.
    full = request.GET.get("full") == "1" or (data is not None and "complaint" in data)
    follow_up = not full and reads.follow_up
    if follow_up:
        form = FollowUpAssessmentForm(
            data,
            instance=assessment,
            scored=scored,
            also_measures=reads.earlier_codes,
            read_only=not editable,
            reads=reads,
        )
    else:
        form = AssessmentForm(
            data, instance=assessment, scored=scored, read_only=not editable, reads=reads
        )
    formset = AdhesionSiteFormSet(
        data,
        initial=reads.sites,
        prefix="sites",
        form_kwargs={"read_only": not editable, "regions": reads.regions},
    )
    if data is not None and form.is_valid() and formset.is_valid():
        advancing = request.POST.get("action") == "continue"
        try:
            complaint = form.cleaned_data.get("complaint", assessment.complaint)
            if advancing and not (complaint.strip() or form.cleaned_data["condition"]):
                raise ValidationError("Record the condition or the chief complaint to go on.")
            services.assessment_save(
                visit=visit,
                fields=form.assessment_fields(),
                sites=adhesion_sites(formset),
                scores=form.scores(),
                advance=advancing,
                known=reads,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return next_step_redirect(request, visit, VisitStep.ASSESSMENT, VisitStep.SCREENING)
    if follow_up:
        return render_step(
            request,
            "treatments/visit_reassessment.html",
            step_context(
                request,
                visit,
                VisitStep.ASSESSMENT,
                form=form,
                formset=formset,
                progress=services.score_progress(visit, scored, earlier=reads.earlier),
                regions=reads.regions,
            ),
        )
    return render_step(
        request,
        "treatments/visit_assessment.html",
        step_context(
            request,
            visit,
            VisitStep.ASSESSMENT,
            form=form,
            formset=formset,
            regions=reads.regions,
        ),
    )


@clinical_reader_required
def screening_step(request, visit_uuid):
    visit = visit_for(request, visit_uuid)
    editable = can_edit(request, visit)
    if request.method == "POST" and not editable:
        return refuse_write(request, visit)
    if request.method != "POST":
        access_log(request=request, obj=visit, patient=visit.patient)
    screening = screening_with_findings(visit)
    data = request.POST if request.method == "POST" else None
    # Issue 13: the catalogue with the patient's intake answers folded in (the same one query).
    items = intake_services.screening_items(visit.patient)
    form = ScreeningForm(
        data, screening=screening, patient=visit.patient, items=items, read_only=not editable
    )
    # The "other sites" rows are optional: a post without them (an older page) has none.
    other_sites = OtherSiteFormSet(
        data if data is not None and "sites-TOTAL_FORMS" in data else None,
        initial=other_sites_initial(screening),
        prefix="sites",
        form_kwargs={"read_only": not editable, "choices": dict(form.shared_choices)},
    )
    other_ok = not other_sites.is_bound or other_sites.is_valid()
    if data is not None and form.is_valid() and other_ok:
        advancing = request.POST.get("action") == "continue"
        try:
            if advancing and not form.cleaned_data["all_asked"]:
                raise ValidationError(
                    "Confirm that you asked the patient about every item before going on."
                )
            extra = other_site_findings(other_sites) if other_sites.is_bound else []
            ticked = {f.contraindication.pk for f in form.findings()}
            if any(f.contraindication.pk not in ticked for f in extra):
                raise ValidationError(
                    "An other site names a contraindication that is not ticked above: tick it "
                    "and give its first site there."
                )
            if form.consent_given():
                # Consent is a fact about the patient, kept even if the screening below is
                # refused (the box is then gone and the header says consent is given).
                services.iastr_consent_record(visit=visit, by=request.user)
            screening = services.screening_save(
                visit=visit,
                findings=form.findings() + extra,
                systolic=form.cleaned_data["systolic"],
                diastolic=form.cleaned_data["diastolic"],
                precaution=form.cleaned_data["precaution"],
                acknowledge=form.cleaned_data["acknowledge"],
                complete=advancing or bool(screening and screening.is_complete),
                by=request.user,
                bp_not_measured_reason=form.not_measured_reason(),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            if (
                advancing
                and screening.result == ScreeningResult.PRECAUTIONS
                and not (screening.precaution_acknowledged)
            ):
                messages.warning(
                    request,
                    "Screening saved. Write and acknowledge the precaution before treating.",
                )
                return redirect("visits:screening", visit_uuid=visit.uuid)
            return next_step_redirect(request, visit, VisitStep.SCREENING, VisitStep.TREATMENT)
    return render_step(
        request,
        "treatments/visit_screening.html",
        step_context(
            request,
            visit,
            VisitStep.SCREENING,
            form=form,
            other_sites=other_sites,
            screening=screening,
            intake=intake_services.intake_summary(form.items),
        ),
    )


def _treatment_page(request, visit, *, session_form=None, application_form=None, chart=None):
    """The treatment step in a fixed number of queries: the visit comes with its screening and
    session (``visit_for(related=TREATMENT_RELATED)``); the screening's findings, the
    applications, the region catalogue (the body chart's and the form's), the active instruments
    and the strokes are one statement (``chart``, read by the POST views that have it)."""
    if chart is None:
        chart = visit_sites(visit, catalogues=True)
    screening = _one_to_one(visit, "screening")
    if screening is not None:
        prefetched(screening, "findings", chart.findings)
    session = _one_to_one(visit, "session")
    editable = can_edit(request, visit)
    applications = chart.applications
    refused_sites = [
        f for f in chart.findings if f.contraindication.is_absolute and f.contraindication.is_local
    ]
    # Refusals that hold for the whole visit; region-specific ones are checked per application.
    blocked_reason = services.consent_refusal(visit.patient) or services.application_refusal(
        screening, None, ""
    )
    return render(
        request,
        "treatments/visit_treatment.html",
        step_context(
            request,
            visit,
            VisitStep.TREATMENT,
            screening=screening,
            session_form=session_form or SessionForm(instance=session, read_only=not editable),
            # A new application starts from the previous one's instrument and technique.
            application_form=application_form
            or ApplicationForm(
                initial=services.application_initial(applications), catalogues=chart
            ),
            applications=applications,
            regions=chart.regions,
            dose=services.iastr_dose(visit),
            refused_sites=refused_sites,
            can_apply=editable and blocked_reason is None,
            blocked_reason=blocked_reason,
        ),
    )


# The rows the treatment step shows one of, loaded with the visit (one query).
TREATMENT_RELATED = ("session",)


@clinical_reader_required
def treatment_step(request, visit_uuid):
    visit = visit_for(request, visit_uuid, related=TREATMENT_RELATED)
    if request.method == "POST":
        if not can_edit(request, visit):
            return refuse_write(request, visit)
        form = SessionForm(request.POST, instance=_one_to_one(visit, "session"))
        if form.is_valid():
            try:
                services.session_save(
                    visit=visit,
                    fields=form.cleaned_data,
                    advance=request.POST.get("action") == "continue",
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                return next_step_redirect(request, visit, VisitStep.TREATMENT, VisitStep.HANDOUT)
        if is_autosave(request):
            return HttpResponse(status=422)
        return _treatment_page(request, visit, session_form=form)
    access_log(request=request, obj=visit, patient=visit.patient)
    return _treatment_page(request, visit)


@draft_visit_write
def application_add(request, visit):
    # The form's catalogues and the page's rows in one statement: the form checks its choices
    # without a query, and a refused application re-renders the page from the same read.
    chart = visit_sites(visit, catalogues=True)
    form = ApplicationForm(request.POST, catalogues=chart)
    if form.is_valid():
        try:
            services.application_add(visit=visit, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Application recorded.")
            return redirect("visits:treatment", visit_uuid=visit.uuid)
    return _treatment_page(request, visit, application_form=form, chart=chart)


@draft_visit_write
def application_repeat(request, visit, application_id):
    """ "Repeat on the other side": the same application on the opposite side of the region."""
    application = get_object_or_404(
        Application.objects.select_related("region", "instrument", "stroke"),
        session__visit=visit,
        pk=application_id,
    )
    try:
        repeated = services.application_repeat_other_side(visit=visit, application=application)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            f"Application repeated on {repeated.region.label} "
            f"({repeated.get_side_display().lower()}).",
        )
    return redirect("visits:treatment", visit_uuid=visit.uuid)


@draft_visit_write
def application_remove(request, visit, application_id):
    application = get_object_or_404(Application, session__visit=visit, pk=application_id)
    try:
        services.application_remove(visit=visit, application=application)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Application removed.")
    return redirect("visits:treatment", visit_uuid=visit.uuid)


# The rows the review shows one of, loaded with the visit (one query).
REVIEW_RELATED = ("screening__precaution_acknowledged_by", "session", "program")


@clinical_reader_required
def review_step(request, visit_uuid):
    visit = visit_for(request, visit_uuid, related=REVIEW_RELATED)
    access_log(request=request, obj=visit, patient=visit.patient)
    return render(request, "treatments/visit_review.html", _reviewstep_context(request, visit))


def _reviewstep_context(request, visit, **extra):
    """What the review shows, a fixed number of queries whatever the visit holds: the screening's
    findings, the applications, the sites, the scores, the program's exercises (and the addenda
    once signed), with the one-to-one rows from ``visit_for(related=REVIEW_RELATED)``."""
    # The findings, applications, sites and the body chart's region catalogue: one statement.
    chart = visit_sites(visit)
    screening = _one_to_one(visit, "screening")
    if screening is not None:
        prefetched(screening, "findings", chart.findings)
    program = _one_to_one(visit, "program")
    return step_context(
        request,
        visit,
        VisitStep.REVIEW,
        assessment=visit.assessment,
        sites=chart.sites,
        regions=chart.regions,
        scores=visit.scores.select_related("measure"),
        screening=screening,
        session=_one_to_one(visit, "session"),
        applications=chart.applications,
        addenda=visit.addenda.select_related("author"),
        program=program,
        program_items=program.items.select_related("exercise") if program else [],
        can_add_addendum=visit.is_signed and roles.is_physio(request.user),
        sign_refusal=None if visit.is_signed else services.sign_refusal(visit, request.user),
        can_reassign=not visit.is_signed and roles.is_manager(request.user),
        **extra,
    )


@physio_required
@require_POST
def visit_sign(request, visit_uuid):
    visit = visit_for(request, visit_uuid)
    try:
        services.visit_sign(visit=visit, by=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("visits:review", visit_uuid=visit.uuid)
    messages.success(request, "Visit signed. The record is now read-only; corrections are addenda.")
    return redirect("visits:review", visit_uuid=visit.uuid)


@physio_required
@require_POST
def addendum_add(request, visit_uuid):
    visit = visit_for(request, visit_uuid, related=REVIEW_RELATED)
    try:
        services.addendum_add(visit=visit, text=request.POST.get("text", ""), by=request.user)
    except ValidationError as exc:
        return render(
            request,
            "treatments/visit_review.html",
            _reviewstep_context(
                request,
                visit,
                addendum_error=" ".join(exc.messages),
                addendum_text=request.POST.get("text", ""),
            ),
        )
    messages.success(request, "Addendum added.")
    return redirect("visits:review", visit_uuid=visit.uuid)


@manager_required
def visit_reassign(request, visit_uuid):
    """The manager gives a draft visit to another practitioner (who will sign it)."""
    visit = visit_for(request, visit_uuid)
    if visit.is_signed:
        messages.error(request, services.TRIGGER_MESSAGES["RV001"])
        return redirect("visits:review", visit_uuid=visit.uuid)
    if request.method != "POST":
        access_log(request=request, obj=visit, patient=visit.patient)
    form = VisitReassignForm(request.POST if request.method == "POST" else None, visit=visit)
    if form.is_bound and form.is_valid():
        try:
            services.visit_reassign(
                visit=visit, practitioner=form.cleaned_data["practitioner"], by=request.user
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Visit reassigned to {visit.practitioner}.")
            return redirect("visits:review", visit_uuid=visit.uuid)
    return render(
        request,
        "treatments/visit_reassign.html",
        step_context(request, visit, VisitStep.REVIEW, form=form),
    )
