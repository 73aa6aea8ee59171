"""Step 4 of the visit (the program builder), the handout (HTML and PDF), and the portal invite."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from audit.services import access_log
from patients.models import Patient
from revere import inputs, roles
from revere.access import role_required, staff_required
from treatments.forms import ClinicExerciseForm, ProgramItemFormSet
from treatments.handout import handout_context, handout_pdf
from treatments.models import (
    MAX_PROGRAM_EXERCISES,
    Exercise,
    HomeProgram,
    ProgramExercise,
    VisitStep,
)
from treatments.services import portal as portal_services
from treatments.services import programs as program_services
from treatments.services.programs import DOSE_FIELDS
from treatments.visit_pages import (
    can_edit,
    draft_visit_write,
    is_autosave,
    one_to_one,
    refuse_write,
    step_context,
    visit_for,
)

LIBRARY_PAGE = 20


_READ = object()


def _program_page(
    request, visit, *, formset=None, exercise_form=None, error=None, query=None, program=_READ
):
    """``program``: the visit's program when the caller loaded it with the visit (the GET);
    after a change it is read again here."""
    if program is _READ:
        program = HomeProgram.objects.filter(visit=visit).first()
    editable = can_edit(request, visit)
    items = _items(program)
    in_program = {item.exercise_id for item in items}
    if query is None:
        query = inputs.search_text(request.GET.get("q", ""))
    library = Exercise.objects.filter(active=True).exclude(pk__in=in_program)
    if query:
        library = library.filter(
            Q(name__icontains=query)
            | Q(instructions__icontains=query)
            | Q(regions__label__icontains=query)
        ).distinct()
    suggestions = [e for e in program_services.suggested_exercises(visit) if e.pk not in in_program]
    return render(
        request,
        "treatments/visit_handout.html",
        step_context(
            request,
            visit,
            VisitStep.HANDOUT,
            program=program,
            formset=formset
            or ProgramItemFormSet(
                queryset=items, prefix="items", form_kwargs={"read_only": not editable}
            ),
            suggestions=suggestions,
            library=library.order_by("name")[:LIBRARY_PAGE],
            query=query,
            exercise_form=exercise_form or ClinicExerciseForm(),
            program_error=error,
        ),
    )


def _items(program):
    if program is None:
        return ProgramExercise.objects.none()
    return ProgramExercise.objects.filter(program=program).select_related("exercise")


# --- Keeping what was typed -----------------------------------------------------------------
# The dose rows, the search box and every Add, move and remove button are one form, so each of
# those buttons posts the doses typed so far. The valid rows are kept as a draft (not activated)
# before the button's own action; an invalid row stays on the page as typed, with its message.


class Typed:
    """The builder's rows as posted: the raw values by item pk, and whether all were valid."""

    def __init__(self, rows=None, valid=True):
        self.rows = rows or {}
        self.valid = valid


def _keep_typed(request, visit) -> Typed:
    if "items-TOTAL_FORMS" not in request.POST:
        return Typed()  # a post from an older page, or from outside the builder
    program = HomeProgram.objects.filter(visit=visit).first()
    items = _items(program)
    formset = ProgramItemFormSet(request.POST, queryset=items, prefix="items")
    known = {item.pk for item in items}
    if not formset.is_valid() and formset.non_form_errors():
        return Typed()  # a crafted management form (thousands of rows): keep nothing from it
    rows, doses, valid = {}, {}, True
    for form in formset.forms:
        pk = form.instance.pk
        if pk not in known:
            continue  # removed in another tab since the page was opened
        rows[pk] = {name: form.data.get(form.add_prefix(name), "") for name in DOSE_FIELDS}
        if form.is_valid():
            doses[pk] = {name: form.cleaned_data[name] for name in DOSE_FIELDS}
        else:
            valid = False
    if doses:
        try:
            program_services.program_draft_save(visit=visit, doses=doses)
        except ValidationError:
            # Signed in another tab meanwhile: the action that follows says so.
            return Typed(rows, False)
    return Typed(rows, valid)


def _rebound_formset(visit, typed: Typed):
    """The program as it is now (after an add, a move or a removal), each row showing what was
    typed for it, so its messages show again and nothing typed is lost."""
    queryset = _items(HomeProgram.objects.filter(visit=visit).first())
    items = list(queryset)
    data = {
        "items-TOTAL_FORMS": str(len(items)),
        "items-INITIAL_FORMS": str(len(items)),
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": str(MAX_PROGRAM_EXERCISES),
    }
    for n, item in enumerate(items):
        data[f"items-{n}-id"] = str(item.pk)
        stored = {name: getattr(item, name) for name in DOSE_FIELDS}
        for name, value in (typed.rows.get(item.pk) or stored).items():
            data[f"items-{n}-{name}"] = "" if value is None else str(value)
    formset = ProgramItemFormSet(data, queryset=queryset, prefix="items")
    formset.is_valid()  # the messages of the rows still invalid
    return formset


def _builder_again(request, visit, typed: Typed, *, exercise_form=None):
    """After a draft action: back to the builder (PRG) with the search words kept; with the rows
    typed on the page instead when one of them needs correcting."""
    query = inputs.search_text(request.POST.get("q", ""))
    if typed.valid and exercise_form is None:
        target = reverse("visits:handout", args=[visit.uuid])
        if query:  # the search words stay in the box, the results in view
            target += "?" + urlencode({"q": query}) + "#library-heading"
        return redirect(target)
    if not typed.valid:
        messages.error(
            request,
            "A dose below needs correcting: it is kept on the page as typed, not saved yet. The "
            "other doses are kept as a draft.",
        )
    formset = _rebound_formset(visit, typed) if typed.rows else None
    return _program_page(request, visit, formset=formset, exercise_form=exercise_form, query=query)


