"""Reads for the schedule and booking (HackSoft-style selectors): each one a fixed number of
queries whatever the number of appointments or practitioners.

For other apps: ``practitioner_day`` (a physiotherapist's appointments of one day) and
``appointment_get`` (one appointment by its uuid, scoped to the user).
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.postgres.expressions import ArraySubquery
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Exists, IntegerField, OuterRef, Q, Value
from django.db.models.functions import JSONObject, Lower
from django.utils import dateformat, timezone

from patients import scheduling
from patients.models import (
    ACTIVE_STATUSES,
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    AppointmentType,
    OnlineBookingHold,
    Patient,
    PossibleDuplicateFlag,
    Practitioner,
    TimeOff,
    WorkingHours,
)
from patients.scheduling import Interval
from patients.search import phone_digits

# How far ahead the booking page looks for "next free times", and how many it lists.
NEXT_FREE_DAYS = 21
NEXT_FREE_LIMIT = 6
# Rows shown on the patient page for each of upcoming and past appointments.
PATIENT_PAGE_APPOINTMENTS = 10


def clinic_tz():
    return timezone.get_default_timezone()


def practitioner_day(
    *, practitioner: Practitioner, day: datetime.date, include_inactive: bool = False
) -> list[Appointment]:
    """A practitioner's appointments on ``day`` (the clinic's local day), ordered by start, with
    patient and type loaded. Cancelled and no-show ones only with ``include_inactive``."""
    bounds = scheduling.day_bounds(day, clinic_tz())
    appointments = Appointment.objects.filter(
        practitioner=practitioner, starts_at__gte=bounds.start, starts_at__lt=bounds.end
    )
    if not include_inactive:
        appointments = appointments.active()
    return list(appointments.select_related("patient", "type").order_by("starts_at", "pk"))


def appointment_get(*, user, appointment_uuid) -> Appointment | None:
    """The appointment with this uuid if ``user`` may see it, else None (the view answers 404).
    Issue 13: with its patient's possible duplicates when booked online
    (``online_duplicate_flags``), in the same statement."""
    return (
        Appointment.objects.visible_to(user)
        .select_related("patient", "practitioner", "type")
        .annotate(online_duplicate_flags=duplicate_flags_of(OuterRef("patient_id")))
        .filter(uuid=appointment_uuid)
        .first()
    )


def duplicate_flags_of(patient_ref):
    """Issue 13: the possible duplicates flagged on a record booked online, for an annotation:
    a list of {uuid, first, last, reasons} of the other records still active."""
    return ArraySubquery(
        PossibleDuplicateFlag.objects.filter(patient=patient_ref, other__archived_at__isnull=True)
        .order_by("pk")
        .values(
            json=JSONObject(
                uuid="other__uuid",
                first="other__first_name",
                last="other__last_name",
                reasons="reasons",
            )
        )
    )


def bookable_practitioners():
    return Practitioner.objects.filter(active=True).order_by("display_name", "pk")


def bookable_types(*, phone_only: bool = False):
    types = AppointmentType.objects.filter(active=True).order_by("minutes", "name")
    if phone_only:
        types = types.filter(mode="phone")
    return types


# --- availability -------------------------------------------------------------------------


def _compound_rows(queryset) -> list[tuple]:
    """The rows of a UNION queryset, read as one plain SELECT over it (issue 13). Django writes a
    UNION as "(SELECT ...) UNION ALL (SELECT ...)", which pghistory's context tracking does not
    recognise as a read (it looks for a leading SELECT) and prefixes with its set_config()
    calls; wrapped, it is an ordinary read. Date-times come back aware, in UTC, as Django's."""
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:  # every part filters on an empty list: nothing to ask
        return []
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(f"SELECT * FROM ({sql}) AS compound", params)
        return cursor.fetchall()


@dataclass
class Availability:
    """What the free-slot arithmetic needs for some practitioners over some span."""

    blocks: dict[int, dict[int, list[tuple[datetime.time, datetime.time]]]]
    busy: dict[int, list[Interval]]
    # Issue 10: the patient being booked is busy too (with anyone): their other appointments.
    patient_busy: list[Interval] = field(default_factory=list)


