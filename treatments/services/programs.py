"""The home-exercise program (step 4 of a visit) and the patient's daily check-ins."""

import datetime
import math
from dataclasses import dataclass

from django.contrib.postgres.aggregates import ArrayAgg
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q, Value
from django.utils import timezone
from django.utils.text import slugify

from revere.services import assign_fields, full_clean_fields
from treatments.models import (
    MAX_PROGRAM_EXERCISES,
    AdhesionSite,
    Application,
    CheckIn,
    Exercise,
    HomeProgram,
    ProgramExercise,
    Visit,
    VisitStep,
)
from treatments.services.visits import _advance, _ensure_draft

# adherence(): "the caller did not say", as distinct from "the patient has no program" (None).
_UNSET = object()

DOSE_FIELDS = ("sets", "reps", "hold_seconds", "times_per_day", "days_per_week", "notes")
ADHERENCE_DAYS = 14


def suggested_exercises(visit: Visit) -> list[Exercise]:
    """Exercises linked to the visit's condition first, then those for the regions treated in
    this visit (applications) or marked in its assessment (adhesion sites)."""
    condition_id = visit.assessment.condition_id
    linked = list(
        Exercise.objects.filter(active=True, conditions__code=condition_id).order_by("name")
        if condition_id
        else []
    )
    # The regions as subqueries: one query, whatever the number of applications and sites.
    treated = Application.objects.filter(session__visit=visit).values("region_id")
    marked = AdhesionSite.objects.filter(assessment__visit=visit).values("region_id")
    by_region = (
        Exercise.objects.filter(
            Q(regions__code__in=treated) | Q(regions__code__in=marked), active=True
        )
        .exclude(pk__in=[e.pk for e in linked])
        .distinct()
        .order_by("name")
    )
    return linked + list(by_region)


def _program(visit: Visit, by) -> HomeProgram:
    program, _ = HomeProgram.objects.get_or_create(
        visit=visit, defaults={"patient": visit.patient, "created_by": by}
    )
    return program


@transaction.atomic
def program_add_exercise(*, visit: Visit, exercise: Exercise, by) -> ProgramExercise:
    """Add a library exercise with its default dose, at the end of the visit's program."""
    _ensure_draft(visit)
    program = _program(visit, by)
    if program.items.filter(exercise=exercise).exists():
        raise ValidationError(f"{exercise.name} is already in the program.", code="duplicate")
    if program.items.count() >= MAX_PROGRAM_EXERCISES:
        raise ValidationError(
            f"A program holds at most {MAX_PROGRAM_EXERCISES} exercises: remove one first.",
            code="too_many",
        )
    last = program.items.aggregate(last=Max("position"))["last"]
    return ProgramExercise.objects.create(
        program=program,
        exercise=exercise,
        position=0 if last is None else last + 1,
        sets=exercise.sets,
        reps=exercise.reps,
        hold_seconds=exercise.hold_seconds,
        times_per_day=exercise.times_per_day,
        days_per_week=exercise.days_per_week or 7,
    )


@transaction.atomic
def program_remove_exercise(*, visit: Visit, item: ProgramExercise) -> None:
    _ensure_draft(visit)
    item.delete()


@transaction.atomic
def program_move_exercise(*, visit: Visit, item: ProgramExercise, up: bool) -> None:
    """Swap the exercise with its neighbour above (``up``) or below."""
    _ensure_draft(visit)
    items = list(item.program.items.order_by("position", "pk"))
    index = next(i for i, other in enumerate(items) if other.pk == item.pk)
    neighbour = index - 1 if up else index + 1
    if not 0 <= neighbour < len(items):
        return
    items[index], items[neighbour] = items[neighbour], items[index]
    for position, other in enumerate(items):
        if other.position != position:
            other.position = position
            other.save(update_fields=["position"])


@transaction.atomic
def program_save(*, visit: Visit, doses: dict[int, dict], by) -> HomeProgram:
    """Save the doses and make this version the patient's active program. The earlier versions
    stay as they were, in the history."""
    _ensure_draft(visit)
    program = _program(visit, by)
    items = {item.pk: item for item in program.items.all()}
    for item_id, fields in doses.items():
        item = items[item_id]
        assign_fields(item, fields, DOSE_FIELDS)
        item.full_clean()
        item.save()
    if not items:
        raise ValidationError("Add at least one exercise before saving the program.", code="empty")
    program.activated_at = timezone.now()
    program.save(update_fields=["activated_at"])
    _advance(visit, VisitStep.REVIEW)
    return program


@transaction.atomic
def program_draft_save(*, visit: Visit, doses: dict[int, dict]) -> int:
    """Keep the doses typed so far (a search, an add, a move or an autosave of the builder) without
    making the program the patient's plan: activation stays as it was and the visit does not
    advance. Rows of exercises no longer in the program (another tab removed them) are skipped.
    Returns how many rows were written."""
    _ensure_draft(visit)
    program = HomeProgram.objects.filter(visit=visit).first()
    if program is None:
        return 0
    items = {item.pk: item for item in program.items.all()}
    written = 0
    for item_id, fields in doses.items():
        item = items.get(item_id)
        if item is None:
            continue
        if all(getattr(item, name) == value for name, value in fields.items()):
            continue  # nothing changed: no history row for it
        assign_fields(item, fields, DOSE_FIELDS)
        item.full_clean()
        item.save()
        written += 1
    return written


