"""The report filters from the address bar: a date range and a practitioner. Odd input never
raises: each problem becomes a message and the default is used instead."""

import datetime
from dataclasses import dataclass, field

from django.utils import timezone

from revere import inputs

DEFAULT_DAYS = 90
MAX_DAYS = 731  # two years: the working-minutes count walks the days in Python


@dataclass
class ReportFilters:
    start: datetime.date
    end: datetime.date
    practitioner: object = None  # a Practitioner, or None for all
    problems: list[str] = field(default_factory=list)

    def query(self) -> dict:
        params = {"start": self.start.isoformat(), "end": self.end.isoformat()}
        if self.practitioner is not None:
            params["practitioner"] = str(self.practitioner.pk)
        return params

    def start_moment(self) -> datetime.datetime:
        """The first instant of ``start`` in the clinic's zone."""
        return timezone.make_aware(datetime.datetime.combine(self.start, datetime.time.min))

    def end_moment(self) -> datetime.datetime:
        """The first instant after ``end`` in the clinic's zone."""
        day_after = self.end + datetime.timedelta(days=1)
        return timezone.make_aware(datetime.datetime.combine(day_after, datetime.time.min))


def parse_filters(params, practitioners, *, today=None) -> ReportFilters:
    """``params``: request.GET; ``practitioners``: the list the page offers."""
    today = today or timezone.localdate()
    problems = []
    end = _day(params, "end", problems, "end date") or today
    start = _day(params, "start", problems, "start date") or (
        end - datetime.timedelta(days=DEFAULT_DAYS - 1)
    )
    if start > end:
        problems.append("The start date is after the end date: they have been swapped.")
        start, end = end, start
    if (end - start).days + 1 > MAX_DAYS:
        problems.append(
            f"A report covers at most {MAX_DAYS} days: the start date has been moved to "
            f"{end - datetime.timedelta(days=MAX_DAYS - 1):%Y-%m-%d}."
        )
        start = end - datetime.timedelta(days=MAX_DAYS - 1)
    practitioner = None
    raw = params.get("practitioner", "")
    if raw:
        pk = inputs.pk(raw)
        practitioner = next((p for p in practitioners if p.pk == pk), None)
        if practitioner is None:
            problems.append("No such practitioner: showing every practitioner.")
    return ReportFilters(start=start, end=end, practitioner=practitioner, problems=problems)


def _day(params, name, problems, label):
    raw = params.get(name, "")
    if not raw:
        return None
    value = inputs.day(raw)
    if value is None:
        problems.append(f"The {label} must be a date as YYYY-MM-DD: the default is used instead.")
    return value
