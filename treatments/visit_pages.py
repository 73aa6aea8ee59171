"""What every page of a visit shares: the scoped lookup, who may write, the step bar, the
draft-save answers, and the decorator of the pages that only write."""

from functools import wraps

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from revere import roles
from revere.access import physio_required
from treatments import services
from treatments.models import Screening, ScreeningFinding, Visit, VisitStep

STEP_URLS = {
    VisitStep.ASSESSMENT: "visits:assessment",
    VisitStep.SCREENING: "visits:screening",
    VisitStep.TREATMENT: "visits:treatment",
    VisitStep.HANDOUT: "visits:handout",
    VisitStep.REVIEW: "visits:review",
}


def visit_for(request, visit_uuid, *, related=()) -> Visit:
    """The visit with what every step shows; ``related`` names more one-to-one rows to load in
    the same query (the review page's session, program, precaution's author)."""
    queryset = Visit.objects.visible_to(request.user).select_related(
        "patient", "practitioner", "assessment__condition", "screening", "signed_by", *related
    )
    return get_object_or_404(queryset, uuid=visit_uuid)


def one_to_one(visit, name):
    """The visit's reverse one-to-one row loaded by select_related (``visit_for(related=...)``),
    or None if it has none."""
    try:
        return getattr(visit, name)
    except ObjectDoesNotExist:
        return None


def can_edit(request, visit) -> bool:
    return not visit.is_signed and roles.is_physio(request.user)


def refuse_write(request, visit):
    """A POST the user may not make: the manager has no write access at all (404); a signed
    visit says why and shows the record."""
    if not roles.is_physio(request.user):
        raise Http404("No such page.")
    messages.error(request, services.TRIGGER_MESSAGES["RV001"])
    return redirect("visits:review", visit_uuid=visit.uuid)


def findings_prefetch() -> Prefetch:
    """A screening's findings with what the pages print of them (a new Prefetch each time: the
    prefetch machinery may annotate the one it is given)."""
    return Prefetch(
        "findings", queryset=ScreeningFinding.objects.select_related("contraindication", "region")
    )


def screening_with_findings(visit):
    return Screening.objects.filter(visit=visit).prefetch_related(findings_prefetch()).first()


def step_context(request, visit, step, **extra):
    return {
        "visit": visit,
        "patient": visit.patient,
        "step": step,
        "steps": [
            (value, label, reverse(STEP_URLS[value], args=[visit.uuid]))
            for value, label in VisitStep.choices
        ],
        "step_index": list(VisitStep.values).index(step),
        "editable": can_edit(request, visit),
        **extra,
    }


def is_autosave(request) -> bool:
    return request.headers.get("X-Autosave") == "1"


def render_step(request, template, context):
    """The step page again, with the form's errors. An autosave only needs to know it failed."""
    if is_autosave(request):
        return HttpResponse(status=422)
    return render(request, template, context)


def next_step_redirect(request, visit, step, next_step):
    if is_autosave(request):
        return HttpResponse(status=204)
    if request.POST.get("action") == "continue":
        return redirect(STEP_URLS[next_step], visit_uuid=visit.uuid)
    messages.success(request, "Draft saved.")
    return redirect(STEP_URLS[step], visit_uuid=visit.uuid)


def draft_visit_write(view):
    """For the POST-only views that change a draft visit: physiotherapists only, the visit looked
    up in the user's scope, and a signed visit refused with the reason. The view gets the visit
    instead of its uuid."""

    @physio_required
    @require_POST
    @wraps(view)
    def wrapped(request, visit_uuid, *args, **kwargs):
        visit = visit_for(request, visit_uuid)
        if not can_edit(request, visit):
            return refuse_write(request, visit)
        return view(request, visit, *args, **kwargs)

    return wrapped
