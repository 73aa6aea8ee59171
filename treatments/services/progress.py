"""The figures behind the progress charts (issue 12): pain over check-ins and visits, each outcome
measure over visits, adherence by week. Reads only; a fixed number of queries whatever the data
(check-ins, scores, program versions, ticks), each bounded by a window or a slice.
"""

import datetime
import math
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import Value
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from patients.models import Patient
from treatments.charts import Chart, Point, Series, number
from treatments.models import CheckIn, HomeProgram, IntakeForm, OutcomeScore, ProgramExercise
from treatments.services.combined import fetch_together, field_names, instance, prefetched
from treatments.services.programs import ADHERENCE_DAYS

PAIN_DAYS = 182  # about six months of daily check-ins
ADHERENCE_WEEKS = 8
MAX_SCORES = 500  # a patient's outcome scores over all visits; far more than years of care
PAIN_MEASURE = "NPRS"


def _scores_query(patient):
    return (
        OutcomeScore.objects.filter(visit__patient__in=Patient.objects.with_merged(patient))
        .order_by("visit__date", "visit__created_at", "measure_id")
        .values(
            "visit__date",
            "visit__created_at",
            "measure_id",
            "measure__label",
            "measure__min_value",
            "measure__max_value",
            "measure__better",
            "value",
        )[:MAX_SCORES]
    )


@dataclass
class ProgressRecord:
    """What the charts and the adherence panel read, fetched together: the outcome scores (rows
    as ``_scores`` gives them), the check-ins since ``first_day`` as (day, pain, ids of the
    exercises ticked), oldest first, and every activated program version, oldest first, with
    its exercises prefetched (the last one is the active program)."""

    first_day: datetime.date
    scores: list
    check_ins: list
    programs: list
    # Issue 13: the patient's submitted intake forms as (uuid, submitted_at), newest first (the
    # patient page's "Intake form (submitted ...)"; read here to cost no query of its own).
    intakes: list = field(default_factory=list)

    @property
    def active_program(self):
        return self.programs[-1] if self.programs else None

    def check_ins_since(self, day):
        return [c for c in self.check_ins if c[0] >= day]


def progress_record(*, patient, today=None) -> ProgressRecord:
    """One SQL statement for the pain chart, the outcome charts, weekly adherence and the
    14-day adherence: the scores, the check-ins of the longest window with their ticks, the
    program versions and their exercises (each part bounded by a window, a slice or the
    patient's program versions)."""
    today = today or timezone.localdate()
    first_day = min(
        today - datetime.timedelta(days=PAIN_DAYS - 1),
        _first_monday(today, ADHERENCE_WEEKS),
        today - datetime.timedelta(days=ADHERENCE_DAYS - 1),
    )
    programs = HomeProgram.objects.activated().filter(patient=patient)
    rows = fetch_together(
        scores=_scores_query(patient),
        check_ins=CheckIn.objects.filter(patient=patient, day__range=(first_day, today))
        .order_by()
        .values("day", "pain", done_ids=ArrayAgg("done", default=Value([]))),
        programs=programs.order_by().values(*field_names(HomeProgram)),
        items=ProgramExercise.objects.filter(program__in=programs)
        .order_by()
        .values(*field_names(ProgramExercise)),
        intakes=IntakeForm.objects.submitted()
        .of_patient(patient)
        .order_by()
        .values("uuid", "submitted_at"),
    )
    scores = sorted(
        (
            (
                datetime.date.fromisoformat(r["visit__date"]),
                r["measure_id"],
                r["measure__label"],
                Decimal(r["measure__min_value"]),
                Decimal(r["measure__max_value"]),
                r["measure__better"],
                Decimal(r["value"]),
                r["visit__created_at"],
            )
            for r in rows["scores"]
        ),
        key=lambda row: (row[0], parse_datetime(row[7]), row[1]),
    )
    check_ins = sorted(
        (
            (datetime.date.fromisoformat(r["day"]), r["pain"], [i for i in r["done_ids"] if i])
            for r in rows["check_ins"]
        ),
        key=lambda c: c[0],
    )
    items_by_program = defaultdict(list)
    for r in rows["items"]:
        item = instance(ProgramExercise, r)
        items_by_program[item.program_id].append(item)
    versions = sorted(
        (instance(HomeProgram, r) for r in rows["programs"]),
        key=lambda p: (p.activated_at, p.pk),
    )
    for program in versions:
        items = sorted(items_by_program[program.pk], key=lambda i: (i.position, i.pk))
        prefetched(program, "items", items)
    intakes = sorted(
        ((r["uuid"], parse_datetime(r["submitted_at"])) for r in rows["intakes"]),
        key=lambda row: row[1],
        reverse=True,
    )
    return ProgressRecord(first_day, [row[:7] for row in scores], check_ins, versions, intakes)


def _first_monday(today, weeks):
    return today - datetime.timedelta(days=today.weekday() + 7 * (weeks - 1))


def _scores(patient):
    """Every score of the patient's visits (merged records included), oldest visit first."""
    return [
        (
            r["visit__date"],
            r["measure_id"],
            r["measure__label"],
            r["measure__min_value"],
            r["measure__max_value"],
            r["measure__better"],
            r["value"],
        )
        for r in _scores_query(patient)
    ]


