"""Issue 10: time off is never saved silently over booked appointments. The service finds the
clashes (overlapping only; touching edges and cancelled appointments are not clashes) and refuses
until the manager has seen them; the manager's page lists them and cancels (with the patient
emailed), keeps or sends to reschedule each; the schedule marks any kept clash in words."""

import datetime
import uuid

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from patients import services
from patients.models import Appointment, AppointmentStatus, TimeOff
from tests.factories import AppointmentFactory, PatientFactory, TimeOffFactory
from tests.scheduling import *  # noqa: F403 (fixtures)
from tests.scheduling import at, future_day

pytestmark = pytest.mark.django_db

MONDAY = future_day(0)
NEW = "/patients/time-off/new/"
LIST = "/patients/time-off/"


@pytest.fixture
def ines(db):
    return PatientFactory(first_name="Ines", last_name="Valdivia", email="ines@example.com")


@pytest.fixture
def booked(ines, practitioner, follow_up):
    """Ines, 10:00-10:30 on Monday with Alex."""
    return AppointmentFactory(
        patient=ines, practitioner=practitioner, type=follow_up, starts_at=at(MONDAY, "10:00")
    )


def clashes(practitioner, start, end):
    return services.time_off_clashes(
        practitioner=practitioner, starts_at=at(MONDAY, start), ends_at=at(MONDAY, end)
    )


def save(practitioner, start, end, **kwargs):
    return services.time_off_save(
        practitioner=practitioner,
        starts_at=at(MONDAY, start),
        ends_at=at(MONDAY, end),
        by=kwargs.pop("by", None),
        **kwargs,
    )


# --- The clash lookup -------------------------------------------------------------------------


def test_an_overlapping_appointment_is_a_clash(booked, practitioner):
    assert clashes(practitioner, "09:00", "12:00") == [booked]
    assert clashes(practitioner, "10:15", "10:20") == [booked]  # inside it
    assert clashes(practitioner, "10:29", "11:00") == [booked]  # its last minute


def test_touching_edges_are_not_clashes(booked, practitioner):
    assert clashes(practitioner, "08:00", "10:00") == []  # ends as it starts
    assert clashes(practitioner, "10:30", "12:00") == []  # starts as it ends


def test_cancelled_and_no_show_appointments_are_not_clashes(booked, practitioner, follow_up):
    booked.set_status(AppointmentStatus.CANCELLED, by=None, reason="Patient asked")
    AppointmentFactory(
        practitioner=practitioner, type=follow_up, starts_at=at(MONDAY, "11:00"), status="no_show"
    )
    assert clashes(practitioner, "08:00", "12:00") == []


def test_another_practitioners_appointment_is_not_a_clash(
    booked, practitioner, second_practitioner
):
    assert clashes(second_practitioner, "08:00", "12:00") == []


def test_arrived_and_completed_appointments_hold_their_time(practitioner, follow_up):
    arrived = AppointmentFactory(
        practitioner=practitioner, type=follow_up, starts_at=at(MONDAY, "09:00"), status="arrived"
    )
    assert clashes(practitioner, "08:00", "12:00") == [arrived]


# --- Saving -----------------------------------------------------------------------------------


def test_time_off_without_clashes_is_saved(booked, practitioner, manager):
    saved = save(practitioner, "13:00", "17:00", reason="Dentist", by=manager)
    assert saved.cancelled == [] and saved.kept == []
    off = TimeOff.objects.get()
    assert (off.starts_at, off.ends_at, off.reason) == (
        at(MONDAY, "13:00"),
        at(MONDAY, "17:00"),
        "Dentist",
    )


def test_unseen_clashes_refuse_and_save_nothing(booked, practitioner, manager):
    with pytest.raises(services.TimeOffClashes) as refused:
        save(practitioner, "08:00", "12:00", by=manager)
    assert refused.value.clashes == [booked]
    assert "1 appointment is booked during this time off" in refused.value.message
    assert not TimeOff.objects.exists()


