"""Issue 10, booking on one page: what the booking page preselects (type, practitioner, day,
time), the free times as a grid grouped by part of the day, the day strip and its links, the
patient's own appointments kept out of the free times, and odd links answered with a message."""

import datetime
import re
from types import SimpleNamespace

import pytest
from django.utils import timezone

from patients import selectors
from patients.models import Appointment, AppointmentStatus, AppointmentType
from patients.scheduling import Interval
from tests.factories import AppointmentFactory, PatientFactory
from tests.scheduling import *  # noqa: F403 (fixtures)
from tests.scheduling import at, future_day, give_hours

BOOK = "/patients/appointments/book/"
MONDAY = future_day(0)
CHECKED = re.compile(
    r'<input type="radio" class="btn-check" name="start" [^>]*value="([^"]+)"[^>]*checked>'
)


def checked(html) -> list[str]:
    return CHECKED.findall(html)


def free_cell(client, practitioner, hhmm, patient=None, day=MONDAY, **extra):
    """The booking page as a "Free" cell of the schedule opens it, after the patient was chosen."""
    params = {"practitioner": practitioner.pk, "day": f"{day:%Y-%m-%d}", "time": hhmm, **extra}
    if patient is not None:
        params["patient"] = patient.uuid
    return client.get(BOOK, params)


@pytest.fixture
def patient(db):
    return PatientFactory(first_name="Ines", last_name="Valdivia")


@pytest.fixture
def assessed(patient, practitioner, initial_assessment):
    """Ines had her initial assessment with Alex last month."""
    AppointmentFactory(
        patient=patient,
        practitioner=practitioner,
        type=initial_assessment,
        starts_at=timezone.now() - datetime.timedelta(days=30),
        status=AppointmentStatus.COMPLETED,
    )
    return patient


# --- The type rule (no database) ------------------------------------------------------------


def _type(kind, minutes):
    return SimpleNamespace(kind=kind, minutes=minutes, name=kind)


INITIAL = _type("initial_assessment", 60)
FOLLOW_UP = _type("follow_up", 30)
CALL = _type("consultation", 10)
TYPES = [CALL, FOLLOW_UP, INITIAL]  # as bookable_types orders them: shortest first


@pytest.mark.parametrize(
    "assessed, free_minutes, expected",
    [
        (True, 60, FOLLOW_UP),
        (False, 60, INITIAL),
        (True, 15, CALL),  # only the call fits
        (False, 30, CALL),  # the initial assessment does not fit, the call does
        (None, 60, CALL),  # a new caller
        (True, 5, FOLLOW_UP),  # nothing fits: the first preference, the page says why
    ],
)
def test_the_suggested_type_follows_the_patient_and_what_fits(assessed, free_minutes, expected):
    def fits(type):
        return type.minutes <= free_minutes

    assert selectors.suggested_type(TYPES, assessed=assessed, fits=fits) is expected


def test_without_a_time_the_suggestion_is_the_patients_alone():
    assert selectors.suggested_type(TYPES, assessed=True) is FOLLOW_UP
    assert selectors.suggested_type(TYPES, assessed=False) is INITIAL
    # A clinic without typed kinds: the first type rather than nothing.
    other = _type("other", 45)
    assert selectors.suggested_type([other], assessed=True) is other
    assert selectors.suggested_type([], assessed=True) is None


def _free(hhmm, day=datetime.date(2026, 6, 1)):
    start = at(day, hhmm)
    return selectors.FreeTime(Interval(start, start + datetime.timedelta(minutes=30)), [])


def test_free_times_are_grouped_morning_afternoon_evening_by_the_wall_clock():
    times = [_free(t) for t in ("08:00", "11:45", "12:00", "16:45", "17:00", "19:30")]
    parts = selectors.day_parts(times)
    assert [(p.name, [f"{t.starts_at:%H:%M}" for t in p.times]) for p in parts] == [
        ("Morning", ["08:00", "11:45"]),
        ("Afternoon", ["12:00", "16:45"]),
        ("Evening", ["17:00", "19:30"]),
    ]
    # A part without a free time is left out.
    assert [p.name for p in selectors.day_parts([_free("14:00")])] == ["Afternoon"]
    assert selectors.day_parts([]) == []


