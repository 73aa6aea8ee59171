"""Adherence: the percent of prescribed exercise days done over the last 14 days since the program
started, counted in the clinic's time zone (America/Vancouver), and the pain trend beside it on
the patient page.

The clock is frozen with ``tests.programs.freeze`` (it patches ``django.utils.timezone.now``), so
"today" and every activation or check-in time is the one the test names.
"""

import datetime

import pytest
from django.urls import reverse

from tests.programs import (
    HEEL_DROP,
    NORDIC,
    TYLER,
    build_program,
    freeze,
    items_of,
    local,
    sign,
)
from treatments.models import CheckIn, HomeProgram
from treatments.services import programs as program_services

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
D = datetime.date
CHECK_IN = reverse("portal:check_in")


def days(first: D, last: D) -> list[D]:
    return [first + datetime.timedelta(days=n) for n in range((last - first).days + 1)]


def record(patient, day, done, pain=None):
    return program_services.check_in_record(patient=patient, day=day, done=done, pain=pain)


def adherence_on(patient, today):
    return program_services.adherence(patient=patient, today=today)


def patient_page(client, patient) -> str:
    return client.get(f"/patients/{patient.uuid}/").content.decode()


def adherence_line(html: str) -> str:
    start = html.index('data-testid="adherence"')
    return html[start : html.index("</p>", start)]


@pytest.fixture
def activate(monkeypatch, physio, own_patient):
    """``activate(moment, *codes, doses=...)``: Olive's program saved at ``moment`` (the clock is
    left there)."""

    def activate(moment, *codes, doses=None):
        freeze(monkeypatch, moment)
        program = build_program(physio, *codes, patient=own_patient, doses=doses)
        assert program.activated_at == moment
        return program

    return activate


# --- The clinic's day -----------------------------------------------------------------------------


def test_late_evening_activation_starts_on_the_local_day(activate, own_patient, physio_client):
    moment = local(2026, 3, 1, 23, 30)
    assert moment.astimezone(UTC) == datetime.datetime(2026, 3, 2, 7, 30, tzinfo=UTC)
    program = activate(moment, TYLER)

    first = adherence_on(own_patient, D(2026, 3, 1))
    assert (first.days, first.expected, first.done, first.percent) == (1, 1, 0, 0)
    assert adherence_on(own_patient, D(2026, 2, 28)).percent is None  # not started yet

    (tyler,) = items_of(program)
    record(own_patient, D(2026, 3, 1), [tyler])
    assert adherence_on(own_patient, D(2026, 3, 1)).percent == 100
    second = adherence_on(own_patient, D(2026, 3, 2))
    assert (second.days, second.expected, second.done, second.percent) == (2, 2, 1, 50)

    # The patient page and the handout date it by the clinic's calendar too.
    html = patient_page(physio_client, own_patient)
    assert "from 2026-03-01" in html
    # Still its first day: "Started today" rather than a percent of one day.
    assert "<strong>Started today</strong>: no days due yet (1 of 1 exercises done today)" in (
        adherence_line(html)
    )
    handout = physio_client.get(reverse("programs:handout", args=[program.uuid]))
    assert "2026-03-01 · Physiotherapist" in handout.content.decode()