def test_seen_clashes_kept_save_the_time_off(booked, practitioner, manager):
    saved = save(practitioner, "08:00", "12:00", by=manager, seen={booked.uuid})
    assert saved.kept == [booked] and saved.cancelled == []
    assert TimeOff.objects.count() == 1
    booked.refresh_from_db()
    assert booked.status == AppointmentStatus.BOOKED


def test_a_booking_the_manager_did_not_see_brings_the_list_back(
    booked, practitioner, follow_up, manager
):
    later = AppointmentFactory(
        practitioner=practitioner, type=follow_up, starts_at=at(MONDAY, "11:00")
    )
    with pytest.raises(services.TimeOffClashes) as refused:
        save(practitioner, "08:00", "12:00", by=manager, seen={booked.uuid})
    assert refused.value.clashes == [booked, later]
    assert not TimeOff.objects.exists()


def test_cancel_chosen_cancels_with_the_reason_and_emails_the_patient(
    booked, practitioner, manager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        saved = save(
            practitioner,
            "08:00",
            "12:00",
            by=manager,
            seen={booked.uuid},
            cancel={booked.uuid},
            cancel_reason="  Practitioner   away  ",
        )
    booked.refresh_from_db()
    assert booked.status == AppointmentStatus.CANCELLED
    assert booked.cancellation_reason == "Practitioner away"
    assert booked.cancelled_by == manager and not booked.cancelled_by_patient
    assert saved.cancelled[0].notice.patient == "sent"
    assert [m.to for m in mail.outbox] == [["ines@example.com"]]
    assert mail.outbox[0].subject.startswith("Cancelled: Follow-up IASTR")
    assert TimeOff.objects.count() == 1


def test_cancelling_one_that_no_longer_clashes_saves_nothing(booked, practitioner, manager):
    gone = uuid.uuid4()
    with pytest.raises(services.TimeOffClashes, match="changed while you were choosing"):
        save(practitioner, "08:00", "12:00", by=manager, seen={booked.uuid}, cancel={gone})
    assert not TimeOff.objects.exists()


def test_an_arrived_appointment_cannot_be_cancelled_and_nothing_is_saved(
    practitioner, follow_up, manager
):
    arrived = AppointmentFactory(
        practitioner=practitioner, type=follow_up, starts_at=at(MONDAY, "09:00"), status="arrived"
    )
    with pytest.raises(ValidationError) as refused:
        save(practitioner, "08:00", "12:00", by=manager, seen={arrived.uuid}, cancel={arrived.uuid})
    assert refused.value.code == "not_booked"
    assert not TimeOff.objects.exists()
    arrived.refresh_from_db()
    assert arrived.status == AppointmentStatus.ARRIVED


def test_changing_time_off_checks_its_new_times(booked, practitioner, manager):
    off = TimeOffFactory(
        practitioner=practitioner, starts_at=at(MONDAY, "13:00"), ends_at=at(MONDAY, "17:00")
    )
    with pytest.raises(services.TimeOffClashes):
        save(practitioner, "09:00", "17:00", by=manager, time_off=off)
    off.refresh_from_db()
    assert off.starts_at == at(MONDAY, "13:00")


def test_end_before_start_and_a_too_long_time_off_are_refused(practitioner, manager):
    with pytest.raises(ValidationError) as refused:
        save(practitioner, "12:00", "08:00", by=manager)
    assert refused.value.code == "order"
    with pytest.raises(ValidationError) as refused:
        services.time_off_save(
            practitioner=practitioner,
            starts_at=at(MONDAY, "08:00"),
            ends_at=at(MONDAY, "08:00") + datetime.timedelta(days=400),
            by=manager,
        )
    assert refused.value.code == "too_long"


# --- The manager's page -----------------------------------------------------------------------


def form_data(practitioner, start="08:00", end="12:00", **extra):
    return {
        "practitioner": practitioner.pk,
        "starts_at": f"{MONDAY:%Y-%m-%d}T{start}",
        "ends_at": f"{MONDAY:%Y-%m-%d}T{end}",
        "reason": "Conference",
        **extra,
    }


def test_first_save_with_clashes_lists_them_and_saves_nothing(manager_client, booked, practitioner):
    response = manager_client.post(NEW, form_data(practitioner))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Clash: booked during this time off" in html
    assert "Nothing is saved yet" in html
    assert "Ines Valdivia" in html and "Follow-up IASTR" in html and "10:00–10:30" in html
    assert f'name="seen" value="{booked.uuid}"' in html
    assert f'name="clash-{booked.uuid}" id="id_clash-{booked.uuid}_1" value="cancel"' in html
    assert not TimeOff.objects.exists()
    # What was typed is kept.
    assert 'value="Conference"' in html


def test_confirming_keeps_them_and_saves(manager_client, booked, practitioner):
    response = manager_client.post(
        NEW, form_data(practitioner, seen=str(booked.uuid), **{f"clash-{booked.uuid}": "keep"})
    )
    off = TimeOff.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/patients/time-off/{off.pk}/"
    booked.refresh_from_db()
    assert booked.status == AppointmentStatus.BOOKED
    page = manager_client.get(response["Location"]).content.decode()
    assert "Clash: 1 appointment stays booked during the time off" in page
    # The saved time off's page lists the clash with a link to move it.
    assert f'href="/patients/appointments/{booked.uuid}/reschedule/"' in page


def test_confirming_with_cancel_cancels_and_emails(
    manager_client, booked, practitioner, manager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(
            NEW,
            form_data(
                practitioner,
                seen=str(booked.uuid),
                cancel_reason="Practitioner away",
                **{f"clash-{booked.uuid}": "cancel"},
            ),
            follow=True,
        )
    booked.refresh_from_db()
    assert booked.status == AppointmentStatus.CANCELLED
    assert booked.cancellation_reason == "Practitioner away"
    assert [m.to for m in mail.outbox] == [["ines@example.com"]]
    assert TimeOff.objects.count() == 1
    html = response.content.decode()
    assert "Cancelled 1 appointment during it." in html
    # The email leaves when the transaction commits (here, when the test's callbacks run).
    assert "1 patient will be emailed the cancellation." in html


def test_a_crafted_post_without_the_list_saves_nothing(manager_client, booked, practitioner):
    """Choosing "cancel" without the page having listed it (no "seen") is not a confirmation."""
    response = manager_client.post(
        NEW, form_data(practitioner, **{f"clash-{booked.uuid}": "cancel"})
    )
    assert response.status_code == 200
    assert not TimeOff.objects.exists()
    booked.refresh_from_db()
    assert booked.status == AppointmentStatus.BOOKED
    assert mail.outbox == []


def test_a_junk_choice_is_a_message_not_an_error(manager_client, booked, practitioner):
    response = manager_client.post(
        NEW,
        form_data(practitioner, seen=[str(booked.uuid), "junk"], **{f"clash-{booked.uuid}": "x"}),
    )
    assert response.status_code == 200
    assert "Choose one of the options for it." in response.content.decode()
    assert not TimeOff.objects.exists()


def test_bad_times_are_messages_and_keep_what_was_typed(manager_client, practitioner):
    response = manager_client.post(NEW, form_data(practitioner, start="12:00", end="08:00"))
    assert "The time off must end after it starts." in response.content.decode()
    response = manager_client.post(
        NEW, {**form_data(practitioner), "starts_at": "9999-12-31T23:59"}
    )
    assert "Choose a date from a year ago to two years ahead." in response.content.decode()
    response = manager_client.post(NEW, {**form_data(practitioner), "ends_at": "soon\x00"})
    assert response.status_code == 200
    assert not TimeOff.objects.exists()


def test_move_chosen_saves_and_lands_on_the_list_with_move_links(
    manager_client, booked, practitioner
):
    response = manager_client.post(
        NEW,
        form_data(practitioner, seen=str(booked.uuid), **{f"clash-{booked.uuid}": "move"}),
        follow=True,
    )
    html = response.content.decode()
    assert "1 to move: use “Move” next to each." in html
    assert f'href="/patients/appointments/{booked.uuid}/reschedule/"' in html
    booked.refresh_from_db()
    assert booked.status == AppointmentStatus.BOOKED


def test_the_list_counts_the_clashes(manager_client, booked, practitioner):
    TimeOffFactory(
        practitioner=practitioner, starts_at=at(MONDAY, "09:00"), ends_at=at(MONDAY, "11:00")
    )
    TimeOffFactory(
        practitioner=practitioner, starts_at=at(MONDAY, "14:00"), ends_at=at(MONDAY, "15:00")
    )
    html = manager_client.get(LIST).content.decode()
    assert html.count('data-testid="clash-count"') == 1
    assert "Clash: 1 appointment<" in html


def test_the_list_query_count_is_fixed(
    manager_client, practitioner, follow_up, django_assert_num_queries
):
    for hour in (9, 10, 11):
        TimeOffFactory(
            practitioner=practitioner,
            starts_at=at(MONDAY + datetime.timedelta(days=hour), "08:00"),
            ends_at=at(MONDAY + datetime.timedelta(days=hour), "12:00"),
        )
    with django_assert_num_queries(6) as first:
        manager_client.get(LIST)
    for hour in (12, 13, 14, 15):
        TimeOffFactory(
            practitioner=practitioner,
            starts_at=at(MONDAY + datetime.timedelta(days=hour), "08:00"),
            ends_at=at(MONDAY + datetime.timedelta(days=hour), "12:00"),
        )
    with django_assert_num_queries(len(first.captured_queries)):
        manager_client.get(LIST)


@pytest.mark.parametrize("client_fixture", ["front_desk_client", "physio_client", "patient_client"])
@pytest.mark.parametrize("url", [LIST, NEW, "/patients/time-off/{pk}/"])
def test_only_the_manager_may_enter_time_off(request, client_fixture, url, booked, practitioner):
    off = TimeOffFactory(practitioner=practitioner)
    client = request.getfixturevalue(client_fixture)
    url = url.format(pk=off.pk)
    assert client.get(url).status_code == 404
    data = form_data(practitioner, seen=str(booked.uuid), **{f"clash-{booked.uuid}": "cancel"})
    assert client.post(url, data).status_code == 404
    booked.refresh_from_db()
    assert booked.status == AppointmentStatus.BOOKED
    assert TimeOff.objects.count() == 1


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(NEW)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- The admin sends the manager to the page ------------------------------------------------


def test_the_admin_add_and_change_open_the_time_off_page(manager_client, practitioner):
    off = TimeOffFactory(practitioner=practitioner)
    response = manager_client.get("/admin/patients/timeoff/add/")
    assert response.status_code == 302 and response["Location"] == NEW
    response = manager_client.get(f"/admin/patients/timeoff/{off.pk}/change/")
    assert response["Location"] == f"/patients/time-off/{off.pk}/"
    page = manager_client.get(f"/admin/patients/practitioner/{practitioner.pk}/change/")
    html = page.content.decode()
    assert f'href="{NEW}?practitioner={practitioner.pk}"' in html
    # The inline is read-only: no time off fields to type into on the practitioner's form.
    assert 'name="time_off-0-starts_at' not in html and f"/patients/time-off/{off.pk}/" in html


# --- The schedule marks what is left ---------------------------------------------------------


def test_the_day_and_week_mark_a_clash_in_words(front_desk_client, booked, practitioner):
    TimeOffFactory(
        practitioner=practitioner, starts_at=at(MONDAY, "08:00"), ends_at=at(MONDAY, "12:00")
    )
    for url in (
        f"/patients/schedule/?day={MONDAY:%Y-%m-%d}",
        f"/patients/schedule/week/{practitioner.pk}/?day={MONDAY:%Y-%m-%d}",
    ):
        html = front_desk_client.get(url).content.decode()
        assert html.count("Clash: booked during time off") == 1
        assert "appointment-block status-booked appointment-clash" in html


def test_no_mark_without_overlap(front_desk_client, booked, practitioner, follow_up):
    TimeOffFactory(
        practitioner=practitioner, starts_at=at(MONDAY, "10:30"), ends_at=at(MONDAY, "12:00")
    )
    html = front_desk_client.get(f"/patients/schedule/?day={MONDAY:%Y-%m-%d}").content.decode()
    assert "Ines Valdivia" in html
    assert "Clash: booked during time off" not in html
    assert Appointment.objects.count() == 1