# --- The patient's own appointments ---------------------------------------------------------


@pytest.mark.django_db
def test_free_times_leave_out_the_patients_appointment_with_someone_else(
    patient, practitioner, second_practitioner, follow_up
):
    AppointmentFactory(
        patient=patient, practitioner=second_practitioner, starts_at=at(MONDAY, "10:00")
    )
    starts = {
        f"{t.starts_at:%H:%M}"
        for t in selectors.free_times(
            type=follow_up, practitioners=[practitioner], day=MONDAY, patient=patient
        )
    }
    assert "09:30" in starts and "10:30" in starts  # back to back is fine
    assert not {"09:45", "10:00", "10:15"} & starts
    # Someone else's view of Alex's day still has them, and so do the times without a patient.
    other = selectors.free_times(
        type=follow_up, practitioners=[practitioner], day=MONDAY, patient=PatientFactory()
    )
    assert "10:00" in {f"{t.starts_at:%H:%M}" for t in other}


@pytest.mark.django_db
def test_a_no_show_of_the_patient_frees_the_time(patient, practitioner, follow_up):
    AppointmentFactory(
        patient=patient,
        practitioner=practitioner,
        starts_at=at(MONDAY, "10:00"),
        status=AppointmentStatus.NO_SHOW,
    )
    times = selectors.free_times(
        type=follow_up, practitioners=[practitioner], day=MONDAY, patient=patient
    )
    assert "10:00" in {f"{t.starts_at:%H:%M}" for t in times}


def test_the_booking_page_does_not_offer_a_time_the_patient_is_busy(
    front_desk_client, patient, practitioner, second_practitioner, follow_up
):
    AppointmentFactory(
        patient=patient, practitioner=second_practitioner, starts_at=at(MONDAY, "10:00")
    )
    response = front_desk_client.get(
        BOOK,
        {
            "patient": patient.uuid,
            "type": follow_up.pk,
            "practitioner": practitioner.pk,
            "day": f"{MONDAY:%Y-%m-%d}",
        },
    )
    html = response.content.decode()
    assert at(MONDAY, "09:30").isoformat() in html
    assert at(MONDAY, "10:00").isoformat() not in html
    assert at(MONDAY, "09:45").isoformat() not in html
    # A crafted POST is still refused by the service, with the appointment in the way.
    refused = front_desk_client.post(
        BOOK,
        {
            "patient": patient.uuid,
            "type": follow_up.pk,
            "practitioner": practitioner.pk,
            "day": f"{MONDAY:%Y-%m-%d}",
            "start": at(MONDAY, "10:00").isoformat(),
        },
    ).content.decode()
    assert "This patient already has an appointment from 10:00 to 10:30" in refused
    assert Appointment.objects.filter(patient=patient).count() == 1


def test_the_reschedule_page_offers_the_appointments_own_neighbourhood_but_not_the_patients_other(
    front_desk_client, patient, practitioner, second_practitioner, follow_up
):
    moving = AppointmentFactory(
        patient=patient, practitioner=practitioner, type=follow_up, starts_at=at(MONDAY, "09:00")
    )
    AppointmentFactory(
        patient=patient, practitioner=practitioner, type=follow_up, starts_at=at(MONDAY, "14:00")
    )
    response = front_desk_client.get(
        f"/patients/appointments/{moving.uuid}/reschedule/",
        {"practitioner": second_practitioner.pk, "day": f"{MONDAY:%Y-%m-%d}"},
    )
    starts = {f"{t.starts_at:%H:%M}" for t in response.context["free_times"]}
    assert "09:00" in starts  # the same time with Chidi: the appointment being moved is no clash
    assert "14:00" not in starts and "13:45" not in starts  # the patient's other appointment


# --- Preselection from a "Free" cell -------------------------------------------------------


