"""The manager's report tables (issue 12). Aggregates only: no row names a patient. Each table is
aggregated in SQL with a fixed number of queries, whatever the number of visits or patients.

Definitions (README "Reports"):
- visits: every visit dated in the range (draft or signed), by its practitioner;
- new patients: patients whose first visit ever falls in the range (with that practitioner);
- no-show rate: no-shows / appointments that were due (arrived, completed or no-show);
- skin responses and adverse events: treatment sessions, counted once per region / instrument /
  stroke they used;
- outcome change: per patient and measure, the first and the last score of the range (two
  different visits needed), grouped by the condition of the first visit's assessment;
- adherence: per patient, exercise days done / expected over the range (to today), each day
  against the program version active that day;
- appointment use: booked minutes (appointments not cancelled) / working minutes (the weekly
  hours over the range, less time off).
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.db.models import Count, F, FloatField, Func, OuterRef, Q, Subquery, Sum, Window
from django.db.models.functions import RowNumber, TruncMonth
from django.utils import timezone

from patients.models import Appointment, AppointmentStatus, Practitioner, TimeOff, WorkingHours
from treatments.models import (
    Application,
    BodyRegion,
    Instrument,
    SkinResponse,
    StrokeTechnique,
    Visit,
)
from treatments.services.combined import fetch_together, field_names, instance


@dataclass
class Table:
    slug: str
    title: str
    columns: list[str]
    rows: list[list] = field(default_factory=list)
    note: str = ""
    footer: list | None = None


def _percent(part, whole):
    return round(100 * part / whole, 1) if whole else None


def _mean(value):
    return None if value is None else round(Decimal(value), 1)


def practitioners():
    return list(Practitioner.objects.order_by("display_name"))


# --- Activity: visits, new patients, no-shows --------------------------------------------------


def _activity_reads(filters) -> dict:
    visits = Visit.objects.filter(date__range=(filters.start, filters.end))
    first_visit = Visit.objects.filter(patient=OuterRef("patient")).order_by("date", "created_at")
    firsts = Visit.objects.filter(
        pk=Subquery(first_visit.values("pk")[:1]), date__range=(filters.start, filters.end)
    )
    appointments = Appointment.objects.filter(
        starts_at__gte=filters.start_moment(), starts_at__lt=filters.end_moment()
    )
    if filters.practitioner is not None:
        visits = visits.filter(practitioner=filters.practitioner)
        firsts = firsts.filter(practitioner=filters.practitioner)
        appointments = appointments.filter(practitioner=filters.practitioner)
    due = [AppointmentStatus.ARRIVED, AppointmentStatus.COMPLETED, AppointmentStatus.NO_SHOW]
    return {
        "activity_visits": visits.annotate(month=TruncMonth("date"))
        .values("month")
        .annotate(n=Count("pk")),
        "activity_firsts": firsts.annotate(month=TruncMonth("date"))
        .values("month")
        .annotate(n=Count("pk")),
        "activity_appointments": appointments.annotate(month=TruncMonth("starts_at"))
        .values("month")
        .annotate(
            due=Count("pk", filter=Q(status__in=due)),
            no_show=Count("pk", filter=Q(status=AppointmentStatus.NO_SHOW)),
        ),
    }


def _month(value) -> datetime.date:
    """A month as fetch_together returns it: "2026-03-01", with a time after it or not."""
    return datetime.date.fromisoformat(value[:10])


def activity(filters, rows=None) -> Table:
    rows = rows if rows is not None else fetch_together(**_activity_reads(filters))
    by_month: dict[datetime.date, dict] = defaultdict(
        lambda: {"visits": 0, "new": 0, "due": 0, "no_show": 0}
    )
    for row in rows["activity_visits"]:
        by_month[_month(row["month"])]["visits"] = row["n"]
    for row in rows["activity_firsts"]:
        by_month[_month(row["month"])]["new"] = row["n"]
    for row in rows["activity_appointments"]:
        month = _month(row["month"])
        by_month[month]["due"] = row["due"]
        by_month[month]["no_show"] = row["no_show"]
    rows = []
    totals = {"visits": 0, "new": 0, "due": 0, "no_show": 0}
    for month in sorted(by_month):
        m = by_month[month]
        for key in totals:
            totals[key] += m[key]
        rows.append(
            [
                f"{month:%Y-%m}",
                m["visits"],
                m["new"],
                m["due"],
                m["no_show"],
                _percent(m["no_show"], m["due"]),
            ]
        )
    return Table(
        slug="activity",
        title="Visits, new patients and no-shows by month",
        columns=[
            "Month",
            "Visits",
            "New patients",
            "Appointments due",
            "No-shows",
            "No-show rate (%)",
        ],
        rows=rows,
        footer=[
            "Total",
            totals["visits"],
            totals["new"],
            totals["due"],
            totals["no_show"],
            _percent(totals["no_show"], totals["due"]),
        ],
        note="A new patient's first visit ever falls in the range. Appointments due: arrived, "
        "completed or no-show (booked ones still to come and cancelled ones are not counted).",
    )


# --- Skin responses and adverse events ---------------------------------------------------------

DIMENSIONS = {
    "region": ("region__label", "Region"),
    "instrument": ("instrument__name", "Instrument"),
    "stroke": ("stroke__label", "Stroke"),
}


CATALOGUES = {
    "region": (BodyRegion, "label"),
    "instrument": (Instrument, "name"),
    "stroke": (StrokeTechnique, "label"),
}
_RESPONSES = [SkinResponse.ERYTHEMA, SkinResponse.PETECHIAE, SkinResponse.ECCHYMOSIS]


def _skin_reads(filters, dimension: str) -> dict:
    field_name, _ = DIMENSIONS[dimension]
    model, label_field = CATALOGUES[dimension]
    applications = Application.objects.filter(
        session__visit__date__range=(filters.start, filters.end)
    )
    if filters.practitioner is not None:
        applications = applications.filter(session__visit__practitioner=filters.practitioner)
    counts = {
        r.value: Count("session", distinct=True, filter=Q(session__skin_response=r.value))
        for r in _RESPONSES
    }
    return {
        f"skin_{dimension}": applications.values(field_name)
        .annotate(
            sessions=Count("session", distinct=True),
            applications=Count("pk"),
            **counts,
            adverse=Count("session", distinct=True, filter=~Q(session__adverse_event_note="")),
        )
        .order_by(),
        # The labels' order as PostgreSQL sorts them (json_agg keeps no order, and a window
        # cannot rank the grouped rows themselves): the catalogue ranked by its label.
        f"skin_{dimension}_order": model.objects.order_by()
        .annotate(row_n=Window(RowNumber(), order_by=F(label_field).asc()))
        .values(label_field, "row_n"),
    }


def skin_responses(filters, dimension: str, rows=None) -> Table:
    field_name, label = DIMENSIONS[dimension]
    rows = rows if rows is not None else fetch_together(**_skin_reads(filters, dimension))
    _, label_field = CATALOGUES[dimension]
    rank = {row[label_field]: row["row_n"] for row in rows[f"skin_{dimension}_order"]}
    rows = sorted(rows[f"skin_{dimension}"], key=lambda row: rank.get(row[field_name], 0))
    responses = _RESPONSES
    return Table(
        slug=f"skin-{dimension}",
        title=f"Skin responses and adverse events by {label.lower()}",
        columns=[
            label,
            "Sessions",
            "Applications",
            *[r.label for r in responses],
            "Adverse event noted",
        ],
        rows=[
            [
                row[field_name],
                row["sessions"],
                row["applications"],
                *[row[r.value] for r in responses],
                row["adverse"],
            ]
            for row in rows
        ],
        note="Sessions that used the "
        + label.lower()
        + ", by the skin response recorded for the session.",
    )


# --- Outcome change by condition -------------------------------------------------------------

_OUTCOME_SQL = """
WITH s AS (
    SELECT v.patient_id, sc.measure_id, sc.value, v.id AS visit_id,
           ROW_NUMBER() OVER (PARTITION BY v.patient_id, sc.measure_id
                              ORDER BY v.date, v.created_at, v.id) AS first_rank,
           ROW_NUMBER() OVER (PARTITION BY v.patient_id, sc.measure_id
                              ORDER BY v.date DESC, v.created_at DESC, v.id DESC) AS last_rank
    FROM treatments_outcomescore sc
    JOIN treatments_visit v ON v.id = sc.visit_id
    WHERE v.date BETWEEN %(start)s AND %(end)s
      AND (%(practitioner)s::bigint IS NULL OR v.practitioner_id = %(practitioner)s::bigint)
), pairs AS (
    SELECT b.measure_id, b.value AS baseline, l.value AS last, b.visit_id AS baseline_visit
    FROM s b
    JOIN s l ON l.patient_id = b.patient_id AND l.measure_id = b.measure_id AND l.last_rank = 1
    WHERE b.first_rank = 1 AND l.visit_id <> b.visit_id
), changes AS (
    SELECT p.*, m.label AS measure, m.better, m.mcid,
           CASE WHEN m.better = 'lower' THEN p.baseline - p.last
                ELSE p.last - p.baseline END AS improvement,
           COALESCE(c.label, 'No condition recorded') AS condition
    FROM pairs p
    JOIN treatments_outcomemeasure m ON m.code = p.measure_id
    LEFT JOIN treatments_assessment a ON a.visit_id = p.baseline_visit
    LEFT JOIN treatments_condition c ON c.code = a.condition_id
)
SELECT condition, measure, better, mcid, COUNT(*), AVG(baseline), AVG(last), AVG(improvement),
       COUNT(*) FILTER (WHERE mcid IS NOT NULL AND improvement >= mcid)
