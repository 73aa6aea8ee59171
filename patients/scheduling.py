"""Free-slot arithmetic, pure Python: no database, no settings.

Working hours are wall-clock times in the clinic's zone ("08:00-12:00 on Mondays"); appointments
are instants. Each day's blocks become instants with zoneinfo, and from there every comparison and
every addition happens in UTC. That matters on the days the clocks change: an aware datetime in a
ZoneInfo zone adds a timedelta to its wall time, and two datetimes in the same zone compare by wall
time ignoring ``fold``, so both would be an hour off around the change. In UTC neither happens.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

UTC = datetime.UTC
SLOT_MINUTES = 15
SLOT = datetime.timedelta(minutes=SLOT_MINUTES)


@dataclass(frozen=True, order=True)
class Interval:
    """A half-open span of time [start, end) between two aware instants."""

    start: datetime.datetime
    end: datetime.datetime

    def overlaps(self, other: "Interval") -> bool:
        return self.start < other.end and other.start < self.end

    def contains(self, other: "Interval") -> bool:
        return self.start <= other.start and other.end <= self.end


def local_instant(day: datetime.date, wall: datetime.time, tz: ZoneInfo) -> datetime.datetime:
    """The UTC instant at which the clinic's clocks show ``wall`` on ``day``.

    A wall time that happens twice (the autumn change) is its first occurrence; one that does not
    exist (the spring gap) is read with the offset in force before the change, so it lands after
    the gap, as zoneinfo does by default (PEP 495, fold=0).
    """
    return datetime.datetime.combine(day, wall, tzinfo=tz).astimezone(UTC)


def day_bounds(day: datetime.date, tz: ZoneInfo) -> Interval:
    """Midnight to midnight in the clinic's zone: 23, 24 or 25 hours long."""
    return Interval(
        local_instant(day, datetime.time.min, tz),
        local_instant(day + datetime.timedelta(days=1), datetime.time.min, tz),
    )


def add_minutes(instant: datetime.datetime, minutes: int) -> datetime.datetime:
    """``instant`` plus elapsed minutes (in UTC, so a 60-minute appointment lasts 60 minutes on
    a daylight-saving change day too)."""
    return instant.astimezone(UTC) + datetime.timedelta(minutes=minutes)


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, with overlapping or touching intervals joined (08:00-12:00 and 12:00-13:00 make
    one block, so an appointment may run across the join)."""
    merged: list[Interval] = []
    for interval in sorted(intervals):
        if merged and interval.start <= merged[-1].end:
            if interval.end > merged[-1].end:
                merged[-1] = Interval(merged[-1].start, interval.end)
        else:
            merged.append(interval)
    return merged


def working_intervals(
    day: datetime.date,
    blocks: Iterable[tuple[datetime.time, datetime.time]],
    tz: ZoneInfo,
) -> list[Interval]:
    """One day's working-hours blocks (wall-clock start and end) as merged UTC intervals."""
    return merge(
        Interval(local_instant(day, start, tz), local_instant(day, end, tz))
        for start, end in blocks
        if end > start
    )


def free_starts(
    *,
    day: datetime.date,
    minutes: int,
    blocks: Iterable[tuple[datetime.time, datetime.time]],
    busy: Iterable[Interval],
    tz: ZoneInfo,
    not_before: datetime.datetime | None = None,
) -> list[Interval]:
    """Every slot of ``minutes`` that fits inside one of the day's working blocks, starts on the
    15-minute grid counted from the block's start, overlaps nothing in ``busy`` (appointments that
    hold their time, time off) and does not start before ``not_before``. Sorted by start."""
    length = datetime.timedelta(minutes=minutes)
    busy = merge(busy)
    slots = []
    for block in working_intervals(day, blocks, tz):
        start = block.start
        while start + length <= block.end:
            slot = Interval(start, start + length)
            if (not_before is None or start >= not_before) and not any(
                slot.overlaps(b) for b in busy
            ):
                slots.append(slot)
            start += SLOT
    return slots


def within_working_hours(
    interval: Interval,
    blocks_by_weekday: dict[int, list[tuple[datetime.time, datetime.time]]],
    tz: ZoneInfo,
) -> bool:
    """Whether ``interval`` lies inside one (merged) working block of its local day."""
    day = interval.start.astimezone(tz).date()
    return any(
        block.contains(interval)
        for block in working_intervals(day, blocks_by_weekday.get(day.weekday(), ()), tz)
    )


def grid_times(earliest: datetime.time, latest: datetime.time) -> list[datetime.time]:
    """The rows of a schedule grid: wall-clock quarter hours from ``earliest`` (rounded down)
    up to, not including, ``latest`` (rounded up)."""
    start = earliest.hour * 60 + earliest.minute // SLOT_MINUTES * SLOT_MINUTES
    end_minutes = latest.hour * 60 + latest.minute
    if latest.second or latest.microsecond:
        end_minutes += 1
    end = -(-end_minutes // SLOT_MINUTES) * SLOT_MINUTES
    return [datetime.time(m // 60, m % 60) for m in range(start, min(end, 24 * 60), SLOT_MINUTES)]