def _availability(
    practitioner_ids: list[int],
    span: Interval,
    *,
    patient: Patient | None = None,
    ignore: Appointment | None = None,
    now: datetime.datetime | None = None,
) -> Availability:
    """Three queries: working hours, time off and the appointments holding their time, with
    ``patient`` their own active appointments too (with anyone), except ``ignore`` (the one
    being moved). Issue 13: the practitioners' unexpired online holds (at ``now``) block their
    time too, read by the appointments' statement (a UNION ALL: no query more)."""
    blocks: dict[int, dict[int, list]] = defaultdict(lambda: defaultdict(list))
    for hours in WorkingHours.objects.filter(practitioner_id__in=practitioner_ids):
        blocks[hours.practitioner_id][hours.weekday].append((hours.starts, hours.ends))
    busy: dict[int, list[Interval]] = defaultdict(list)
    for off in TimeOff.objects.filter(
        practitioner_id__in=practitioner_ids, starts_at__lt=span.end, ends_at__gt=span.start
    ):
        busy[off.practitioner_id].append(Interval(off.starts_at, off.ends_at))
    # One query for the practitioners' appointments and the patient's own (issue 11): either
    # side of the OR is answered by an exclusion constraint's GiST index.
    holding = Q(practitioner_id__in=practitioner_ids)
    if patient is not None:
        holding |= Q(patient_id=patient.pk)
    patient_busy = []
    ids = set(practitioner_ids)
    columns = ("pk", "practitioner_id", "patient_id", "starts_at", "ends_at")
    held = (
        OnlineBookingHold.objects.unexpired(now or timezone.now())
        .filter(practitioner_id__in=practitioner_ids)
        .overlapping(span.start, span.end)
        .annotate(patient_id=Value(None, output_field=IntegerField()))
        .values_list(*columns)
    )
    for pk, practitioner_id, patient_id, starts_at, ends_at in _compound_rows(
        Appointment.objects.active()
        .filter(holding)
        .overlapping(span.start, span.end)
        .values_list(*columns)
        .union(held, all=True)
    ):
        if practitioner_id in ids:
            busy[practitioner_id].append(Interval(starts_at, ends_at))
        own = patient is not None and patient_id == patient.pk
        if own and (ignore is None or pk != ignore.pk):
            patient_busy.append(Interval(starts_at, ends_at))
    return Availability(blocks=blocks, busy=busy, patient_busy=patient_busy)


@dataclass
class FreeTime:
    """One start time on the booking page and who is free then."""

    slot: Interval
    practitioners: list[Practitioner]

    @property
    def starts_at(self) -> datetime.datetime:
        return timezone.localtime(self.slot.start, clinic_tz())

    @property
    def ends_at(self) -> datetime.datetime:
        return timezone.localtime(self.slot.end, clinic_tz())

    @property
    def value(self) -> str:
        """The form value: an ISO instant with its offset, so 01:30 on the autumn change day is
        unambiguous."""
        return self.starts_at.isoformat()


def _free_times(
    practitioners: list[Practitioner],
    minutes: int,
    days: list[datetime.date],
    availability: Availability,
    now: datetime.datetime,
) -> list[FreeTime]:
    tz = clinic_tz()
    by_start: dict[datetime.datetime, FreeTime] = {}
    for day in days:
        for practitioner in practitioners:
            for slot in scheduling.free_starts(
                day=day,
                minutes=minutes,
                blocks=availability.blocks[practitioner.pk][day.weekday()],
                busy=availability.busy[practitioner.pk] + availability.patient_busy,
                tz=tz,
                not_before=now,
            ):
                by_start.setdefault(slot.start, FreeTime(slot, [])).practitioners.append(
                    practitioner
                )
    return [by_start[start] for start in sorted(by_start)]


@dataclass
class FreeDays:
    """The availability of some practitioners over some consecutive days, loaded once: the free
    times of any type on any of those days come from it without another query."""

    practitioners: list[Practitioner]
    days: list[datetime.date]
    availability: Availability
    now: datetime.datetime

    def times(self, type: AppointmentType, day: datetime.date) -> list[FreeTime]:
        if day not in self.days:
            raise ValueError(f"{day} is outside the days loaded")
        return _free_times(self.practitioners, type.minutes, [day], self.availability, self.now)

    def counts(self, type: AppointmentType) -> dict[datetime.date, int]:
        """How many free start times of ``type`` each day has."""
        return {day: len(self.times(type, day)) for day in self.days}


