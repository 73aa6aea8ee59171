"""The physiotherapist's home: their own day, and a visit started from an appointment."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import AppointmentFactory, AppointmentTypeFactory, PatientFactory
from treatments.models import Visit

pytestmark = pytest.mark.django_db


def at_today(hour, minute=0):
    local = timezone.localtime().replace(hour=hour, minute=minute, second=0, microsecond=0)
    return local


@pytest.fixture
def todays(physio):
    return [
        AppointmentFactory(
            practitioner=physio.practitioner,
            patient=PatientFactory(first_name="Ada", last_name="Morning"),
            starts_at=at_today(9),
        ),
        AppointmentFactory(
            practitioner=physio.practitioner,
            patient=PatientFactory(first_name="Ben", last_name="Afternoon"),
            starts_at=at_today(14),
        ),
    ]


def test_physio_lands_on_their_day_with_todays_appointments(physio_client, physio, todays):
    response = physio_client.get("/", follow=True)
    assert response.redirect_chain[-1][0] == "/visits/day/"
    html = response.content.decode()
    assert html.index("Ada Morning") < html.index("Ben Afternoon")
    assert html.count("Not started") == 2
    assert "My day</a>" in html  # the navigation link


def test_other_practitioners_and_other_days_are_not_listed(physio_client, physio, todays):
    AppointmentFactory(patient=PatientFactory(last_name="Elsewhere"), starts_at=at_today(10))
    AppointmentFactory(
        practitioner=physio.practitioner,
        patient=PatientFactory(last_name="Tomorrow"),
        starts_at=at_today(10) + datetime.timedelta(days=1),
    )
    html = physio_client.get("/visits/day/").content.decode()
    assert "Elsewhere" not in html and "Tomorrow" not in html
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    assert "Tomorrow" in physio_client.get("/visits/day/", {"date": tomorrow}).content.decode()
    # A malformed date falls back to today instead of failing.
    assert physio_client.get("/visits/day/", {"date": "31/02"}).status_code == 200


def test_start_visit_from_an_appointment_records_it_and_resumes(physio_client, todays):
    appointment = todays[0]
    url = reverse("visits:start_from_appointment", args=[appointment.uuid])
    physio_client.post(url)
    visit = Visit.objects.get()
    assert visit.appointment == appointment and visit.patient == appointment.patient
    physio_client.post(url)
    assert Visit.objects.count() == 1
    html = physio_client.get("/visits/day/").content.decode()
    assert "Draft: Assessment" in html and "Resume" in html


def test_cannot_start_a_visit_for_another_practitioners_appointment(physio_client):
    other = AppointmentFactory(starts_at=at_today(11))
    response = physio_client.post(reverse("visits:start_from_appointment", args=[other.uuid]))
    assert response.status_code == 404
    assert not Visit.objects.exists()


def test_phone_consultation_has_no_visit_button(physio_client, physio):
    call = AppointmentTypeFactory(name="Free 10-minute consultation call", minutes=10, mode="phone")
    AppointmentFactory(practitioner=physio.practitioner, type=call, starts_at=at_today(12))
    html = physio_client.get("/visits/day/").content.decode()
    assert "consultation call" in html and "Start visit" not in html


@pytest.mark.parametrize("client_fixture", ["front_desk_client", "patient_client"])
def test_my_day_is_for_physiotherapists_only(request, client_fixture, todays):
    client = request.getfixturevalue(client_fixture)
    assert client.get("/visits/day/").status_code == 404
    url = reverse("visits:start_from_appointment", args=[todays[0].uuid])
    assert client.post(url).status_code == 404


def test_my_day_query_count_does_not_grow(
    physio_client, physio, todays, django_assert_max_num_queries, django_assert_num_queries
):
    with django_assert_max_num_queries(12) as captured:
        physio_client.get("/visits/day/")
    for hour in (15, 16):
        AppointmentFactory(practitioner=physio.practitioner, starts_at=at_today(hour))
    with django_assert_num_queries(len(captured)):
        physio_client.get("/visits/day/")