@transaction.atomic
def exercise_create(*, name: str, kind: str, instructions: str, regions, by, **dose) -> Exercise:
    """A clinic exercise added from the program builder; the manager can edit it in the admin."""
    base = slugify(name)[:50] or "exercise"
    code, n = f"clinic-{base}", 1
    while Exercise.objects.filter(code=code).exists():
        n += 1
        code = f"clinic-{base}-{n}"
    exercise = Exercise(
        code=code,
        name=name.strip(),
        kind=kind,
        instructions=instructions.strip(),
        added_by_clinic=True,
        source=f"Added by {by.get_full_name() or by.get_username()}",
        **dose,
    )
    exercise.full_clean()
    exercise.save()
    exercise.regions.set(regions)
    return exercise


# --- Check-ins and adherence ------------------------------------------------------------------


@transaction.atomic
def check_in_record(
    *, patient, day: datetime.date, done: list[ProgramExercise], pain, plan=None
) -> CheckIn:
    """Record a day's check-in. Ticking again replaces that day's ticks, so nothing counts twice.
    ``plan``: the items of the patient's active program when the caller read them in this
    request (the portal's check-in); otherwise they are read here."""
    if day > timezone.localdate():
        raise ValidationError("You cannot check in for a day that has not come yet.")
    if plan is None:
        program = HomeProgram.objects.active_for(patient)
        plan = list(program.items.all()) if program else []
    allowed = {item.pk for item in plan}
    if any(item.pk not in allowed for item in done):
        raise ValidationError("Tick only exercises of your current plan.")
    check_in = CheckIn(patient=patient, day=day, pain=pain)
    full_clean_fields(check_in)  # the pain's check constraint is its field's validators
    # The day's row inserted, or its pain replaced, in one statement: the same day saved at the
    # same moment from two devices meets in ON CONFLICT, not in an error (issue 11: the
    # get_or_create, its savepoints and full_clean()'s checks were 12 queries).
    (check_in,) = CheckIn.objects.bulk_create(
        [check_in],
        update_conflicts=True,
        unique_fields=["patient", "day"],
        update_fields=["pain", "updated_at"],
    )
    check_in.done.set(done)
    return check_in


@dataclass
class Adherence:
    percent: int | None
    done: int
    expected: int
    days: int
    pain: list[tuple[datetime.date, int | None]]
    # The program was saved today: no day has ended yet, so a percent (0% until the first
    # check-in) would say the patient is failing on day one. Pages say "Started today" instead.
    started_today: bool = False


def adherence(
    *,
    patient,
    today: datetime.date | None = None,
    program: HomeProgram | None = _UNSET,
    check_ins=None,
) -> Adherence:
    """Percent of prescribed exercise days done over the last 14 days (since the program started,
    if later), in the clinic's time zone, and the pain ratings of those days.

    An exercise prescribed d days a week is expected on round(days x d / 7) of the window's days;
    each (exercise, day) tick counts once, and no exercise counts more than expected.

    ``program`` is the patient's active program when the caller has it already (None: there is
    none), ideally with its items prefetched: then this is one query, the window's check-ins
    with the ids of the exercises ticked. ``check_ins``: those check-ins already fetched, as
    (day, pain, ticked exercise ids) covering at least the window (``progress.progress_record``
    has them): then no query at all.
    """
    today = today or timezone.localdate()
    first_day = today - datetime.timedelta(days=ADHERENCE_DAYS - 1)
    if program is _UNSET:
        program = HomeProgram.objects.active_for(patient)
    if check_ins is None:
        check_ins = (
            CheckIn.objects.filter(patient=patient, day__range=(first_day, today))
            .annotate(done_ids=ArrayAgg("done", filter=Q(done__isnull=False), default=Value([])))
            .values_list("day", "pain", "done_ids")
        )
    check_ins = {
        day: (pain, done_ids) for day, pain, done_ids in check_ins if first_day <= day <= today
    }
    pain = [
        (day, check_ins[day][0] if day in check_ins else None)
        for day in (first_day + datetime.timedelta(days=n) for n in range(ADHERENCE_DAYS))
    ]
    if program is None:
        return Adherence(None, 0, 0, 0, pain)
    start = max(first_day, timezone.localtime(program.activated_at).date())
    days = (today - start).days + 1
    if days <= 0:
        return Adherence(None, 0, 0, 0, pain)
    expected = done = 0
    for item in program.items.all():
        item_expected = math.floor(days * item.days_per_week / 7 + 0.5) or 1
        item_done = sum(
            1 for day, (_, done_ids) in check_ins.items() if day >= start and item.pk in done_ids
        )
        expected += item_expected
        done += min(item_done, item_expected)
    percent = round(100 * done / expected) if expected else None
    started_today = days == 1
    return Adherence(percent, done, expected, days, pain, started_today=started_today)
