"""The IASTR session's helpers beyond recording one application (issue 12): the values a new
application starts from, repeating an application on the other side, and the dose so far per
region and side across the patient's visits."""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, Sum

from treatments.models import Application, Side, Visit
from treatments.services.visits import application_add

# What a new application starts from: the previous one's technique (the region, side and time
# change from one application to the next; these rarely do).
CARRIED_FIELDS = ("instrument", "stroke", "direction", "pressure")
OTHER_SIDE = {Side.LEFT: Side.RIGHT, Side.RIGHT: Side.LEFT}


def application_initial(applications) -> dict:
    """Initial values of the "Add an application" form: the last application's technique."""
    applications = list(applications)
    if not applications:
        return {}
    last = applications[-1]
    return {
        "instrument": last.instrument_id,
        "stroke": last.stroke_id,
        "direction": last.direction,
        "pressure": last.pressure,
    }


def application_repeat_other_side(*, visit: Visit, application: Application) -> Application:
    """The same application (instrument, stroke, direction, pressure, angle and time) on the
    other side of a sided region. The other side meets every rule a new application meets
    (screening, refused sites, consent, the side fitting the region), in the same words."""
    other = OTHER_SIDE.get(application.side)
    region = application.region
    if other is None or not region.sided:
        raise ValidationError(
            f"{region.label} ({Side(application.side).label.lower()}) has no other side to "
            "repeat the application on.",
            code="no_other_side",
        )
    try:
        return application_add(
            visit=visit,
            region=region,
            side=other,
            instrument=application.instrument,
            stroke=application.stroke,
            direction=application.direction,
            pressure=application.pressure,
            angle_degrees=application.angle_degrees,
            duration_seconds=application.duration_seconds,
        )
    except ValidationError as exc:
        raise ValidationError(
            f"Not repeated on {region.label} ({Side(other).label.lower()}): "
            + " ".join(exc.messages),
            code="refused",
        ) from exc


# --- The dose so far --------------------------------------------------------------------------

WEEK_DAYS = 7
RECENT_DAYS = 28  # "the last 4 weeks"


@dataclass
class RegionDose:
    """Seconds of IASTR at one region and side, up to the visit's day."""

    region: str
    side: str
    this_visit: int
    last_4_weeks: int
    all_time: int
    last_7_days: int
    previous_day: bool
    over_weekly: bool = False
    warnings: list[str] = field(default_factory=list)

    @property
    def site(self) -> str:
        return f"{self.region} ({Side(self.side).label.lower()})"

    @property
    def this_visit_display(self) -> str:
        return m_ss(self.this_visit)

    @property
    def last_4_weeks_display(self) -> str:
        return m_ss(self.last_4_weeks)

    @property
    def all_time_display(self) -> str:
        return m_ss(self.all_time)


@dataclass
class DoseSummary:
    rows: list[RegionDose]
    weekly_limit: int

    @property
    def warnings(self) -> list[str]:
        return [warning for row in self.rows for warning in row.warnings]

    @property
    def weekly_limit_display(self) -> str:
        return m_ss(self.weekly_limit)


def m_ss(seconds: int) -> str:
    return f"{seconds // 60}:{seconds % 60:02d}"


def iastr_dose(visit: Visit) -> DoseSummary:
    """The patient's cumulative IASTR time per region and side, in this visit, over the last 4
    weeks (28 days to the visit's day, included) and in all their visits up to that day, with the
    warnings: more than ``IASTR_WEEKLY_LIMIT_SECONDS`` in the last 7 days, or the same site
    treated on the previous calendar day. One aggregate query, whatever the number of visits.

    A later visit of the patient (reading an older one) does not count. "Both" is its own site:
    it is not split between left and right."""
    day = visit.date
    limit = settings.IASTR_WEEKLY_LIMIT_SECONDS
    seconds = "duration_seconds"
    visit_day = "session__visit__date"
    rows = (
        Application.objects.filter(
            session__visit__patient_id=visit.patient_id, **{f"{visit_day}__lte": day}
        )
        .values("region__label", "region__position", "side")
        .annotate(
            this_visit=Sum(seconds, filter=Q(session__visit_id=visit.pk), default=0),
            last_4_weeks=Sum(
                seconds,
                filter=Q(**{f"{visit_day}__gt": day - datetime.timedelta(days=RECENT_DAYS)}),
                default=0,
            ),
            last_7_days=Sum(
                seconds,
                filter=Q(**{f"{visit_day}__gt": day - datetime.timedelta(days=WEEK_DAYS)}),
                default=0,
            ),
            previous_day=Count("pk", filter=Q(**{visit_day: day - datetime.timedelta(days=1)})),
            all_time=Sum(seconds, default=0),
        )
        .order_by("region__position", "region__label", "side")
    )
    doses = []
    for row in rows:
        dose = RegionDose(
            region=row["region__label"],
            side=row["side"],
            this_visit=row["this_visit"],
            last_4_weeks=row["last_4_weeks"],
            all_time=row["all_time"],
            last_7_days=row["last_7_days"],
            previous_day=row["previous_day"] > 0,
        )
        if dose.last_7_days > limit:
            dose.over_weekly = True
            dose.warnings.append(
                f"{dose.site}: {m_ss(dose.last_7_days)} of IASTR in the last 7 days, above the "
                f"clinic's weekly guide of {m_ss(limit)} per site."
            )
        if dose.previous_day:
            dose.warnings.append(
                f"{dose.site} was also treated on the previous day "
                f"({day - datetime.timedelta(days=1):%Y-%m-%d}): the tissue may not have "
                "recovered yet."
            )
        doses.append(dose)
    return DoseSummary(rows=doses, weekly_limit=limit)
