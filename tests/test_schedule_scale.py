"""Issue 11: the schedule and booking at a few thousand appointments. Every query that reads the
appointments (the day schedule, the week view, the booking page's free times, the "any
practitioner" booking's who-is-free) is answered by an index on them: EXPLAIN, after ANALYZE, shows
no sequential scan of the table. The overlap test used to be ``ends_at > start AND starts_at <
end``, with no lower bound on ``starts_at``: at a million appointments it read every earlier one."""

import datetime
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from patients.models import Appointment
from tests.factories import PatientFactory
from tests.scheduling import *  # noqa: F403 (fixtures)
from tests.scheduling import at, future_day

pytestmark = pytest.mark.django_db

DAYS = 420  # the past year and more, and a few weeks ahead
PER_DAY = 4  # per practitioner


@pytest.fixture
def history(practitioner, second_practitioner, follow_up):
    """About 3,400 appointments of two practitioners, most of them in the past, one in twelve
    cancelled; the busy day is ``future_day(0)``, two weeks from the last."""
    patients = [PatientFactory() for _ in range(60)]
    last = future_day(0, weeks=2)
    rows, n = [], 0
    for back in range(DAYS):
        day = last - datetime.timedelta(days=back)
        if day.weekday() >= 5:
            continue
        for column, member in enumerate((practitioner, second_practitioner)):
            for k in range(PER_DAY):
                # each practitioner's own hours, so one patient is never booked twice at once
                starts_at = at(day, "08:00") + datetime.timedelta(hours=column * PER_DAY + k)
                cancelled = n % 12 == 5
                rows.append(
                    Appointment(
                        patient=patients[n % len(patients)],
                        practitioner=member,
                        type=follow_up,
                        starts_at=starts_at,
                        ends_at=starts_at + datetime.timedelta(minutes=follow_up.minutes),
                        status="cancelled" if cancelled else "booked",
                        cancelled_at=starts_at - datetime.timedelta(days=1) if cancelled else None,
                        cancellation_reason="Unwell" if cancelled else "",
                    )
                )
                n += 1
    Appointment.objects.bulk_create(rows, batch_size=1000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE patients_appointment")
    return patients


def _plan_nodes(node):
    yield node
    for child in node.get("Plans", []):
        yield from _plan_nodes(child)


def _appointment_queries(client, method, path, data):
    """The SQL of the request's queries that read the appointments table."""
    with CaptureQueriesContext(connection) as captured:
        response = getattr(client, method)(path, data)
    assert response.status_code in (200, 302), response.status_code
    sqls = [q["sql"] for q in captured.captured_queries]
    return [sql for sql in sqls if 'FROM "patients_appointment"' in sql]


def _plan(sql):
    """(index names, relations read by a sequential scan) of ``sql``'s plan with sequential
    scans priced out: a predicate no index can answer still shows as a Seq Scan."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        try:
            cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}")
            plan = cursor.fetchone()[0]
        finally:
            cursor.execute("SET LOCAL enable_seqscan = on")
    plan = json.loads(plan) if isinstance(plan, str) else plan
    nodes = list(_plan_nodes(plan[0]["Plan"]))
    indexes = {node["Index Name"] for node in nodes if "Index Name" in node}
    seq_scans = {node["Relation Name"] for node in nodes if node["Node Type"] == "Seq Scan"}
    return indexes, seq_scans


APPOINTMENT_INDEXES = {
    "appointment_span_idx",
    "appointment_no_practitioner_overlap",
    "appointment_no_patient_overlap",
}


def _assert_indexed(queries, expected):
    assert len(queries) == expected, queries
    for sql in queries:
        indexes, seq_scans = _plan(sql)
        assert indexes & APPOINTMENT_INDEXES, (sql, indexes)
        assert "patients_appointment" not in seq_scans, sql


def test_the_day_schedule_reads_the_range_index(front_desk_client, history):
    day = future_day(0)
    queries = _appointment_queries(
        front_desk_client, "get", "/patients/schedule/", {"day": f"{day:%Y-%m-%d}"}
    )
    _assert_indexed(queries, 1)
    # Cancelled appointments too: the exclusion constraints' indexes leave them out.
    assert "appointment_span_idx" in _plan(queries[0])[0]


def test_the_week_view_reads_the_range_index(front_desk_client, practitioner, history):
    day = future_day(0)
    queries = _appointment_queries(
        front_desk_client,
        "get",
        f"/patients/schedule/week/{practitioner.pk}/",
        {"day": f"{day:%Y-%m-%d}"},
    )
    _assert_indexed(queries, 1)


def test_the_booking_pages_free_times_read_an_index(front_desk_client, history):
    patient = history[0]
    queries = _appointment_queries(
        front_desk_client, "get", "/patients/appointments/book/", {"patient": str(patient.uuid)}
    )
    # the last practitioner (the patient's own index), the free times of the strip of days
    assert len(queries) == 2
    _assert_indexed([q for q in queries if "TSTZRANGE" in q], 1)
    assert "patients_appointment" not in _plan(queries[0])[1]


def test_any_practitioner_booking_asks_who_is_free_on_an_index(
    front_desk_client, follow_up, history
):
    day = future_day(0)
    patient = PatientFactory()
    start = at(day, "16:30")
    queries = _appointment_queries(
        front_desk_client,
        "post",
        "/patients/appointments/book/",
        {
            "patient": str(patient.uuid),
            "type": follow_up.pk,
            "practitioner": "",
            "day": f"{day:%Y-%m-%d}",
            "start": start.isoformat(),
        },
    )
    assert Appointment.objects.filter(patient=patient, starts_at=start).exists()
    # One query says who is free: the practitioners without time off or an appointment then.
    (who_is_free,) = [q for q in queries if q.startswith('SELECT "patients_practitioner"')]
    assert "NOT (EXISTS" in who_is_free
    _assert_indexed(queries, len(queries))


def test_a_patients_upcoming_appointments_read_the_patient_index(history):
    """Issue 11: "not ended yet" as ``ends_at > now`` alone was answered by the exclusion
    constraint's GiST index on (range, patient) read whole (0.2 s at a million appointments, the
    portal's My plan and My appointments); the lower bound on ``starts_at`` lets the (patient,
    starts_at) btree answer it."""
    from patients import selectors

    patient = history[0]
    now = at(future_day(0), "07:00")
    with CaptureQueriesContext(connection) as captured:
        upcoming, _ = selectors.patient_appointments(patient=patient, now=now)
    assert upcoming and all(a.ends_at > now for a in upcoming)
    indexes, seq_scans = _plan(captured.captured_queries[0]["sql"])
    assert "appointment_patient_idx" in indexes, indexes
    assert "patients_appointment" not in seq_scans


def test_a_patients_visits_with_merged_records_read_indexes(physio):
    """Issue 11: the patient page's visits "of this record or of one merged into it" were an OR
    across the join to the patients table, which no index answers: at 300,000 visits it hash-joined
    both tables (0.5 s). As ``patient_id IN (this record and those merged into it)`` it reads the
    visit's patient index."""
    from tests.clinical import make_visit
    from treatments.models import Visit
    from treatments.panels import _visits

    patient = PatientFactory()
    make_visit(physio, patient)
    with CaptureQueriesContext(connection) as captured:
        own, merged, _ = _visits(patient)
    assert [v.patient_id for v in own] == [patient.pk] and merged == []
    (sql,) = [q["sql"] for q in captured.captured_queries if "treatments_visit" in q["sql"]]
    indexes, seq_scans = _plan(sql)
    assert not {"treatments_visit", "patients_patient"} & seq_scans, (seq_scans, indexes)
    assert Visit.objects.filter(patient=patient).count() == 1
