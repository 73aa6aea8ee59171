"""Free-slot arithmetic (patients/scheduling.py): working-hour edges, time off, bookings, and the
clinic time zone's daylight-saving change days. Pure Python, no database."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from patients import scheduling
from patients.scheduling import Interval

VANCOUVER = ZoneInfo("America/Vancouver")
UTC = datetime.UTC
MORNING = [(datetime.time(8), datetime.time(12))]
DAY = [(datetime.time(8), datetime.time(12)), (datetime.time(13), datetime.time(17))]
MONDAY = datetime.date(2026, 6, 1)


def local(day, hhmm, tz=VANCOUVER):
    hour, minute = map(int, hhmm.split(":"))
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=tz)


def walls(slots, tz=VANCOUVER):
    return [slot.start.astimezone(tz).strftime("%H:%M") for slot in slots]


def free(day=MONDAY, minutes=30, blocks=MORNING, busy=(), **kwargs):
    return scheduling.free_starts(
        day=day, minutes=minutes, blocks=blocks, busy=busy, tz=VANCOUVER, **kwargs
    )


def test_slots_start_every_quarter_hour_and_the_last_one_ends_with_the_block():
    slots = free(minutes=30)
    assert walls(slots)[:3] == ["08:00", "08:15", "08:30"]
    assert walls(slots)[-1] == "11:30"
    assert slots[-1].end == local(MONDAY, "12:00")


def test_a_60_minute_type_does_not_fit_in_the_last_30_minutes_of_a_block():
    slots = free(minutes=60, blocks=DAY)
    starts = walls(slots)
    assert "11:00" in starts
    assert "11:15" not in starts and "11:30" not in starts and "11:45" not in starts
    assert "16:00" in starts and "16:30" not in starts
    # The lunch break is not bookable either.
    assert not any("12:00" <= s < "13:00" for s in starts)


def test_touching_blocks_merge_so_an_appointment_can_run_across_the_join():
    blocks = [(datetime.time(8), datetime.time(10)), (datetime.time(10), datetime.time(12))]
    assert "09:30" in walls(free(minutes=60, blocks=blocks))


def test_an_existing_booking_removes_every_start_that_would_overlap_it():
    booked = Interval(local(MONDAY, "09:00"), local(MONDAY, "09:30"))
    starts = walls(free(minutes=30, busy=[booked]))
    assert "08:30" in starts  # ends at 09:00: back to back is fine
    assert "08:45" not in starts and "09:00" not in starts and "09:15" not in starts
    assert "09:30" in starts  # starts when the other ends


def test_time_off_removes_the_slots_it_covers():
    away = Interval(local(MONDAY, "10:00"), local(MONDAY, "14:00"))
    starts = walls(free(minutes=30, blocks=DAY, busy=[away]))
    assert starts[-1] == "16:30"
    assert "09:30" in starts and "09:45" not in starts
    assert not any("10:00" <= s < "14:00" for s in starts)
    assert "14:00" in starts


def test_time_off_over_the_whole_day_leaves_nothing():
    away = Interval(local(MONDAY, "00:00"), local(MONDAY + datetime.timedelta(days=1), "00:00"))
    assert free(blocks=DAY, busy=[away]) == []


def test_no_start_before_now():
    now = local(MONDAY, "09:05")
    assert walls(free(not_before=now))[0] == "09:15"


def test_a_day_without_working_hours_has_no_slots():
    assert free(blocks=[]) == []


@pytest.mark.parametrize("minutes", [10, 30, 60])
def test_spring_forward_day_slots_sit_at_the_right_wall_times_and_last_the_right_time(minutes):
    # 2026-03-08: clocks in Vancouver jump from 02:00 PST to 03:00 PDT.
    day = datetime.date(2026, 3, 8)
    slots = free(day=day, minutes=minutes, blocks=DAY)
    assert walls(slots)[0] == "08:00"
    assert slots[0].start == datetime.datetime(2026, 3, 8, 15, 0, tzinfo=UTC)  # 08:00 PDT
    for slot in slots:
        assert slot.end - slot.start == datetime.timedelta(minutes=minutes)
        assert slot.start.astimezone(VANCOUVER).minute % 15 == 0
    assert slots[-1].end.astimezone(VANCOUVER).strftime("%H:%M") <= "17:00"


@pytest.mark.parametrize("minutes", [10, 30, 60])
def test_fall_back_day_slots_sit_at_the_right_wall_times_and_last_the_right_time(minutes):
    # 2025-11-02: clocks go back from 02:00 PDT to 01:00 PST (the last time: BC keeps daylight
    # time from 2026, tzdata 2026).
    day = datetime.date(2025, 11, 2)
    slots = free(day=day, minutes=minutes, blocks=DAY)
    assert slots[0].start == datetime.datetime(2025, 11, 2, 16, 0, tzinfo=UTC)  # 08:00 PST
    expected_count = {10: 32, 30: 30, 60: 26}[minutes]
    assert len(slots) == expected_count
    for slot in slots:
        assert slot.end - slot.start == datetime.timedelta(minutes=minutes)


def test_working_hours_across_the_spring_gap_offer_only_real_times():
    day = datetime.date(2026, 3, 8)
    slots = free(day=day, minutes=60, blocks=[(datetime.time(0), datetime.time(5))])
    starts = walls(slots)
    assert "02:00" not in starts and "02:30" not in starts  # those wall times never happen
    assert starts[:2] == ["00:00", "00:15"]
    assert "01:00" in starts  # 01:00 PST to 03:00 PDT is one real hour
    # 00:00 to 05:00 on that day is four real hours: starts every 15 min for three of them.
    assert len(slots) == 13
    assert all(s.end - s.start == datetime.timedelta(hours=1) for s in slots)


def test_working_hours_across_the_autumn_repeat_offer_both_01_30s():
    day = datetime.date(2025, 11, 2)
    slots = free(day=day, minutes=30, blocks=[(datetime.time(0), datetime.time(3))])
    starts = walls(slots)
    assert starts.count("01:30") == 2  # 01:30 PDT and, an hour later, 01:30 PST
    assert len(slots) == 4 * 4 - 1  # four real hours, minus the last half-hour's starts


def test_add_minutes_counts_elapsed_time_across_the_change():
    start = datetime.datetime(2025, 11, 2, 1, 30, tzinfo=VANCOUVER)  # first 01:30, PDT
    end = scheduling.add_minutes(start, 60)
    assert end - start.astimezone(UTC) == datetime.timedelta(minutes=60)
    assert end.astimezone(VANCOUVER).strftime("%H:%M %Z") == "01:30 PST"


def test_day_bounds_are_23_and_25_hours_on_change_days():
    assert scheduling.day_bounds(datetime.date(2026, 3, 8), VANCOUVER).end - scheduling.day_bounds(
        datetime.date(2026, 3, 8), VANCOUVER
    ).start == datetime.timedelta(hours=23)
    bounds = scheduling.day_bounds(datetime.date(2025, 11, 2), VANCOUVER)
    assert bounds.end - bounds.start == datetime.timedelta(hours=25)


def test_within_working_hours_needs_the_whole_appointment_inside_one_block():
    blocks = {0: DAY}
    inside = Interval(local(MONDAY, "11:00"), local(MONDAY, "12:00"))
    across_lunch = Interval(local(MONDAY, "11:30"), local(MONDAY, "12:30"))
    early = Interval(local(MONDAY, "07:45"), local(MONDAY, "08:15"))
    assert scheduling.within_working_hours(inside, blocks, VANCOUVER)
    assert not scheduling.within_working_hours(across_lunch, blocks, VANCOUVER)
    assert not scheduling.within_working_hours(early, blocks, VANCOUVER)
    tuesday = Interval(local(MONDAY, "09:00"), local(MONDAY, "09:30"))
    assert not scheduling.within_working_hours(tuesday, {1: DAY}, VANCOUVER)


def test_grid_rows_are_quarter_hours_covering_the_span():
    rows = scheduling.grid_times(datetime.time(8, 10), datetime.time(9, 5))
    assert rows == [
        datetime.time(8, 0),
        datetime.time(8, 15),
        datetime.time(8, 30),
        datetime.time(8, 45),
        datetime.time(9, 0),
    ]