def free_days(
    *,
    practitioners: list[Practitioner],
    first_day: datetime.date,
    days: int = 1,
    patient: Patient | None = None,
    ignore: Appointment | None = None,
    now: datetime.datetime | None = None,
) -> FreeDays:
    """Working hours minus time off minus active appointments of ``practitioners`` from
    ``first_day`` for ``days`` days; with ``patient``, minus that patient's own other active
    appointments (with anyone: the booking service refuses an overlap, so the page does not
    offer one), except ``ignore``. Three queries whatever the span."""
    practitioners = list(practitioners)
    tz = clinic_tz()
    all_days = [first_day + datetime.timedelta(days=n) for n in range(days)]
    span = Interval(
        scheduling.day_bounds(all_days[0], tz).start, scheduling.day_bounds(all_days[-1], tz).end
    )
    now = now or timezone.now()
    availability = _availability(
        [p.pk for p in practitioners], span, patient=patient, ignore=ignore, now=now
    )
    return FreeDays(practitioners, all_days, availability, now)


def free_times(
    *,
    type: AppointmentType,
    practitioners: list[Practitioner],
    day: datetime.date,
    now: datetime.datetime | None = None,
    patient: Patient | None = None,
    ignore: Appointment | None = None,
) -> list[FreeTime]:
    """The free start times of ``type`` on ``day`` for any of ``practitioners``: working hours
    minus time off minus active appointments (the patient's own too, when given), none in the
    past. Three queries."""
    found = free_days(
        practitioners=practitioners, first_day=day, patient=patient, ignore=ignore, now=now
    )
    return found.times(type, day)


def next_free_times(
    *,
    type: AppointmentType,
    practitioners: list[Practitioner],
    after: datetime.datetime,
    limit: int = NEXT_FREE_LIMIT,
    days: int = NEXT_FREE_DAYS,
    now: datetime.datetime | None = None,
    patient: Patient | None = None,
) -> list[FreeTime]:
    """The first ``limit`` free start times from ``after`` on, looking ``days`` ahead. Three
    queries whatever the span."""
    practitioners = list(practitioners)
    first_day = timezone.localtime(after, clinic_tz()).date()
    found = free_days(
        practitioners=practitioners, first_day=first_day, days=days, patient=patient, now=now
    )
    not_before = max(after, found.now)
    return _free_times(practitioners, type.minutes, found.days, found.availability, not_before)[
        :limit
    ]


def practitioners_free_at(
    *, type: AppointmentType, starts_at: datetime.datetime, now: datetime.datetime | None = None
) -> list[Practitioner]:
    """The bookable practitioners for whom ``starts_at`` is one of free_times()'s starts of
    ``type`` (the booking POST's "any practitioner"), in the same order, in one query (issue
    11): each one's working hours of that weekday come as an array, and time off or an active
    appointment over the slot leaves them out (NOT EXISTS on their indexes). Whether the start
    fits the working hours and the 15-minute grid is scheduling.free_starts' own arithmetic;
    the slot's overlaps are what the query already excluded."""
    tz = clinic_tz()
    day = timezone.localtime(starts_at, tz).date()
    slot = Interval(starts_at, scheduling.add_minutes(starts_at, type.minutes))
    candidates = (
        bookable_practitioners()
        .annotate(
            day_hours=ArraySubquery(
                WorkingHours.objects.filter(
                    practitioner=OuterRef("pk"), weekday=day.weekday()
                ).values(json=JSONObject(starts="starts", ends="ends"))
            )
        )
        .exclude(
            Exists(
                TimeOff.objects.filter(
                    practitioner=OuterRef("pk"), starts_at__lt=slot.end, ends_at__gt=slot.start
                )
            )
        )
        .exclude(
            Exists(
                Appointment.objects.active()
                .filter(practitioner=OuterRef("pk"))
                .overlapping(slot.start, slot.end)
            )
        )
        # Issue 13: nor one whose time there is held for an online booking.
        .exclude(
            Exists(
                OnlineBookingHold.objects.unexpired(now or timezone.now())
                .filter(practitioner=OuterRef("pk"))
                .overlapping(slot.start, slot.end)
            )
        )
    )
    free = []
    for practitioner in candidates:
        blocks = [
            (datetime.time.fromisoformat(h["starts"]), datetime.time.fromisoformat(h["ends"]))
            for h in practitioner.day_hours
        ]
        starts = scheduling.free_starts(
            day=day,
            minutes=type.minutes,
            blocks=blocks,
            busy=[],
            tz=tz,
            not_before=now or timezone.now(),
        )
        if any(s.start == starts_at for s in starts):
            free.append(practitioner)
    return free


