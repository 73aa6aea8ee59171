"""Page budgets: the patient list and detail make a fixed number of queries whatever the data."""

import pytest

from tests.factories import PatientFactory

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