def test_late_evening_check_in_counts_for_the_local_day(
    activate, monkeypatch, own_patient, patient_client
):
    program = activate(local(2026, 3, 1, 10, 0), TYLER)
    (tyler,) = items_of(program)

    # 23:30 on 9 March in Vancouver (daylight time since 8 March) is 06:30 UTC on the 10th.
    evening = freeze(monkeypatch, local(2026, 3, 9, 23, 30))
    assert evening.astimezone(UTC).date() == D(2026, 3, 10)
    response = patient_client.post(CHECK_IN, {f"done_{tyler.pk}": "on", "pain": "3"})
    assert response.status_code == 302
    assert list(CheckIn.objects.values_list("day", flat=True)) == [D(2026, 3, 9)]

    # Half an hour later it is the 10th: a new day, a new check-in.
    freeze(monkeypatch, local(2026, 3, 10, 0, 30))
    assert "Save today's check-in" in patient_client.get("/portal/").content.decode()
    patient_client.post(CHECK_IN, {f"done_{tyler.pk}": "on", "pain": "2"})
    assert sorted(CheckIn.objects.values_list("day", flat=True)) == [D(2026, 3, 9), D(2026, 3, 10)]

    result = adherence_on(own_patient, D(2026, 3, 10))
    assert (result.days, result.expected, result.done) == (10, 10, 2)
    assert result.percent == 20
    pain = dict(result.pain)
    assert pain[D(2026, 3, 9)] == 3 and pain[D(2026, 3, 10)] == 2


def test_today_is_the_clinics_today_on_the_patient_page(
    activate, monkeypatch, own_patient, physio_client
):
    program = activate(local(2026, 3, 10, 9, 0), TYLER)
    (tyler,) = items_of(program)
    record(own_patient, D(2026, 3, 10), [tyler])
    # 06:59 UTC on the 11th is still the 10th in Vancouver: the program's first day, done.
    freeze(monkeypatch, datetime.datetime(2026, 3, 11, 6, 59, tzinfo=UTC))
    assert "Started today</strong>: no days due yet (1 of 1 exercises done today)" in (
        adherence_line(patient_page(physio_client, own_patient))
    )
    # 07:00 UTC is midnight in Vancouver: the 11th, not done yet.
    freeze(monkeypatch, datetime.datetime(2026, 3, 11, 7, 0, tzinfo=UTC))
    assert "<strong>50%</strong> (1 of 2" in adherence_line(
        patient_page(physio_client, own_patient)
    )


def test_days_across_the_change_to_daylight_time(activate, monkeypatch, own_patient):
    program = activate(local(2026, 3, 7, 20, 0), TYLER)  # Saturday, standard time
    (tyler,) = items_of(program)
    freeze(monkeypatch, local(2026, 3, 9, 12, 0))  # Monday, daylight time
    for day in days(D(2026, 3, 7), D(2026, 3, 9)):
        record(own_patient, day, [tyler])
    result = adherence_on(own_patient, D(2026, 3, 9))
    assert (result.days, result.expected, result.done, result.percent) == (3, 3, 3, 100)


# --- Counting -------------------------------------------------------------------------------------


def test_ticking_twice_on_one_day_counts_once(activate, own_patient, patient_client):
    program = activate(local(2026, 3, 5, 9, 0), TYLER, HEEL_DROP)
    tyler, heel = items_of(program)
    for _ in range(2):
        patient_client.post(CHECK_IN, {f"done_{tyler.pk}": "on", "pain": "4"})
    record(own_patient, D(2026, 3, 5), [tyler])
    record(own_patient, D(2026, 3, 5), [tyler])
    assert CheckIn.objects.count() == 1
    result = adherence_on(own_patient, D(2026, 3, 5))
    assert (result.done, result.expected, result.percent) == (1, 2, 50)