# Issue 10: the booking page groups the free times of a day by the wall clock.
DAY_PARTS = (
    ("Morning", datetime.time(0), datetime.time(12)),
    ("Afternoon", datetime.time(12), datetime.time(17)),
    ("Evening", datetime.time(17), datetime.time.max),
)


@dataclass
class DayPart:
    name: str
    times: list[FreeTime]


def day_parts(times: list[FreeTime]) -> list[DayPart]:
    """``times`` grouped Morning (before 12:00), Afternoon (12:00 to 17:00) and Evening (from
    17:00) by their wall-clock start, in order; a part without a free time is left out."""
    parts = []
    for name, starts, ends in DAY_PARTS:
        mine = [t for t in times if starts <= t.starts_at.time() < ends]
        if mine:
            parts.append(DayPart(name, mine))
    return parts


# --- what the booking page preselects (issue 10) ----------------------------------------------


def has_been_assessed(*, patient: Patient, before: datetime.datetime | None = None) -> bool:
    """Whether the patient has had an initial assessment: one booked, arrived or completed that
    starts before ``before`` (any, when None), or a clinical visit on record (every visit holds
    an assessment; "visits" is the treatments app's reverse name, used without importing it).
    One query."""
    initial = Q(
        appointments__type__kind=AppointmentKind.INITIAL_ASSESSMENT,
        appointments__status__in=[s.value for s in ACTIVE_STATUSES],
    )
    if before is not None:
        initial &= Q(appointments__starts_at__lt=before)
    return Patient.objects.filter(pk=patient.pk).filter(initial | Q(visits__isnull=False)).exists()


def last_practitioner_id(*, patient: Patient) -> int | None:
    """The practitioner of the patient's latest appointment that held its time, if still
    bookable: the booking page offers the same one first. One query."""
    return (
        Appointment.objects.active()
        .filter(patient=patient, practitioner__active=True)
        .order_by("-starts_at", "-pk")
        .values_list("practitioner_id", flat=True)
        .first()
    )


def suggested_type(
    types: list[AppointmentType], *, assessed: bool | None, fits=None
) -> AppointmentType | None:
    """The type the booking page preselects among ``types``: the follow-up for a patient who has
    been assessed, the initial assessment otherwise (``assessed`` None: a new caller, so the
    consultation call). When ``fits(type)`` says it does not fit the chosen time, the
    consultation call if that fits (only a few minutes are free there), else the first
    preference anyway (the page then says the time is not free for it). No query."""
    by_kind: dict[str, AppointmentType] = {}
    for type in types:
        by_kind.setdefault(type.kind, type)
    if assessed is None:
        preferences = [AppointmentKind.CONSULTATION]
    elif assessed:
        preferences = [AppointmentKind.FOLLOW_UP, AppointmentKind.CONSULTATION]
    else:
        preferences = [AppointmentKind.INITIAL_ASSESSMENT, AppointmentKind.CONSULTATION]
    candidates = [by_kind[kind] for kind in preferences if kind in by_kind]
    if fits is not None:
        for type in candidates:
            if fits(type):
                return type
    if candidates:
        return candidates[0]
    return types[0] if types else None


# --- the schedule grid --------------------------------------------------------------------


@dataclass
class Cell:
    kind: str  # "appointments", "free", "past", "closed", "away" or "held" (issue 13)
    practitioner: Practitioner
    day: datetime.date
    time: datetime.time
    rowspan: int = 1
    appointments: list[Appointment] = field(default_factory=list)
    # Issue 11: a free cell's booking link query and its words for a screen reader, built once
    # here (the template would format the day, the time and a URL for each of ~1,500 cells).
    query: str = ""
    label: str = ""


@dataclass
class Row:
    time: datetime.time
    cells: list[Cell]
    label: str = ""  # "HH:MM"


@dataclass
class Column:
    practitioner: Practitioner
    day: datetime.date


@dataclass
class Grid:
    columns: list[Column]
    rows: list[Row]
    # Cancelled and no-show appointments, listed under the grid: their time is free again.
    inactive: list[Appointment]

    @property
    def appointment_count(self) -> int:
        return sum(len(c.appointments) for row in self.rows for c in row.cells)