FROM changes
GROUP BY condition, measure, better, mcid
ORDER BY condition, measure
"""


def outcome_change(filters) -> Table:
    params = {
        "start": filters.start,
        "end": filters.end,
        "practitioner": filters.practitioner.pk if filters.practitioner else None,
    }
    with connection.cursor() as cursor:
        cursor.execute(_OUTCOME_SQL, params)
        fetched = cursor.fetchall()
    rows = [
        [
            condition,
            measure,
            "Lower" if better == "lower" else "Higher",
            patients,
            _mean(baseline),
            _mean(last),
            _mean(improvement),
            reached if mcid is not None else None,
        ]
        for condition, measure, better, mcid, patients, baseline, last, improvement, reached in (
            fetched
        )
    ]
    return Table(
        slug="outcomes",
        title="Outcome change by condition (first to last score)",
        columns=[
            "Condition",
            "Measure",
            "Better",
            "Patients",
            "Mean first score",
            "Mean last score",
            "Mean improvement",
            "Improved by the MCID or more",
        ],
        rows=rows,
        note="Patients with the measure scored at two visits or more in the range. Improvement "
        "is positive when the score moved in the better direction; MCID: the measure's minimal "
        "clinically important difference (blank where not established).",
    )


# --- Adherence across patients -----------------------------------------------------------------

_ADHERENCE_SQL = """
WITH p AS (
    SELECT hp.id, hp.patient_id, v.practitioner_id,
           (hp.activated_at AT TIME ZONE %(tz)s)::date AS start_day,
           LEAD((hp.activated_at AT TIME ZONE %(tz)s)::date)
               OVER (PARTITION BY hp.patient_id ORDER BY hp.activated_at, hp.id) AS next_day
    FROM treatments_homeprogram hp
    JOIN treatments_visit v ON v.id = hp.visit_id
    WHERE hp.activated_at IS NOT NULL
), spans AS (
    SELECT p.id, p.patient_id, p.practitioner_id,
           GREATEST(p.start_day, %(start)s::date) AS span_start,
           LEAST(COALESCE(p.next_day - 1, %(end)s::date), %(end)s::date) AS span_end
    FROM p
), items AS (
    SELECT s.patient_id, pe.id AS item_id, s.span_start, s.span_end,
           GREATEST(1, FLOOR((s.span_end - s.span_start + 1) * pe.days_per_week / 7.0 + 0.5))
               AS expected
    FROM spans s
    JOIN treatments_programexercise pe ON pe.program_id = s.id
    WHERE s.span_end >= s.span_start
      AND (%(practitioner)s::bigint IS NULL OR s.practitioner_id = %(practitioner)s::bigint)
), done AS (
    SELECT i.patient_id, i.expected,
           LEAST(i.expected, (
               SELECT COUNT(*) FROM treatments_checkin_done d
               JOIN treatments_checkin c ON c.id = d.checkin_id
               WHERE d.programexercise_id = i.item_id
                 AND c.day BETWEEN i.span_start AND i.span_end)) AS done
    FROM items i
), per_patient AS (
    SELECT patient_id, 100.0 * SUM(done) / SUM(expected) AS percent
    FROM done GROUP BY patient_id
)
SELECT CASE WHEN percent < 25 THEN 0 WHEN percent < 50 THEN 1 WHEN percent < 75 THEN 2 ELSE 3 END
           AS band,
       COUNT(*), AVG(percent)