def test_percent_of_exercise_days_over_the_last_fourteen_days(
    activate, monkeypatch, own_patient, physio_client
):
    """Tyler twist every day and the Nordic curl 2 days a week, started well before the window
    (7-20 March): 14 + round(14 x 2 / 7) = 18 exercise days expected."""
    program = activate(local(2026, 3, 1, 10, 0), TYLER, NORDIC)
    tyler, nordic = items_of(program)
    assert nordic.days_per_week == 2
    freeze(monkeypatch, local(2026, 3, 20, 18, 0))
    record(own_patient, D(2026, 3, 6), [tyler, nordic], pain=8)  # the day before the window
    for day in days(D(2026, 3, 7), D(2026, 3, 16)):  # 10 days of the Tyler twist
        record(own_patient, day, [tyler], pain=5)
    for day in (D(2026, 3, 7), D(2026, 3, 9), D(2026, 3, 11), D(2026, 3, 13), D(2026, 3, 15)):
        record(own_patient, day, [tyler, nordic], pain=4)  # 5 Nordic days: 4 count at most

    result = adherence_on(own_patient, D(2026, 3, 20))
    assert result.days == 14
    assert result.expected == 18
    assert result.done == 14
    assert result.percent == 78  # 14 / 18

    assert [day for day, _ in result.pain] == days(D(2026, 3, 7), D(2026, 3, 20))
    pain = dict(result.pain)
    assert pain[D(2026, 3, 7)] == 4 and pain[D(2026, 3, 8)] == 5 and pain[D(2026, 3, 17)] is None

    html = patient_page(physio_client, own_patient)  # today is the 20th: the same numbers
    assert "<strong>78%</strong> (14 of 18 exercise days)" in adherence_line(html)
    trend = html[html.index('data-testid="pain-trend"') :]
    assert '<span title="2026-03-07">4</span>' in trend
    assert '<span title="2026-03-17">·</span>' in trend
    assert 'title="2026-03-06"' not in trend


@pytest.mark.parametrize(
    ("started", "today", "per_week", "expected"),
    [
        (D(2026, 3, 1), D(2026, 3, 7), 2, 2),  # 7 days x 2/7
        (D(2026, 3, 1), D(2026, 3, 14), 3, 6),  # 14 x 3/7
        (D(2026, 3, 1), D(2026, 3, 10), 3, 4),  # 10 x 3/7 = 4.3
        (D(2026, 3, 1), D(2026, 3, 5), 2, 1),  # 5 x 2/7 = 1.4
        (D(2026, 3, 1), D(2026, 3, 4), 5, 3),  # 4 x 5/7 = 2.9
        (D(2026, 3, 1), D(2026, 3, 11), 5, 8),  # 11 x 5/7 = 7.9
        (D(2026, 2, 1), D(2026, 3, 20), 4, 8),  # the 14-day window x 4/7
        (D(2026, 3, 1), D(2026, 3, 14), 7, 14),
    ],
)
def test_fewer_days_a_week_are_expected_fewer_times(
    activate, monkeypatch, own_patient, started, today, per_week, expected
):
    program = activate(
        local(started.year, started.month, started.day, 12, 0),
        TYLER,
        doses={TYLER: {"days_per_week": per_week}},
    )
    (tyler,) = items_of(program)
    freeze(monkeypatch, local(today.year, today.month, today.day, 20, 0))
    assert adherence_on(own_patient, today).expected == expected
    # Done every day of the window: never more than 100%.
    for day in days(max(started, today - datetime.timedelta(days=13)), today):
        record(own_patient, day, [tyler])
    result = adherence_on(own_patient, today)
    assert (result.done, result.expected, result.percent) == (expected, expected, 100)


def test_the_window_is_fourteen_days(activate, monkeypatch, own_patient):
    program = activate(local(2026, 3, 1, 8, 0), TYLER)
    (tyler,) = items_of(program)
    freeze(monkeypatch, local(2026, 4, 30, 12, 0))
    for day in days(D(2026, 3, 1), D(2026, 4, 16)):  # every day up to 14 days ago
        record(own_patient, day, [tyler])
    result = adherence_on(own_patient, D(2026, 4, 30))
    assert (result.days, result.expected, result.done, result.percent) == (14, 14, 0, 0)
    assert len(result.pain) == 14
    record(own_patient, D(2026, 4, 17), [tyler])  # the window's first day
    assert adherence_on(own_patient, D(2026, 4, 30)).done == 1


