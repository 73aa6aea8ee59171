"""The schedule: the day view (a column per active practitioner) and one practitioner's week,
who may open them, and their query budgets."""

import datetime

import pytest
from django.utils import timezone

from patients.forms import SCHEDULE_RANGE_DAYS
from patients.models import AppointmentStatus
from tests.factories import (
    AppointmentFactory,
    PatientFactory,
    PractitionerFactory,
    TimeOffFactory,
)
from tests.scheduling import *  # noqa: F403 (fixtures)
from tests.scheduling import at, future_day, give_hours

pytestmark = pytest.mark.django_db

MONDAY = future_day(0)
DAY_URL = f"/patients/schedule/?day={MONDAY:%Y-%m-%d}"

# session, user, second-factor device (issue 9), groups, practitioners, working hours, time off,
# appointments
DAY_QUERIES = 8
# session, user, second-factor device, groups, the practitioner, working hours, time off,
# appointments, picker list
WEEK_QUERIES = 9


def test_day_view_has_a_column_per_active_practitioner_and_places_appointments(
    front_desk_client, practitioner, second_practitioner, follow_up
):
    PractitionerFactory(display_name="Retired Person, PT", active=False)
    patient = PatientFactory(first_name="Ines", last_name="Valdivia")
    appointment = AppointmentFactory(
        patient=patient, practitioner=practitioner, type=follow_up, starts_at=at(MONDAY, "09:00")
    )
    response = front_desk_client.get(DAY_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert [c.practitioner for c in response.context["grid"].columns] == [
        practitioner,
        second_practitioner,
    ]
    assert "Retired Person" not in html
    assert "Ines Valdivia" in html and "Follow-up IASTR" in html
    assert "09:00–09:30" in html
    assert f'href="/patients/appointments/{appointment.uuid}/"' in html
    # The status in words as well as in colour.
    assert 'class="badge appointment-status status-booked">Booked<' in html
    # The 09:00 block spans two 15-minute rows.
    assert 'rowspan="2"' in html


def test_free_slots_link_to_the_booking_page_prefilled(front_desk_client, practitioner):
    html = front_desk_client.get(DAY_URL).content.decode()
    link = (
        f"/patients/appointments/book/?practitioner={practitioner.pk}&amp;"
        f"day={MONDAY:%Y-%m-%d}&amp;time=08:15"
    )
    assert link in html
    # Lunch is not bookable: no 12:30 link.
    assert f"day={MONDAY:%Y-%m-%d}&amp;time=12:30" not in html


def test_day_navigation_and_date_picker_work_without_javascript(front_desk_client, practitioner):
    html = front_desk_client.get(DAY_URL).content.decode()
    previous_day, next_day = MONDAY - datetime.timedelta(days=1), MONDAY + datetime.timedelta(1)
    assert f'href="?day={previous_day:%Y-%m-%d}"' in html
    assert f'href="?day={next_day:%Y-%m-%d}"' in html
    assert '<form method="get" action="/patients/schedule/"' in html
    assert (
        f'type="date" name="day" id="id_day" class="form-control" value="{MONDAY:%Y-%m-%d}"' in html
    )
    assert "css/schedule.css" in html
    # The page title of this shared screen names no patient.
    assert f"<title>Schedule {MONDAY:%Y-%m-%d}" in html


def test_print_stylesheet_fits_the_day_on_one_landscape_page():
    from pathlib import Path

    css = (Path(__file__).resolve().parent.parent / "static/css/schedule.css").read_text()
    assert "@media print" in css and "size: landscape" in css


@pytest.mark.parametrize("bad", ["not-a-date", "2026-02-30", "9999-12-31", "0001-01-01"])
def test_a_bad_date_shows_today_with_a_message_not_an_error(front_desk_client, bad):
    response = front_desk_client.get("/patients/schedule/", {"day": bad})
    assert response.status_code == 200
    assert response.context["day"] == timezone.localdate()
    assert "Showing today instead" in response.content.decode()


@pytest.mark.parametrize("bad", ["9999-12-31", "0001-01-01", "\x00", "2026-02-30", "9" * 5000])
def test_a_day_at_the_ends_of_the_calendar_shows_this_week_not_an_error(
    front_desk_client, practitioner, bad
):
    response = front_desk_client.get(f"/patients/schedule/week/{practitioner.pk}/", {"day": bad})
    assert response.status_code == 200
    assert response.context["monday"] <= timezone.localdate() <= response.context["sunday"]
    assert "Showing this week instead" in response.content.decode()
    response = front_desk_client.get("/patients/schedule/week/", {"day": bad})
    assert response.status_code == 302
    assert response["Location"].endswith(f"?day={timezone.localdate():%Y-%m-%d}")


def test_the_last_and_first_days_offered_have_working_navigation(front_desk_client, practitioner):
    """The edges of the date picker's range: the previous and next links are plain dates."""
    for offset in (SCHEDULE_RANGE_DAYS, -SCHEDULE_RANGE_DAYS):
        day = timezone.localdate() + datetime.timedelta(days=offset)
        response = front_desk_client.get("/patients/schedule/", {"day": f"{day:%Y-%m-%d}"})
        assert response.status_code == 200
        assert response.context["day"] == day
        week = front_desk_client.get(
            f"/patients/schedule/week/{practitioner.pk}/", {"day": f"{day:%Y-%m-%d}"}
        )
        assert week.status_code == 200


def test_time_off_shows_as_away_and_is_not_bookable(front_desk_client, practitioner):
    TimeOffFactory(
        practitioner=practitioner, starts_at=at(MONDAY, "08:00"), ends_at=at(MONDAY, "10:00")
    )
    html = front_desk_client.get(DAY_URL).content.decode()
    assert ">Away<" in html
    assert f"day={MONDAY:%Y-%m-%d}&amp;time=09:00" not in html
    assert f"day={MONDAY:%Y-%m-%d}&amp;time=10:00" in html
    assert "Conference" not in html  # the reason is for the manager


def test_cancelled_appointments_leave_the_grid_and_are_listed_below(
    front_desk_client, practitioner, follow_up
):
    AppointmentFactory(
        practitioner=practitioner,
        type=follow_up,
        starts_at=at(MONDAY, "09:00"),
        status=AppointmentStatus.CANCELLED,
        cancelled_at=timezone.now(),
        cancellation_reason="Flu",
        cancelled_by_patient=True,
        patient=PatientFactory(first_name="Gone", last_name="Away"),
    )
    response = front_desk_client.get(DAY_URL)
    html = response.content.decode()
    assert response.context["grid"].appointment_count == 0
    assert "Cancelled and no-show" in html and "Gone Away" in html and "by the patient" in html
    assert f"day={MONDAY:%Y-%m-%d}&amp;time=09:00" in html  # free again


def test_an_override_booking_at_an_odd_time_shares_a_cell_without_breaking_the_table(
    front_desk_client, practitioner, follow_up
):
    AppointmentFactory(practitioner=practitioner, type=follow_up, starts_at=at(MONDAY, "09:00"))
    AppointmentFactory(practitioner=practitioner, type=follow_up, starts_at=at(MONDAY, "09:40"))
    AppointmentFactory(practitioner=practitioner, type=follow_up, starts_at=at(MONDAY, "07:10"))
    grid = front_desk_client.get(DAY_URL).context["grid"]
    assert grid.appointment_count == 3
    assert grid.rows[0].time == datetime.time(7, 0)
    # Every row has one cell per column, counting the rows a block spans.
    spans = [0] * len(grid.columns)
    for row in grid.rows:
        width = sum(1 for s in spans if s > 0)
        assert len(row.cells) + width == len(grid.columns)
        spans = [max(0, s - 1) for s in spans]
        index = 0
        for cell in row.cells:
            while spans[index] > 0:
                index += 1
            spans[index] = cell.rowspan - 1
            index += 1


def test_week_view_shows_one_practitioner_day_by_day(physio_client, practitioner, follow_up):
    wednesday = MONDAY + datetime.timedelta(days=2)
    AppointmentFactory(
        practitioner=practitioner,
        type=follow_up,
        starts_at=at(wednesday, "13:00"),
        patient=PatientFactory(first_name="Wed", last_name="Nesday"),
    )
    AppointmentFactory(type=follow_up, starts_at=at(wednesday, "13:00"))  # someone else's
    response = physio_client.get(
        f"/patients/schedule/week/{practitioner.pk}/", {"day": f"{wednesday:%Y-%m-%d}"}
    )
    assert response.status_code == 200
    grid = response.context["grid"]
    assert [c.day for c in grid.columns] == [MONDAY + datetime.timedelta(d) for d in range(5)]
    assert grid.appointment_count == 1
    html = response.content.decode()
    assert "Wed Nesday" in html
    assert f"week of {MONDAY:%-d %B %Y}" in html


def test_week_view_of_an_unknown_practitioner_is_a_404(front_desk_client):
    assert front_desk_client.get("/patients/schedule/week/999999/").status_code == 404


def test_week_picker_redirects_to_the_chosen_practitioner(
    front_desk_client, practitioner, second_practitioner
):
    response = front_desk_client.get(
        "/patients/schedule/week/",
        {"practitioner": second_practitioner.pk, "day": f"{MONDAY:%Y-%m-%d}"},
    )
    assert response.status_code == 302
    assert response["Location"] == (
        f"/patients/schedule/week/{second_practitioner.pk}/?day={MONDAY:%Y-%m-%d}"
    )
    # A made-up id falls back to the first practitioner rather than failing.
    response = front_desk_client.get("/patients/schedule/week/", {"practitioner": "x"})
    assert response.status_code == 302


@pytest.mark.parametrize("bogus", ["²", "٣", "x", "\x00", "9" * 40, "-1", " 1", "1e3", "🙂"])
def test_week_picker_with_a_bogus_practitioner_falls_back_to_the_first(
    front_desk_client, practitioner, bogus
):
    response = front_desk_client.get("/patients/schedule/week/", {"practitioner": bogus})
    assert response.status_code == 302
    assert response["Location"].startswith(f"/patients/schedule/week/{practitioner.pk}/?day=")


def _fill_day(practitioners, type, count):
    for practitioner in practitioners:
        for n in range(count):
            AppointmentFactory(
                practitioner=practitioner,
                type=type,
                starts_at=at(MONDAY, "08:00") + datetime.timedelta(minutes=30 * n),
            )


def test_day_view_queries_do_not_grow_with_appointments_or_practitioners(
    front_desk_client, practitioner, follow_up, django_assert_num_queries
):
    _fill_day([practitioner], follow_up, 2)
    with django_assert_num_queries(DAY_QUERIES):
        front_desk_client.get(DAY_URL)
    more = [give_hours(PractitionerFactory()) for _ in range(4)]
    _fill_day(more, follow_up, 6)
    TimeOffFactory(practitioner=more[0], starts_at=at(MONDAY, "14:00"), ends_at=at(MONDAY, "15:00"))
    with django_assert_num_queries(DAY_QUERIES):
        response = front_desk_client.get(DAY_URL)
    assert response.context["grid"].appointment_count == 2 + 4 * 6
    assert len(response.context["grid"].columns) == 5


def test_week_view_queries_do_not_grow_with_appointments_or_practitioners(
    front_desk_client, practitioner, follow_up, django_assert_num_queries
):
    url = f"/patients/schedule/week/{practitioner.pk}/?day={MONDAY:%Y-%m-%d}"
    _fill_day([practitioner], follow_up, 1)
    with django_assert_num_queries(WEEK_QUERIES):
        front_desk_client.get(url)
    more = [give_hours(PractitionerFactory()) for _ in range(4)]
    for n in range(1, 8):
        AppointmentFactory(
            practitioner=practitioner,
            type=follow_up,
            starts_at=at(MONDAY, "08:00") + datetime.timedelta(minutes=30 * n),
        )
    for n in range(1, 5):
        AppointmentFactory(
            practitioner=practitioner,
            type=follow_up,
            starts_at=at(MONDAY + datetime.timedelta(days=n), "09:00"),
        )
    _fill_day(more, follow_up, 3)
    with django_assert_num_queries(WEEK_QUERIES):
        response = front_desk_client.get(url)
    assert response.context["grid"].appointment_count == 8 + 4


# --- Who may open it ----------------------------------------------------------------------


@pytest.mark.parametrize("client_fixture", ["front_desk_client", "physio_client", "manager_client"])
def test_clinic_staff_open_the_schedule(request, client_fixture, practitioner):
    client = request.getfixturevalue(client_fixture)
    assert client.get("/patients/schedule/").status_code == 200
    assert client.get(f"/patients/schedule/week/{practitioner.pk}/").status_code == 200


def test_patient_users_get_404_on_the_schedule(patient_client, practitioner):
    for url in [
        "/patients/schedule/",
        f"/patients/schedule/week/{practitioner.pk}/",
        "/patients/schedule/week/",
    ]:
        assert patient_client.get(url).status_code == 404, url


@pytest.mark.parametrize(
    "url", ["/patients/schedule/", "/patients/schedule/week/1/", "/patients/schedule/week/"]
)
def test_anonymous_visitors_are_sent_to_login_from_the_schedule(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.parametrize("client_fixture", ["front_desk_client", "manager_client"])
def test_front_desk_and_manager_start_on_the_schedule(request, client_fixture):
    response = request.getfixturevalue(client_fixture).get("/")
    assert response.status_code == 302 and response["Location"] == "/patients/schedule/"


def test_navigation_has_a_schedule_link_for_staff(physio_client, front_desk_client):
    for client in (physio_client, front_desk_client):
        assert (
            'href="/patients/schedule/">Schedule</a>' in client.get("/patients/").content.decode()
        )


# --- Selectors other apps call ------------------------------------------------------------


def test_practitioner_day_lists_the_days_active_appointments_in_order_in_one_query(
    practitioner, second_practitioner, follow_up, django_assert_num_queries
):
    from patients import selectors

    late = AppointmentFactory(
        practitioner=practitioner, type=follow_up, starts_at=at(MONDAY, "15:00")
    )
    early = AppointmentFactory(
        practitioner=practitioner, type=follow_up, starts_at=at(MONDAY, "08:00")
    )
    cancelled = AppointmentFactory(
        practitioner=practitioner,
        type=follow_up,
        starts_at=at(MONDAY, "10:00"),
        status=AppointmentStatus.CANCELLED,
        cancelled_at=timezone.now(),
        cancellation_reason="x",
    )
    AppointmentFactory(
        practitioner=second_practitioner, type=follow_up, starts_at=at(MONDAY, "09:00")
    )
    AppointmentFactory(
        practitioner=practitioner,
        type=follow_up,
        starts_at=at(MONDAY + datetime.timedelta(1), "08:00"),
    )
    with django_assert_num_queries(1):
        day = selectors.practitioner_day(practitioner=practitioner, day=MONDAY)
        names = [(a.patient.full_name, a.type.name) for a in day]
    assert [a.pk for a in day] == [early.pk, late.pk]
    assert len(names) == 2
    everything = selectors.practitioner_day(
        practitioner=practitioner, day=MONDAY, include_inactive=True
    )
    assert [a.pk for a in everything] == [early.pk, cancelled.pk, late.pk]


def test_practitioner_day_covers_the_whole_local_day_on_a_change_day(practitioner, follow_up):
    from patients import selectors

    day = datetime.date(2026, 11, 1)  # 25 hours long in Vancouver
    last = AppointmentFactory(practitioner=practitioner, type=follow_up, starts_at=at(day, "23:15"))
    first = AppointmentFactory(
        practitioner=practitioner, type=follow_up, starts_at=at(day, "00:00")
    )
    assert [a.pk for a in selectors.practitioner_day(practitioner=practitioner, day=day)] == [
        first.pk,
        last.pk,
    ]


def test_appointment_get_is_scoped_to_the_user(physio, patient_user, own_patient, other_patient):
    from patients import selectors

    mine = AppointmentFactory(patient=own_patient)
    theirs = AppointmentFactory(patient=other_patient)
    assert selectors.appointment_get(user=physio, appointment_uuid=theirs.uuid) == theirs
    assert selectors.appointment_get(user=patient_user, appointment_uuid=mine.uuid) == mine
    assert selectors.appointment_get(user=patient_user, appointment_uuid=theirs.uuid) is None