def test_a_free_cell_shows_its_time_and_practitioner_while_the_patient_is_chosen(
    front_desk_client, patient, practitioner
):
    html = free_cell(front_desk_client, practitioner, "08:15").content.decode()
    slot = html.split('data-testid="chosen-slot"')[1].split("</p>")[0]
    assert f"{MONDAY:%A} {MONDAY.day}" in slot and "08:15" in slot and "Alex Moreau, PT" in slot
    assert "Find the patient" in html and "autofocus" in html
    assert "This field is required" not in html  # nothing chosen yet is not an error
    found = free_cell(front_desk_client, practitioner, "08:15", q="valdiv").content.decode()
    assert f"?patient={patient.uuid}&amp;practitioner={practitioner.pk}" in found
    assert "time=08%3A15" in found


def test_a_patient_with_an_initial_assessment_gets_the_follow_up_at_the_cells_time(
    front_desk_client, assessed, practitioner, follow_up
):
    response = free_cell(front_desk_client, practitioner, "10:15", patient=assessed)
    html = response.content.decode()
    assert response.context["criteria"].type == follow_up
    assert response.context["criteria"].practitioner == practitioner
    assert response.context["criteria"].day == MONDAY
    assert checked(html) == [at(MONDAY, "10:15").isoformat()]
    assert f'<option value="{follow_up.pk}" selected>' in html
    assert "Preselected: the patient has had an initial assessment." in html
    # One click confirms: the page's own form, as posted.
    response = front_desk_client.post(
        BOOK,
        {
            "patient": assessed.uuid,
            "type": follow_up.pk,
            "practitioner": practitioner.pk,
            "day": f"{MONDAY:%Y-%m-%d}",
            "start": checked(html)[0],
        },
    )
    booked = Appointment.objects.get(starts_at=at(MONDAY, "10:15"))
    assert response["Location"] == f"/patients/appointments/{booked.uuid}/"
    assert booked.type == follow_up and booked.patient == assessed


def test_a_patient_never_assessed_gets_the_initial_assessment(
    front_desk_client, patient, practitioner, initial_assessment
):
    # A no-show initial assessment does not count.
    AppointmentFactory(
        patient=patient,
        practitioner=practitioner,
        type=initial_assessment,
        starts_at=timezone.now() - datetime.timedelta(days=3),
        status=AppointmentStatus.NO_SHOW,
    )
    response = free_cell(front_desk_client, practitioner, "09:00", patient=patient)
    assert response.context["criteria"].type == initial_assessment
    assert checked(response.content.decode()) == [at(MONDAY, "09:00").isoformat()]
    assert "Preselected: no initial assessment yet." in response.content.decode()


def test_an_initial_assessment_booked_after_the_cells_time_does_not_make_it_a_follow_up(
    front_desk_client, patient, practitioner, initial_assessment
):
    AppointmentFactory(
        patient=patient,
        practitioner=practitioner,
        type=initial_assessment,
        starts_at=at(MONDAY + datetime.timedelta(days=1), "09:00"),
    )
    response = free_cell(front_desk_client, practitioner, "09:00", patient=patient)
    assert response.context["criteria"].type == initial_assessment
    later = free_cell(
        front_desk_client,
        practitioner,
        "09:00",
        patient=patient,
        day=MONDAY + datetime.timedelta(days=2),
    )
    assert later.context["criteria"].type.kind == "follow_up"


def test_where_only_minutes_are_free_the_consultation_call_is_preselected(
    front_desk_client, assessed, practitioner, follow_up, consultation_call
):
    # 09:00-09:30 and 10:00-10:30 are taken: 09:30 leaves half an hour, 11:45 a quarter.
    for hhmm in ("09:00", "10:00"):
        AppointmentFactory(practitioner=practitioner, type=follow_up, starts_at=at(MONDAY, hhmm))
    half = free_cell(front_desk_client, practitioner, "09:30", patient=assessed)
    assert half.context["criteria"].type == follow_up
    quarter = free_cell(front_desk_client, practitioner, "11:45", patient=assessed)
    html = quarter.content.decode()
    assert quarter.context["criteria"].type == consultation_call
    assert checked(html) == [at(MONDAY, "11:45").isoformat()]
    assert "Preselected: only a short appointment fits at 11:45." in html