DEFAULT_OPEN = datetime.time(8, 0)
DEFAULT_CLOSE = datetime.time(18, 0)


def _wall_minutes(instant: datetime.datetime, day: datetime.date, tz) -> int:
    local = instant.astimezone(tz)
    if local.date() < day:
        return 0
    if local.date() > day:
        return 24 * 60
    return local.hour * 60 + local.minute


def _grid(columns: list[Column], data: "ScheduleData", now: datetime.datetime) -> Grid:
    tz = clinic_tz()
    active = [a for a in data.appointments if a.status in ACTIVE_STATUSES]
    inactive = [a for a in data.appointments if a.status not in ACTIVE_STATUSES]
    # Issue 10: an appointment still booked during its practitioner's time off is a clash the
    # grid marks in words (the time off page lists them; the manager moves, cancels or keeps).
    for appointment in active:
        span = Interval(appointment.starts_at, appointment.ends_at)
        appointment.during_time_off = any(
            span.overlaps(off) for off in data.away.get(appointment.practitioner_id, ())
        )

    # The rows span every column's working hours and every appointment shown.
    walls = []
    for column in columns:
        for start, end in data.blocks[column.practitioner.pk][column.day.weekday()]:
            walls += [start, end]
    for appointment in active:
        start = appointment.starts_at.astimezone(tz)
        end = appointment.ends_at.astimezone(tz)
        walls += [start.time(), end.time() if end.date() == start.date() else datetime.time.max]
        appointment.time_label = f"{start:%H:%M}\u2013{end:%H:%M}"
    times = scheduling.grid_times(
        min(walls, default=DEFAULT_OPEN), max(walls, default=DEFAULT_CLOSE)
    )
    if not times:
        times = scheduling.grid_times(DEFAULT_OPEN, DEFAULT_CLOSE)
    first = times[0].hour * 60 + times[0].minute
    step = scheduling.SLOT_MINUTES

    grid_rows = [Row(time=t, cells=[], label=f"{t:%H:%M}") for t in times]
    for column in columns:
        day_iso = f"{column.day:%Y-%m-%d}"
        day_words = dateformat.format(column.day, "D j M")
        practitioner_words = str(column.practitioner)
        # Appointments become blocks of rows; ones that share a row (an odd start time booked
        # with an override) share one cell rather than breaking the table.
        mine = sorted(
            (
                a
                for a in active
                if a.practitioner_id == column.practitioner.pk
                and a.starts_at.astimezone(tz).date() <= column.day
                and a.ends_at.astimezone(tz).date() >= column.day
            ),
            key=lambda a: a.starts_at,
        )
        groups: list[list] = []  # [first_row, last_row_exclusive, appointments]
        for appointment in mine:
            start_row = max(
                0, (_wall_minutes(appointment.starts_at, column.day, tz) - first) // step
            )
            end_minutes = _wall_minutes(appointment.ends_at, column.day, tz) - first
            end_row = min(len(times), max(start_row + 1, -(-end_minutes // step)))
            if start_row >= len(times):
                continue
            if groups and start_row < groups[-1][1]:
                groups[-1][1] = max(groups[-1][1], end_row)
                groups[-1][2].append(appointment)
            else:
                groups.append([start_row, end_row, [appointment]])
        covered = {}
        for start_row, end_row, members in groups:
            covered[start_row] = (end_row - start_row, members)
            for row in range(start_row + 1, end_row):
                covered[row] = None

        working = scheduling.working_intervals(
            column.day,
            data.blocks[column.practitioner.pk][column.day.weekday()],
            tz,
        )
        away = data.away[column.practitioner.pk]
        held = data.held.get(column.practitioner.pk, ())
        for index, row in enumerate(grid_rows):
            if index in covered:
                if covered[index] is not None:
                    rowspan, members = covered[index]
                    row.cells.append(
                        Cell(
                            "appointments",
                            column.practitioner,
                            column.day,
                            row.time,
                            rowspan=rowspan,
                            appointments=members,
                        )
                    )
                continue
            start = scheduling.local_instant(column.day, row.time, tz)
            slot = Interval(start, start + scheduling.SLOT)
            if any(slot.overlaps(off) for off in away):
                kind = "away"
            elif held and start >= now and any(slot.overlaps(h) for h in held):
                kind = "held"
            elif any(block.contains(slot) for block in working):
                kind = "free" if start >= now else "past"
            else:
                kind = "closed"
            cell = Cell(kind, column.practitioner, column.day, row.time)
            if kind == "free":
                cell.query = f"practitioner={column.practitioner.pk}&day={day_iso}&time={row.label}"
                cell.label = f"{day_words} {row.label} with {practitioner_words}"
            row.cells.append(cell)
    return Grid(columns=columns, rows=grid_rows, inactive=inactive)


@dataclass
class ScheduleData:
    blocks: dict[int, dict[int, list[tuple[datetime.time, datetime.time]]]]
    away: dict[int, list[Interval]]
    appointments: list[Appointment]
    held: dict[int, list[Interval]] = field(default_factory=dict)


def _schedule_data(practitioners: list[Practitioner], span: Interval) -> ScheduleData:
    """Working hours, time off and every appointment (any status) in ``span``: three queries."""
    practitioner_ids = [p.pk for p in practitioners]
    blocks: dict[int, dict[int, list]] = defaultdict(lambda: defaultdict(list))
    for hours in WorkingHours.objects.filter(practitioner_id__in=practitioner_ids):
        blocks[hours.practitioner_id][hours.weekday].append((hours.starts, hours.ends))
    away: dict[int, list[Interval]] = defaultdict(list)
    held: dict[int, list[Interval]] = defaultdict(list)
    # Issue 13: unexpired online holds come with the time off (UNION ALL: no query more); the
    # grid marks their free cells "Held online, unconfirmed".
    columns = ("practitioner_id", "starts_at", "ends_at", "is_hold")
    holds = (
        OnlineBookingHold.objects.unexpired(timezone.now())
        .filter(practitioner_id__in=practitioner_ids)
        .overlapping(span.start, span.end)
        .annotate(is_hold=Value(True))
        .values_list(*columns)
    )
    for practitioner_id, starts_at, ends_at, is_hold in _compound_rows(
        TimeOff.objects.filter(
            practitioner_id__in=practitioner_ids, starts_at__lt=span.end, ends_at__gt=span.start
        )
        .annotate(is_hold=Value(False))
        .values_list(*columns)
        .union(holds, all=True)
    ):
        (held if is_hold else away)[practitioner_id].append(Interval(starts_at, ends_at))
    appointments = list(
        Appointment.objects.filter(practitioner_id__in=practitioner_ids)
        .overlapping(span.start, span.end)
        # "visit" is the clinical visit recording the appointment (treatments' reverse one-to-one,
        # named here without importing it): the grid says whether the patient was seen and
        # charted.
        .select_related("patient", "type", "visit")
        .order_by("starts_at", "pk")
    )
    # The practitioner (named in the list of cancelled and no-show appointments) is one of the
    # columns' already: no join for it (issue 11).
    by_id = {p.pk: p for p in practitioners}
    for appointment in appointments:
        appointment.practitioner = by_id[appointment.practitioner_id]
    return ScheduleData(blocks=blocks, away=away, appointments=appointments, held=held)


def schedule_day(*, day: datetime.date, now: datetime.datetime | None = None) -> Grid:
    """The front desk's day: one column per active practitioner. Four queries."""
    practitioners = list(bookable_practitioners())
    columns = [Column(practitioner=p, day=day) for p in practitioners]
    data = _schedule_data(practitioners, scheduling.day_bounds(day, clinic_tz()))
    return _grid(columns, data, now or timezone.now())


def week_start(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def schedule_week(
    *, practitioner: Practitioner, day: datetime.date, now: datetime.datetime | None = None
) -> Grid:
    """One practitioner's week (Monday to Sunday) around ``day``, a column per day; weekend days
    only when they have working hours or appointments. Three queries."""
    tz = clinic_tz()
    monday = week_start(day)
    days = [monday + datetime.timedelta(days=n) for n in range(7)]
    span = Interval(
        scheduling.day_bounds(days[0], tz).start, scheduling.day_bounds(days[-1], tz).end
    )
    data = _schedule_data([practitioner], span)
    booked_days = {a.starts_at.astimezone(tz).date() for a in data.appointments}
    worked_days = set(data.blocks[practitioner.pk])
    shown = [d for d in days if d.weekday() < 5 or d.weekday() in worked_days or d in booked_days]
    columns = [Column(practitioner=practitioner, day=d) for d in shown]
    return _grid(columns, data, now or timezone.now())


# --- the patient page ---------------------------------------------------------------------


def patient_appointments(
    *,
    patient: Patient,
    now: datetime.datetime | None = None,
    limit: int = PATIENT_PAGE_APPOINTMENTS,
) -> tuple[list[Appointment], list[Appointment]]:
    """(upcoming, past) for the patient page, ``limit`` of each, any status: upcoming (not
    ended yet) soonest first, past latest first. Two queries."""
    now = now or timezone.now()
    base = Appointment.objects.filter(patient=patient).select_related("practitioner", "type")
    upcoming = list(base.not_ended(now).order_by("starts_at", "pk")[:limit])
    past = list(base.filter(ends_at__lte=now).order_by("-starts_at", "-pk")[:limit])
    for appointment in upcoming + past:
        appointment.patient = patient  # no query per row for cancelled_online (issue 10)
    return upcoming, past


def appointments_cancelled_by_archiving(*, patient, now: datetime.datetime | None = None):
    """Issue 10: the patient's booked appointments still to start, which archiving cancels."""
    now = now or timezone.now()
    return (
        Appointment.objects.filter(
            patient=patient, status=AppointmentStatus.BOOKED, starts_at__gt=now
        )
        .select_related("type", "practitioner")
        .order_by("starts_at", "pk")
    )


def upcoming_for_portal(*, user, now: datetime.datetime | None = None, limit: int = 20):
    """A portal user's own upcoming booked or arrived appointments, soonest first."""
    now = now or timezone.now()
    return list(
        Appointment.objects.visible_to(user)
        .not_ended(now)
        .filter(status__in=[AppointmentStatus.BOOKED, AppointmentStatus.ARRIVED])
        .select_related("practitioner", "type")
        .order_by("starts_at", "pk")[:limit]
    )


# --- possible duplicates at registration ----------------------------------------------------

# At most this many possible duplicates are listed on the registration form.
DUPLICATE_LIMIT = 5
# Fewer digits than a dialable number would match too much (the form asks for 7 to 15).
DUPLICATE_PHONE_MIN_DIGITS = 7


@dataclass
class PossibleDuplicate:
    patient: Patient
    reasons: list[str]


def possible_duplicates(
    *, first_name, last_name, date_of_birth, phone, email, exclude=None
) -> list[PossibleDuplicate]:
    """Active records that may be the same person as the one being registered or edited: the
    same name (ignoring letter case and spacing) and date of birth, the same phone digits, or the
    same email (ignoring case). One query on indexed columns (``search_name`` and
    ``date_of_birth``, ``phone_digits``, ``lower(email)``), at most DUPLICATE_LIMIT rows.
    ``exclude`` is the record being edited."""
    conditions = []
    name = " ".join(f"{first_name or ''} {last_name or ''}".split()).lower()
    if first_name and last_name and date_of_birth:
        conditions.append(Q(search_name=name, date_of_birth=date_of_birth))
    digits = phone_digits(phone or "")
    if len(digits) >= DUPLICATE_PHONE_MIN_DIGITS:
        conditions.append(Q(phone_digits=digits))
    email = (email or "").strip().lower()
    if email:
        conditions.append(Q(email_lower=email))
    if not conditions:
        return []
    condition = conditions[0]
    for other in conditions[1:]:
        condition |= other
    patients = Patient.objects.active().annotate(email_lower=Lower("email")).filter(condition)
    if exclude is not None and exclude.pk is not None:
        patients = patients.exclude(pk=exclude.pk)
    found = []
    for patient in patients.order_by("last_name", "first_name", "pk")[:DUPLICATE_LIMIT]:
        reasons = []
        # Issue 13: an online booking has no date of birth; two unknown ones are no match.
        if date_of_birth and patient.search_name == name and patient.date_of_birth == date_of_birth:
            reasons.append("same name and date of birth")
        if len(digits) >= DUPLICATE_PHONE_MIN_DIGITS and patient.phone_digits == digits:
            reasons.append("same phone")
        if email and patient.email_lower == email:
            reasons.append("same email")
        found.append(PossibleDuplicate(patient=patient, reasons=reasons))
    return found