def test_only_the_active_versions_exercises_count(activate, monkeypatch, own_patient, physio):
    first = activate(local(2026, 3, 1, 9, 0), TYLER)
    (old_tyler,) = items_of(first)
    freeze(monkeypatch, local(2026, 3, 5, 20, 0))
    for day in days(D(2026, 3, 1), D(2026, 3, 5)):
        record(own_patient, day, [old_tyler], pain=6)
    sign(first.visit)
    second = activate(local(2026, 3, 6, 9, 0), TYLER, HEEL_DROP)
    assert HomeProgram.objects.active_for(own_patient) == second
    tyler, heel = items_of(second)
    freeze(monkeypatch, local(2026, 3, 8, 21, 0))
    record(own_patient, D(2026, 3, 7), [tyler, heel], pain=3)
    result = adherence_on(own_patient, D(2026, 3, 8))
    # From the 6th: 3 days x 2 exercises; the first version's ticks are not this program's.
    assert (result.days, result.expected, result.done) == (3, 6, 2)
    assert result.percent == 33
    # The pain trend is the patient's, whatever the program.
    assert dict(result.pain)[D(2026, 3, 4)] == 6


# --- Before anything is done ----------------------------------------------------------------------


def test_no_program_no_adherence(own_patient, physio_client):
    result = program_services.adherence(patient=own_patient)
    assert (result.percent, result.done, result.expected, result.days) == (None, 0, 0, 0)
    assert len(result.pain) == 14 and all(pain is None for _, pain in result.pain)
    html = patient_page(physio_client, own_patient)
    assert "No active home program." in html
    assert 'data-testid="adherence"' not in html


def test_on_the_first_day_it_says_started_today_not_zero(activate, own_patient, physio_client):
    activate(local(2026, 3, 12, 9, 0), TYLER, NORDIC)
    result = adherence_on(own_patient, D(2026, 3, 12))
    assert result.started_today
    assert (result.done, result.expected, result.percent) == (0, 2, 0)
    line = adherence_line(patient_page(physio_client, own_patient))
    assert "<strong>Started today</strong>: no days due yet" in line
    assert "%" not in line


def test_on_the_first_day_a_check_in_says_what_was_done_today(activate, own_patient, physio_client):
    program = activate(local(2026, 3, 12, 9, 0), TYLER, NORDIC)
    record(own_patient, D(2026, 3, 12), items_of(program)[:1], pain=3)
    line = adherence_line(patient_page(physio_client, own_patient))
    assert "Started today" in line
    assert "(1 of 2 exercises done today)" in line
    assert "%" not in line


def test_from_the_second_day_it_is_a_percent(activate, monkeypatch, own_patient, physio_client):
    activate(local(2026, 3, 12, 9, 0), TYLER, NORDIC)
    freeze(monkeypatch, local(2026, 3, 13, 9, 0))
    result = adherence_on(own_patient, D(2026, 3, 13))
    assert not result.started_today
    assert (result.done, result.expected, result.percent) == (0, 3, 0)  # Nordic: 3 days a week
    line = adherence_line(patient_page(physio_client, own_patient))
    assert "<strong>0%</strong> (0 of 3 exercise days)" in line
    assert "Started today" not in line


def test_program_activated_after_today_has_no_days_yet(
    activate, monkeypatch, own_patient, physio_client
):
    activate(local(2026, 3, 12, 9, 0), TYLER)
    freeze(monkeypatch, local(2026, 3, 11, 9, 0))
    assert adherence_on(own_patient, D(2026, 3, 11)).percent is None
    line = adherence_line(patient_page(physio_client, own_patient))
    assert "no days yet" in line
    assert "%" not in line


def test_front_desk_sees_no_adherence(activate, own_patient, front_desk_client):
    program = activate(local(2026, 3, 12, 9, 0), TYLER)
    record(own_patient, D(2026, 3, 12), items_of(program), pain=2)
    html = patient_page(front_desk_client, own_patient)
    assert "Adherence" not in html
    assert 'data-testid="adherence"' not in html
    assert 'data-testid="pain-trend"' not in html
    assert "Home program and portal" in html