def test_a_time_not_free_for_the_chosen_type_says_so(
    front_desk_client, assessed, practitioner, follow_up, initial_assessment
):
    response = free_cell(
        front_desk_client, practitioner, "11:45", patient=assessed, type=initial_assessment.pk
    )
    html = response.content.decode()
    assert response.context["criteria"].type == initial_assessment
    assert checked(html) == []
    assert "11:45 is not free for Initial assessment with Alex Moreau, PT on" in html


def test_a_new_caller_gets_the_consultation_call(
    front_desk_client, practitioner, consultation_call
):
    response = front_desk_client.get(
        BOOK,
        {
            "new_caller": "1",
            "practitioner": practitioner.pk,
            "day": f"{MONDAY:%Y-%m-%d}",
            "time": "08:00",
        },
    )
    assert response.context["criteria"].type == consultation_call
    assert checked(response.content.decode()) == [at(MONDAY, "08:00").isoformat()]


# --- From the patient's page ----------------------------------------------------------------


def test_from_the_patients_page_the_last_practitioner_and_the_first_free_day(
    front_desk_client, assessed, practitioner, second_practitioner, follow_up
):
    # Chidi works only on one day four days from now: Ines saw Chidi last.
    chidi_day = timezone.localdate() + datetime.timedelta(days=4)
    second_practitioner.working_hours.all().delete()
    give_hours(second_practitioner, weekdays=[chidi_day.weekday()])
    AppointmentFactory(
        patient=assessed,
        practitioner=second_practitioner,
        type=follow_up,
        starts_at=timezone.now() - datetime.timedelta(days=7),
        status=AppointmentStatus.COMPLETED,
    )
    response = front_desk_client.get(BOOK, {"patient": assessed.uuid})
    criteria = response.context["criteria"]
    assert criteria.practitioner == second_practitioner
    assert criteria.type == follow_up
    assert criteria.day == chidi_day
    html = response.content.decode()
    assert f"Follow-up IASTR (30 min): free start times on {chidi_day:%A}" in html
    assert checked(html) == []  # the time is the user's to choose


def test_the_free_times_are_a_grid_of_buttons_by_part_of_the_day_then_the_book_button(
    front_desk_client, assessed, practitioner, follow_up
):
    html = front_desk_client.get(
        BOOK,
        {
            "patient": assessed.uuid,
            "type": follow_up.pk,
            "practitioner": practitioner.pk,
            "day": f"{MONDAY:%Y-%m-%d}",
        },
    ).content.decode()
    grid = html.split('data-testid="free-times"')[1].split("</fieldset>")[0]
    assert grid.count('class="btn-check"') == 15 + 15  # 08:00-11:30 and 13:00-16:30
    assert "form-check" not in grid  # not a column of radio buttons
    morning, afternoon = grid.split('role="group"')[1:]
    assert ">Morning<" in morning and "08:00" in morning and "13:00" not in morning
    assert ">Afternoon<" in afternoon and "13:00" in afternoon
    assert "Evening" not in grid
    # The Book button comes straight after the grid and the folded extra fields.
    after = html.split('data-testid="free-times"')[1]
    assert after.index("Another time, outside working hours, notes") < after.index(
        "Book appointment</button>"
    )
    assert "<details" in after and '<details class="mb-2" open' not in after


def test_the_extra_fields_stay_open_when_they_were_used(
    front_desk_client, patient, practitioner, follow_up
):
    html = front_desk_client.post(
        BOOK,
        {
            "patient": patient.uuid,
            "type": follow_up.pk,
            "practitioner": practitioner.pk,
            "day": f"{MONDAY:%Y-%m-%d}",
            "other_time": "07:00",
        },
    ).content.decode()
    assert '<details class="mb-2" open>' in html
    assert "outside Alex Moreau, PT&#x27;s working hours" in html


# --- The day strip --------------------------------------------------------------------------