def pain_chart(*, patient, today=None, scores=None, record=None) -> Chart:
    """Daily check-in pain (the patient's own 0-10) and the NPRS recorded at visits."""
    today = today or timezone.localdate()
    record = record or progress_record(patient=patient, today=today)
    first_day = today - datetime.timedelta(days=PAIN_DAYS - 1)
    daily = [
        Point(day, pain)
        for day, pain, _ in record.check_ins_since(first_day)
        if pain is not None and day <= today
    ]
    scores = record.scores if scores is None else scores
    at_visits = [Point(row[0], row[6]) for row in scores if row[1] == PAIN_MEASURE]
    series = [Series("Check-in pain", daily), Series("Pain at visit (NPRS)", at_visits)]
    count = len(daily) + len(at_visits)
    return Chart(
        slug="pain",
        title="Pain (0-10) over check-ins and visits",
        description=(
            f"Pain from 0 (none) to 10 (worst): {len(daily)} daily check-in"
            f"{'s' if len(daily) != 1 else ''} in the last {PAIN_DAYS // 7} weeks and "
            f"{len(at_visits)} score{'s' if len(at_visits) != 1 else ''} recorded at visits."
        )
        if count
        else "",
        y_label="Pain (0-10)",
        y_min=0,
        y_max=10,
        series=series,
        better="lower",
        empty_message="No pain scores yet.",
    )


def outcome_charts(*, patient, scores=None) -> list[Chart]:
    """One chart per outcome measure recorded at the patient's visits (pain has its own chart),
    on the measure's own scale and with its direction of improvement."""
    scores = _scores(patient) if scores is None else scores
    by_measure: dict[str, list] = defaultdict(list)
    for row in scores:
        if row[1] != PAIN_MEASURE:
            by_measure[row[1]].append(row)
    charts = []
    for code, rows in sorted(by_measure.items(), key=lambda item: item[1][0][2]):
        _, _, label, low, high, better, _ = rows[0]
        first, last = rows[0][6], rows[-1][6]
        summary = (
            f"{len(rows)} score{'s' if len(rows) != 1 else ''} from {rows[0][0]:%Y-%m-%d}"
            f" to {rows[-1][0]:%Y-%m-%d}, first {number(first)}, latest {number(last)}"
            f" on a scale of {number(low)} to {number(high)}."
        )
        charts.append(
            Chart(
                slug=f"measure-{code.lower()}",
                title=f"{label} over visits",
                description=summary,
                y_label=code,
                y_min=low,
                y_max=high,
                series=[Series(code, [Point(row[0], row[6]) for row in rows])],
                better=better,
                empty_message="No scores yet.",
            )
        )
    return charts


def weekly_adherence(
    *, patient, today=None, weeks: int = ADHERENCE_WEEKS, record=None
) -> list[tuple[datetime.date, int | None]]:
    """(Monday, percent) for the last ``weeks`` calendar weeks, this one so far included.

    Each day counts against the program version active that day (the latest activated on or
    before it). As in ``programs.adherence``: an exercise prescribed d days a week is expected on
    round(days x d / 7) of the week's program days (at least once), each (exercise, day) tick
    counts once, and no exercise counts more than expected. None: no program that week.
    """
    today = today or timezone.localdate()
    first_monday = _first_monday(today, weeks)
    if record is None or record.first_day > first_monday:
        record = progress_record(patient=patient, today=today)
    ticks = {
        (day, item_id)
        for day, _, done_ids in record.check_ins_since(first_monday)
        if day <= today
        for item_id in done_ids
    }
    starts = [
        (start, p)
        for p in record.programs
        if (start := timezone.localtime(p.activated_at).date()) <= today
    ]

    def program_on(day):
        current = None
        for start, program in starts:
            if start <= day:
                current = program
        return current

    result = []
    for w in range(weeks):
        monday = first_monday + datetime.timedelta(days=7 * w)
        days_by_program: dict[int, list] = defaultdict(list)
        programs_by_id = {}
        for n in range(7):
            day = monday + datetime.timedelta(days=n)
            if day > today:
                break
            program = program_on(day)
            if program is not None:
                days_by_program[program.pk].append(day)
                programs_by_id[program.pk] = program
        expected = done = 0
        for pk, days in days_by_program.items():
            for item in programs_by_id[pk].items.all():
                item_expected = math.floor(len(days) * item.days_per_week / 7 + 0.5) or 1
                item_done = sum(1 for day in days if (day, item.pk) in ticks)
                expected += item_expected
                done += min(item_done, item_expected)
        result.append((monday, round(100 * done / expected) if expected else None))
    return result


def adherence_chart(*, patient, today=None, record=None) -> Chart:
    weeks = weekly_adherence(patient=patient, today=today, record=record)
    valued = [percent for _, percent in weeks if percent is not None]
    return Chart(
        slug="adherence",
        title="Home exercises done, by week (%)",
        description=(
            f"Percent of the prescribed exercise days done in each of the last {len(weeks)} weeks"
            f" (weeks start on Monday; this week so far). {len(valued)} week"
            f"{'s' if len(valued) != 1 else ''} with a program."
        ),
        y_label="Done (%)",
        y_min=0,
        y_max=100,
        series=[Series("Exercises done (%)", [Point(m, p) for m, p in weeks])],
        kind="bar",
        better="higher",
        empty_message="No home program in the last weeks yet.",
        x_format="%b %-d",
    )


def staff_charts(*, patient, today=None, record=None) -> dict:
    """The patient page's charts: pain, each outcome measure, adherence. ``record``: the
    patient's ``progress_record`` when the caller has it already (one statement for all)."""
    record = record or progress_record(patient=patient, today=today)
    return {
        "pain": pain_chart(patient=patient, today=today, record=record),
        "measures": outcome_charts(patient=patient, scores=record.scores),
        "adherence": adherence_chart(patient=patient, today=today, record=record),
    }


def portal_charts(*, patient, today=None, record=None) -> dict:
    """What a patient sees of their own progress: pain and adherence only."""
    record = record or progress_record(patient=patient, today=today)
    return {
        "pain": pain_chart(patient=patient, today=today, record=record),
        "adherence": adherence_chart(patient=patient, today=today, record=record),
    }