FROM per_patient
GROUP BY band
ORDER BY band
"""

BANDS = ["0-24%", "25-49%", "50-74%", "75-100%"]


def adherence(filters, *, today=None) -> Table:
    today = today or timezone.localdate()
    end = min(filters.end, today)
    rows_by_band = {}
    if end >= filters.start:
        with connection.cursor() as cursor:
            cursor.execute(
                _ADHERENCE_SQL,
                {
                    "tz": settings.TIME_ZONE,
                    "start": filters.start,
                    "end": end,
                    "practitioner": filters.practitioner.pk if filters.practitioner else None,
                },
            )
            rows_by_band = {band: (count, mean) for band, count, mean in cursor.fetchall()}
    rows = []
    patients = weighted = 0
    for band, label in enumerate(BANDS):
        count, mean = rows_by_band.get(band, (0, None))
        patients += count
        weighted += (mean or 0) * count
        rows.append([label, count, _mean(mean)])
    return Table(
        slug="adherence",
        title="Home-exercise adherence across patients",
        columns=["Exercise days done", "Patients", "Mean (%)"],
        rows=rows,
        footer=[
            "All patients with a program",
            patients,
            _mean(weighted / patients) if patients else None,
        ],
        note="Per patient: exercise days ticked / days expected over the range (up to today), "
        "each day against the program version active that day (programs given by the "
        "practitioner, when filtered).",
    )


# --- Appointment use by practitioner --------------------------------------------------------


def _chosen(filters, practitioner_list) -> list:
    return [filters.practitioner] if filters.practitioner is not None else list(practitioner_list)


def _use_reads(filters, practitioner_list) -> dict:
    ids = [p.pk for p in _chosen(filters, practitioner_list)]
    start, end = filters.start_moment(), filters.end_moment()
    seconds = Func(
        F("ends_at") - F("starts_at"),
        template="EXTRACT(EPOCH FROM %(expressions)s)",
        output_field=FloatField(),
    )
    return {
        "use_booked": Appointment.objects.filter(
            practitioner_id__in=ids, starts_at__gte=start, starts_at__lt=end
        )
        .exclude(status=AppointmentStatus.CANCELLED)
        .values("practitioner_id")
        .annotate(n=Count("pk"), seconds=Sum(seconds))
        .order_by(),
        "use_hours": WorkingHours.objects.filter(practitioner_id__in=ids)
        .order_by()
        .values(*field_names(WorkingHours)),
        "use_away": TimeOff.objects.filter(
            practitioner_id__in=ids, starts_at__lt=end, ends_at__gt=start
        )
        .order_by()
        .values(*field_names(TimeOff)),
    }


def appointment_use(filters, practitioner_list, rows=None) -> Table:
    chosen = _chosen(filters, practitioner_list)
    rows = rows if rows is not None else fetch_together(**_use_reads(filters, practitioner_list))
    booked = {row["practitioner_id"]: row for row in rows["use_booked"]}
    blocks = defaultdict(list)
    for wh in (instance(WorkingHours, row) for row in rows["use_hours"]):
        blocks[(wh.practitioner_id, wh.weekday)].append((wh.starts, wh.ends))
    away = defaultdict(list)
    for off in (instance(TimeOff, row) for row in rows["use_away"]):
        away[off.practitioner_id].append((off.starts_at, off.ends_at))
    rows = []
    for p in chosen:
        working = _working_minutes(filters.start, filters.end, p.pk, blocks, away[p.pk])
        row = booked.get(p.pk)
        minutes = int(row["seconds"] // 60) if row and row["seconds"] else 0
        count = row["n"] if row else 0
        rows.append([p.display_name, working, minutes, _percent(minutes, working), count])
    return Table(
        slug="use",
        title="Appointment use by practitioner",
        columns=[
            "Practitioner",
            "Working minutes",
            "Booked minutes",
            "Booked (% of working)",
            "Appointments",
        ],
        rows=rows,
        note="Booked: appointments not cancelled (no-shows included). Working: the weekly hours "
        "over the range, less time off.",
    )


def _working_minutes(first, last, practitioner_id, blocks, away) -> int:
    total = 0.0
    day = first
    while day <= last:
        for starts, ends in blocks.get((practitioner_id, day.weekday()), []):
            block_start = timezone.make_aware(datetime.datetime.combine(day, starts))
            block_end = timezone.make_aware(datetime.datetime.combine(day, ends))
            minutes = (block_end - block_start).total_seconds() / 60
            for off_start, off_end in away:
                overlap = (min(block_end, off_end) - max(block_start, off_start)).total_seconds()
                if overlap > 0:
                    minutes -= overlap / 60
            total += max(minutes, 0)
        day += datetime.timedelta(days=1)
    return int(total)


def all_tables(filters, practitioner_list, *, today=None) -> list[Table]:
    """Every table; the ORM's aggregates in one statement (issue 11: was 9 queries), the two
    SQL reports (outcomes, adherence) in one query each."""
    rows = fetch_together(
        **_activity_reads(filters),
        **{k: v for d in DIMENSIONS for k, v in _skin_reads(filters, d).items()},
        **_use_reads(filters, practitioner_list),
    )
    return [
        activity(filters, rows),
        skin_responses(filters, "region", rows),
        skin_responses(filters, "instrument", rows),
        skin_responses(filters, "stroke", rows),
        outcome_change(filters),
        adherence(filters, today=today),
        appointment_use(filters, practitioner_list, rows),
    ]


def table(slug, filters, practitioner_list, *, today=None) -> Table | None:
    builders = {
        "activity": lambda: activity(filters),
        "skin-region": lambda: skin_responses(filters, "region"),
        "skin-instrument": lambda: skin_responses(filters, "instrument"),
        "skin-stroke": lambda: skin_responses(filters, "stroke"),
        "outcomes": lambda: outcome_change(filters),
        "adherence": lambda: adherence(filters, today=today),
        "use": lambda: appointment_use(filters, practitioner_list),
    }
    builder = builders.get(slug)
    return builder() if builder else None