def test_day_links_keep_the_patient_the_chosen_type_and_practitioner(
    front_desk_client, patient, practitioner, consultation_call
):
    response = front_desk_client.get(
        BOOK,
        {
            "patient": patient.uuid,
            "type": consultation_call.pk,
            "practitioner": practitioner.pk,
            "day": f"{MONDAY:%Y-%m-%d}",
        },
    )
    html = response.content.decode()
    strip = html.split('data-testid="day-strip"')[1].split("</ul>")[0]
    tuesday = MONDAY + datetime.timedelta(days=1)
    keep = (
        f"patient={patient.uuid}&amp;type={consultation_call.pk}&amp;practitioner={practitioner.pk}"
    )
    assert f'href="?{keep}&amp;day={tuesday:%Y-%m-%d}">Next day' in strip
    sunday = MONDAY - datetime.timedelta(days=1)
    assert f'href="?{keep}&amp;day={sunday:%Y-%m-%d}">‹ Previous day' in strip
    # The strip: the day and the six after it, with how many times are free (none at weekends).
    days = response.context["days"]["strip"]
    assert [d["day"] for d in days] == [MONDAY + datetime.timedelta(days=n) for n in range(7)]
    assert days[0]["current"] and days[0]["count"] == 16 + 16  # 08:00-11:45, 13:00-16:45
    assert days[5]["count"] == 0 and "(none free)" in strip
    # Following the next-day link keeps every choice.
    following = front_desk_client.get(BOOK + "?" + response.context["days"]["next"])
    criteria = following.context["criteria"]
    assert (criteria.type, criteria.practitioner, criteria.day) == (
        consultation_call,
        practitioner,
        tuesday,
    )
    assert following.context["patient"] == patient


def test_day_links_keep_any_practitioner_and_re_suggest_a_preselected_type(
    front_desk_client, assessed, practitioner, second_practitioner
):
    response = front_desk_client.get(
        BOOK, {"patient": assessed.uuid, "practitioner": "", "day": f"{MONDAY:%Y-%m-%d}"}
    )
    assert response.context["criteria"].practitioner is None
    next_query = response.context["days"]["next"]
    assert "practitioner=&" in next_query and "type=" not in next_query
    following = front_desk_client.get(BOOK + "?" + next_query)
    assert following.context["criteria"].practitioner is None
    assert following.context["criteria"].type.kind == "follow_up"


def test_there_is_no_previous_day_before_today(front_desk_client, patient, practitioner):
    today = timezone.localdate()
    response = front_desk_client.get(
        BOOK, {"patient": patient.uuid, "practitioner": practitioner.pk, "day": f"{today:%Y-%m-%d}"}
    )
    assert response.context["days"]["previous"] is None
    assert "Previous day" not in response.content.decode()


# --- Odd links ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params, message",
    [
        ({"time": "25:99"}, "The time in the link was not understood"),
        ({"time": "9am"}, "The time in the link was not understood"),
        ({"type": "abc"}, "That appointment type is not offered"),
        ({"practitioner": "999999"}, "That practitioner is not taking appointments"),
        ({"day": "2030-02-30"}, "Enter the day as YYYY-MM-DD"),
        ({"day": "1999-01-01"}, "That day has passed"),
        ({"day": f"{timezone.localdate().year + 3}-01-01"}, "up to a year ahead"),
    ],
)
def test_odd_links_say_what_was_wrong_and_keep_the_patient(
    front_desk_client, patient, practitioner, params, message
):
    query = {"patient": patient.uuid, "practitioner": practitioner.pk, "day": f"{MONDAY:%Y-%m-%d}"}
    response = front_desk_client.get(BOOK, {**query, **params})
    html = response.content.decode()
    assert response.status_code == 200
    assert message in html
    assert "Ines Valdivia" in html


def test_odd_links_before_the_patient_is_chosen_still_ask_for_the_patient(front_desk_client):
    for params in (
        {"practitioner": "x", "day": "tomorrow", "time": "08:15"},
        {"practitioner": "1", "day": "2030-01-07", "time": "\x00"},
    ):
        response = front_desk_client.get(BOOK, params)
        assert response.status_code == 200
        assert "Find the patient" in response.content.decode()


def test_a_type_the_clinic_retired_is_not_preselected(
    front_desk_client, assessed, practitioner, follow_up
):
    AppointmentType.objects.filter(pk=follow_up.pk).update(active=False)
    response = free_cell(front_desk_client, practitioner, "10:00", patient=assessed)
    assert response.status_code == 200
    assert response.context["criteria"].type != follow_up
