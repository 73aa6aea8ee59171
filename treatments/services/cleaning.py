"""Issue 12: recording instrument cleanings, and which instruments need one.

An instrument needs cleaning when it was used in a visit and no cleaning was recorded after that
use. For a visit that has already used it, the question is whether it was cleaned between its
previous use (in another visit) and its first use here: a cleaning afterwards does not make that
use clean. The warning it feeds does not block treatment (the physiotherapist may have cleaned it
without recording it); it asks for the record.
"""

import datetime
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Count, Max
from django.utils import timezone

from revere.services import full_clean_fields
from treatments.models import Application, Instrument, InstrumentCleaning


@transaction.atomic
def instrument_cleaning_record(*, instrument, method, note="", by) -> InstrumentCleaning:
    """Append a cleaning to the log (rows are never edited: the database refuses it)."""
    cleaning = InstrumentCleaning(instrument=instrument, method=method, note=note, cleaned_by=by)
    # The instrument comes from the form's list, the user is signed in, and the method's check
    # constraint is the field's choices: the fields' own checks, no query each.
    full_clean_fields(cleaning)
    cleaning.save()
    return cleaning


@dataclass
class NeedsCleaning:
    instrument_id: int
    name: str
    used_here_at: datetime.datetime | None  # first use in the visit asked about, if any
    last_other_use: datetime.datetime  # the use in another visit not followed by a cleaning
    last_cleaned: datetime.datetime | None


# Each instrument's last use in another visit and its last cleaning are each one step down an
# index ((instrument, created_at) on the applications, (instrument, cleaned_at) on the cleanings):
# ORDER BY ... LIMIT 1 and max() over an index range, not a join of every row (issue 11).
_NEEDS_CLEANING_SQL = """
WITH here AS (
    SELECT a.instrument_id, MIN(a.created_at) AS first_use
    FROM treatments_application a
    JOIN treatments_treatmentsession ts ON ts.id = a.session_id
    WHERE ts.visit_id = %(visit)s
    GROUP BY a.instrument_id
), candidates AS (
    SELECT i.id, i.name, h.first_use, COALESCE(h.first_use, %(now)s) AS until
    FROM treatments_instrument i
    LEFT JOIN here h ON h.instrument_id = i.id
    WHERE i.active OR h.first_use IS NOT NULL
)
SELECT c.id, c.name, c.first_use, used.at AS last_other_use,
       (SELECT MAX(cl.cleaned_at) FROM treatments_instrumentcleaning cl
        WHERE cl.instrument_id = c.id) AS last_cleaned
FROM candidates c
CROSS JOIN LATERAL (
    SELECT a.created_at AS at
    FROM treatments_application a
    JOIN treatments_treatmentsession ts ON ts.id = a.session_id
    WHERE a.instrument_id = c.id
      AND ts.visit_id IS DISTINCT FROM %(visit)s
      AND a.created_at < c.until
    ORDER BY a.instrument_id DESC, a.created_at DESC  -- the (instrument, created_at) index
    LIMIT 1
) used
CROSS JOIN LATERAL (
    SELECT MAX(cl.cleaned_at) AS at
    FROM treatments_instrumentcleaning cl
    WHERE cl.instrument_id = c.id AND cl.cleaned_at <= c.until
) cleaned
WHERE cleaned.at IS NULL OR cleaned.at <= used.at
ORDER BY c.name
"""


def instruments_needing_cleaning(*, visit=None, now=None) -> list[NeedsCleaning]:
    """Active instruments (and any used in ``visit``) not recorded as cleaned since their last
    use in another visit (before their first use in ``visit``, for those it used). One query."""
    params = {"visit": visit.pk if visit is not None else None, "now": now or timezone.now()}
    with connection.cursor() as cursor:
        cursor.execute(_NEEDS_CLEANING_SQL, params)
        return [NeedsCleaning(*row) for row in cursor.fetchall()]


@dataclass
class LogEntry:
    at: datetime.datetime
    kind: str  # "use" or "cleaning"
    instrument: str
    detail: str
    by: str


LOG_LIMIT = 50
APPLICATIONS_PER_USE = 20


def instrument_log(*, instrument=None, limit: int = LOG_LIMIT) -> list[LogEntry]:
    """The latest uses (one per visit: its applications with the instrument, derived from the
    treatment sessions) and cleanings, newest first. Two queries; no patient named."""
    # The latest uses are those of the latest applications: the sessions of the latest
    # ``limit * APPLICATIONS_PER_USE`` applications, read backwards on their time index (issue 11:
    # the log grouped every application ever recorded), then each of those sessions' applications
    # whole, so a use's count and time are exact. Only if those sessions held fewer than
    # ``limit`` uses would the log list fewer: still the latest ones.
    latest = Application.objects.order_by("-created_at")
    uses = Application.objects.all()
    cleanings = InstrumentCleaning.objects.select_related("instrument", "cleaned_by")
    if instrument is not None:
        latest = latest.filter(instrument=instrument)
        uses = uses.filter(instrument=instrument)
        cleanings = cleanings.filter(instrument=instrument)
    uses = (
        uses.filter(session__in=latest.values("session_id")[: limit * APPLICATIONS_PER_USE])
        .values(
            "instrument__name",
            "session__visit_id",
            "session__visit__date",
            "session__visit__practitioner__display_name",
        )
        .annotate(last=Max("created_at"), count=Count("pk"))
    )
    entries = [
        LogEntry(
            at=row["last"],
            kind="use",
            instrument=row["instrument__name"],
            detail=(
                f"Used in a visit of {row['session__visit__date']:%Y-%m-%d}"
                f" ({row['count']} application{'s' if row['count'] != 1 else ''})"
            ),
            by=row["session__visit__practitioner__display_name"],
        )
        for row in uses.order_by("-last")[:limit]
    ]
    entries += [
        LogEntry(
            at=c.cleaned_at,
            kind="cleaning",
            instrument=c.instrument.name,
            detail=c.get_method_display() + (f": {c.note}" if c.note else ""),
            by=c.cleaned_by.get_full_name() or c.cleaned_by.get_username(),
        )
        for c in cleanings.order_by("-cleaned_at", "-pk")[:limit]
    ]
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries[:limit]


def active_instruments():
    return Instrument.objects.filter(active=True).order_by("name")
