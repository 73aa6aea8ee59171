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
# visit adds its sites, findings, applications and the region catalogue: test_body_chart.py; + the
# progress charts, issue 12: scores, check-in pain, program versions and exercise ticks)
DETAIL_QUERIES = {"front_desk_client": 8, "physio_client": 15}


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


# --- Issue 12: progress charts, reports, cleaning log ---------------------------------------------

# The patient page with a program and charts to draw: the portal panel's program, check-ins, ticks,
# items and item counts come on top of DETAIL_QUERIES, the body chart's sites of the last visit,
# and the charts' program items.
CHARTED_DETAIL_QUERIES = 25
# session, user, second-factor device, groups, practitioners; activity (visits, first visits,
# appointments), skin responses (3), outcome change, adherence, appointment use (appointments,
# working hours, time off)
REPORT_QUERIES = 16
# session, user, second-factor device, groups, instruments (the filter), the form's instruments,
# needs cleaning, uses, cleanings
CLEANING_LOG_QUERIES = 9


def _charted_patient(physio, *, days):
    import datetime
    from decimal import Decimal

    from django.utils import timezone

    from tests.programs import TYLER, build_program, items_of
    from treatments.models import OutcomeScore, Visit
    from treatments.services import programs as program_services

    patient = PatientFactory()
    (item,) = items_of(build_program(physio, TYLER, patient=patient))
    today = timezone.localdate()
    for n in range(days):
        day = today - datetime.timedelta(days=n)
        program_services.check_in_record(patient=patient, day=day, done=[item], pain=n % 11)
        if n % 7 == 0:
            visit = Visit.objects.create(
                patient=patient, practitioner=physio.practitioner, date=day
            )
            for code in ("NPRS", "LEFS"):
                OutcomeScore.objects.create(visit=visit, measure_id=code, value=Decimal(n % 10))
    return patient


def test_patient_detail_with_charts_query_count_is_fixed(
    physio_client, physio, django_assert_num_queries
):
    for days in (2, 40):
        patient = _charted_patient(physio, days=days)
        with django_assert_num_queries(CHARTED_DETAIL_QUERIES):
            response = physio_client.get(f"/patients/{patient.uuid}/")
        assert response.content.decode().count('class="chart-point"') >= days


def test_reports_query_count_does_not_grow_with_the_clinic(
    manager_client, physio, django_assert_num_queries
):
    from tests.clinical import apply, make_visit, screen

    def treat(count):
        for _ in range(count):
            visit = make_visit(physio)
            screen(visit)
            apply(visit, "forearm", "right")
            apply(visit, "calf", "left")
        _charted_patient(physio, days=count)

    treat(1)
    with django_assert_num_queries(REPORT_QUERIES):
        manager_client.get("/reports/")
    treat(12)
    with django_assert_num_queries(REPORT_QUERIES):
        response = manager_client.get("/reports/")
    visits = response.context["tables"][0].footer[1]
    assert visits >= 13 + 3


def test_cleaning_log_query_count_is_fixed(physio_client, physio, django_assert_num_queries):
    from tests.clinical import apply, make_visit, screen
    from treatments.models import Instrument
    from treatments.services.cleaning import instrument_cleaning_record

    def use(count):
        for _ in range(count):
            visit = make_visit(physio)
            screen(visit)
            apply(visit, "forearm", "right")
            instrument_cleaning_record(
                instrument=Instrument.objects.get(name="GT1"), method="wipe", by=physio
            )

    use(1)
    with django_assert_num_queries(CLEANING_LOG_QUERIES):
        physio_client.get("/instruments/cleaning/")
    use(10)
    with django_assert_num_queries(CLEANING_LOG_QUERIES):
        response = physio_client.get("/instruments/cleaning/")
    assert response.content.decode().count('data-kind="use"') == 11
