"""Page budgets: the patient list and detail make a fixed number of queries whatever the data."""

import pytest

from tests.factories import PatientFactory
from tests.scheduling import *  # noqa: F403 (fixtures)

pytestmark = pytest.mark.django_db

# session, user, the second-factor device (issue 9), the user's groups, count for the paginator,
# the page of patients
LIST_QUERIES = 6
# session, user, second-factor device, groups, the patient with the users it names and its no-show
# count, the access-log INSERT (issue 9), upcoming and past appointments (+ the visits and the
# active home program for clinicians; + the last visit for the body chart, issue 12, which with a
# visit adds its sites, findings, applications and the region catalogue: test_body_chart.py)
DETAIL_QUERIES = {"front_desk_client": 8, "physio_client": 11}


def test_patient_list_queries_do_not_grow_with_patients(
    front_desk_client, django_assert_num_queries
):
    PatientFactory.create_batch(3)
    with django_assert_num_queries(LIST_QUERIES):
        front_desk_client.get("/patients/")
    PatientFactory.create_batch(30)
    with django_assert_num_queries(LIST_QUERIES):
        response = front_desk_client.get("/patients/")
    assert len(response.context["patients"]) == 25


def test_patient_search_queries_do_not_grow_with_patients(
    front_desk_client, django_assert_num_queries
):
    PatientFactory.create_batch(3, last_name="Lindqvist")
    with django_assert_num_queries(LIST_QUERIES):
        front_desk_client.get("/patients/", {"q": "lindq"})
    PatientFactory.create_batch(30, last_name="Lindqvist")
    with django_assert_num_queries(LIST_QUERIES):
        front_desk_client.get("/patients/", {"q": "lindq"})


@pytest.mark.parametrize("client_fixture", ["front_desk_client", "physio_client"])
def test_patient_detail_query_count_is_fixed(
    request, client_fixture, django_assert_num_queries, physio
):
    client = request.getfixturevalue(client_fixture)
    patient = PatientFactory(consent_iastr_recorded_by=physio, consent_iastr_at="2026-01-05T10:00Z")
    with django_assert_num_queries(DETAIL_QUERIES[client_fixture]):
        response = client.get(f"/patients/{patient.uuid}/")
    assert "Given; recorded by" in response.content.decode()


# Issue 10, the booking page from a patient's page (nothing chosen yet): session, user,
# second-factor device, groups, the patient; their last practitioner (validated); working
# hours, time off, the practitioner's and the patient's own appointments over the whole strip of
# days (one span, not one query per day); the types for the rule and whether the patient has
# been assessed; then the type and practitioner choices as the page renders them.
BOOKING_PAGE_QUERIES = 15


def test_booking_page_query_count_is_fixed(
    front_desk_client, django_assert_num_queries, practitioner, follow_up
):
    import datetime

    from django.utils import timezone

    from tests.factories import AppointmentFactory

    patient = PatientFactory()
    AppointmentFactory(  # seen by Alex last week: Alex is preselected
        patient=patient,
        practitioner=practitioner,
        type=follow_up,
        starts_at=timezone.now().replace(microsecond=0) - datetime.timedelta(days=7),
        status="completed",
    )
    url = f"/patients/appointments/book/?patient={patient.uuid}"
    with django_assert_num_queries(BOOKING_PAGE_QUERIES):
        front_desk_client.get(url)
    start = timezone.now().replace(microsecond=0) + datetime.timedelta(days=2)
    for n in range(8):
        AppointmentFactory(
            patient=patient if n % 2 else PatientFactory(),
            practitioner=practitioner,
            type=follow_up,
            starts_at=start + datetime.timedelta(days=n, minutes=45 * n),
        )
    with django_assert_num_queries(BOOKING_PAGE_QUERIES):
        response = front_desk_client.get(url)
    assert response.context["criteria"].practitioner == practitioner