@role_required(roles.can_see_clinical)
def handout_step(request, visit_uuid):
    if request.method != "POST":
        visit = visit_for(request, visit_uuid, related=("program",))
        access_log(request=request, obj=visit, patient=visit.patient)
        return _program_page(request, visit, program=one_to_one(visit, "program"))
    visit = visit_for(request, visit_uuid)
    if not can_edit(request, visit):
        return refuse_write(request, visit)
    if is_autosave(request) or request.POST.get("action") == "search":
        typed = _keep_typed(request, visit)
        if is_autosave(request):
            return HttpResponse(status=204 if typed.valid else 422)
        return _builder_again(request, visit, typed)
    program = HomeProgram.objects.filter(visit=visit).first()
    items = _items(program)
    formset = ProgramItemFormSet(request.POST, queryset=items, prefix="items")
    known = {item.pk for item in items}
    posted = {form.instance.pk for form in formset.forms}
    if posted != known:
        # The page was out of date: an exercise was added or removed in another window (or the
        # form was crafted). Saving it would guess; show the program as it is now instead.
        messages.error(
            request,
            "The program changed since this page was opened: nothing was saved. Check the doses "
            "below and save again.",
        )
        return redirect("visits:handout", visit_uuid=visit.uuid)
    if formset.is_valid():
        try:
            program_services.program_save(
                visit=visit,
                doses={
                    form.instance.pk: {
                        name: form.cleaned_data[name] for name in program_services.DOSE_FIELDS
                    }
                    for form in formset.forms
                },
                by=request.user,
            )
        except ValidationError as exc:
            return _program_page(request, visit, formset=formset, error=" ".join(exc.messages))
        messages.success(request, "Program saved: it is now the patient's active plan.")
        if request.POST.get("action") == "continue":
            return redirect("visits:review", visit_uuid=visit.uuid)
        return redirect("visits:handout", visit_uuid=visit.uuid)
    return _program_page(request, visit, formset=formset)


@draft_visit_write
def program_add(request, visit):
    typed = _keep_typed(request, visit)
    exercise = Exercise.objects.filter(
        pk=inputs.pk(request.POST.get("exercise")), active=True
    ).first()
    if exercise is None:
        messages.error(request, "Choose an exercise from the library to add it.")
        return _builder_again(request, visit, typed)
    try:
        program_services.program_add_exercise(visit=visit, exercise=exercise, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{exercise.name} is added to the program.")
    return _builder_again(request, visit, typed)


@draft_visit_write
def program_item_action(request, visit, item_id, action):
    item = get_object_or_404(ProgramExercise, program__visit=visit, pk=item_id)
    if action not in ("remove", "up", "down"):
        raise Http404("No such action.")
    typed = _keep_typed(request, visit)
    if action == "remove":
        program_services.program_remove_exercise(visit=visit, item=item)
    else:
        program_services.program_move_exercise(visit=visit, item=item, up=action == "up")
    return _builder_again(request, visit, typed)


@draft_visit_write
def exercise_new(request, visit):
    form = ClinicExerciseForm(request.POST)
    if not form.is_valid():
        return _program_page(request, visit, exercise_form=form)
    data = dict(form.cleaned_data)
    exercise = program_services.exercise_create(
        name=data.pop("name"),
        kind=data.pop("kind"),
        instructions=data.pop("instructions"),
        regions=data.pop("regions"),
        by=request.user,
        **data,
    )
    program_services.program_add_exercise(visit=visit, exercise=exercise, by=request.user)
    messages.success(request, f"{exercise.name} is added to the library and to this program.")
    return redirect("visits:handout", visit_uuid=visit.uuid)


# --- The handout --------------------------------------------------------------------------------


def _program_for(request, program_uuid) -> HomeProgram:
    """Physiotherapists and the manager open any program; a patient only their own activated
    ones; the front desk none (home programs are clinical)."""
    queryset = HomeProgram.objects.select_related("patient", "visit__practitioner")
    user = request.user
    if roles.can_see_clinical(user):
        queryset = queryset.filter(patient__archived_at__isnull=True)
    elif roles.is_patient_user(user):
        queryset = queryset.activated().filter(
            patient__user=user, patient__archived_at__isnull=True
        )
    else:
        raise Http404("No such page.")
    return get_object_or_404(queryset, uuid=program_uuid)


_handout_reader = role_required(roles.can_see_clinical, roles.is_patient_user)


@_handout_reader
def handout(request, program_uuid):
    program = _program_for(request, program_uuid)
    access_log(request=request, obj=program, patient=program.patient)
    return render(request, "treatments/handout.html", handout_context(program))


@_handout_reader
def handout_pdf_download(request, program_uuid):
    program = _program_for(request, program_uuid)
    access_log(request=request, obj=program, patient=program.patient)
    response = HttpResponse(handout_pdf(program), content_type="application/pdf")
    # No name in the file name: it may be saved on a shared computer.
    response["Content-Disposition"] = 'attachment; filename="home-exercise-program.pdf"'
    return response


# --- Inviting a patient to the portal -----------------------------------------------------------


@staff_required
@require_POST
def portal_invite(request, patient_uuid):
    patient = get_object_or_404(Patient.objects.visible_to(request.user), uuid=patient_uuid)
    try:
        portal_services.portal_invite(
            patient=patient, by=request.user, base_url=request.build_absolute_uri("/")
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, f"Invitation sent to {patient.email}. The link works once and expires."
        )
    return redirect("patients:detail", patient_uuid=patient.uuid)
