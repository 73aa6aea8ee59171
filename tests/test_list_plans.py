"""Issue 11: the lists at a few thousand rows. Every query of the patient list, the archived
list, the audit trail (the access log gets a row on every page view), My day, the time-off list
and the instrument cleaning log is answered by an index: EXPLAIN, after ANALYZE and with
sequential scans priced out, shows none of the table (a predicate no index can answer still
shows as a Seq Scan). No list counts a whole table: the audit trail counts at most
``audit.views.TRAIL_LIMIT`` rows and says so in words."""

import datetime
import json
import re
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pghistory.models import Context

from audit.models import AccessLog
from audit.views import TRAIL_LIMIT
from patients.models import Appointment, Patient, TimeOff
from tests.clinical import make_visit, screen
from tests.scheduling import *  # noqa: F403 (fixtures)
from tests.scheduling import at
from treatments.models import (
    Application,
    BodyRegion,
    Instrument,
    InstrumentCleaning,
    StrokeTechnique,
    TreatmentSession,
)

pytestmark = pytest.mark.django_db

START = datetime.datetime(2025, 1, 6, 9, tzinfo=datetime.UTC)


def _analyze(*tables):
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"ANALYZE {table}")


def _queries(client, path, data=None):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, data or {})
    assert response.status_code == 200, response.status_code
    return response, [q["sql"] for q in captured.captured_queries]


def _reading(sqls, table):
    return [sql for sql in sqls if f'"{table}"' in sql or f" {table} " in sql]


# pghistory's middleware puts its context before each statement of a request that may write.
HISTORY_CONTEXT = re.compile(r"^SELECT set_config\('pghistory\.context_id'.*?, true\); ", re.S)
# Nodes that pass rows on as they come: a scan under them and a Limit stops when the Limit does.
STREAMING = {"Limit", "Subquery Scan", "Append", "Result", "Nested Loop", "Index Scan"}


SCANS = {"Seq Scan", "Index Scan", "Index Only Scan", "Bitmap Index Scan"}


def _unbounded_seq_scans(node, limited=False):
    """The relations read whole: by a Seq Scan, or an index scan with no condition (the whole
    index in its order), unless under a Limit through streaming nodes only (a bounded count, or
    a page in the index's order, reads the first rows it meets and stops)."""
    kind = node["Node Type"]
    whole = kind == "Seq Scan" or (kind in SCANS and "Index Cond" not in node)
    if whole and not limited:
        yield node.get("Relation Name") or node["Index Name"]
    limited = (limited and kind in STREAMING) or kind == "Limit"
    for child in node.get("Plans", []):
        yield from _unbounded_seq_scans(child, limited)


def _index_names(node):
    if "Index Name" in node:
        yield node["Index Name"]
    for child in node.get("Plans", []):
        yield from _index_names(child)


def _plan(sql):
    """(index names, relations read whole by a Seq Scan) of ``sql``'s plan, sequential scans
    priced out: a predicate no index can answer still shows as a Seq Scan."""
    sql = HISTORY_CONTEXT.sub("", sql)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        try:
            cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}")
            plan = cursor.fetchone()[0]
        finally:
            cursor.execute("SET LOCAL enable_seqscan = on")
    plan = json.loads(plan) if isinstance(plan, str) else plan
    root = plan[0]["Plan"]
    return set(_index_names(root)), set(_unbounded_seq_scans(root))


def _assert_indexed(sqls, table, *, count=None):
    """Each of ``sqls`` that reads ``table`` does so through an index (none is a Seq Scan of it);
    returns the indexes used."""
    reading = _reading(sqls, table)
    if count is not None:
        assert len(reading) == count, reading
    assert reading, f"no query reads {table}"
    used = set()
    for sql in reading:
        indexes, seq_scans = _plan(sql)
        assert table not in seq_scans, sql
        used |= indexes
    return used


@pytest.fixture
def patients_table(db):
    """3,000 patients, one in ten archived."""
    rows = [
        Patient(
            first_name=f"First{n % 97}",
            last_name=f"Last{n % 331:03d}",
            date_of_birth=datetime.date(1950, 1, 1) + datetime.timedelta(days=n * 7),
            phone=f"604-{n // 10000:03d}-{n % 10000:04d}",
            email=f"p{n}@example.com",
            archived_at=START + datetime.timedelta(hours=n) if n % 10 == 0 else None,
        )
        for n in range(3000)
    ]
    Patient.objects.bulk_create(rows, batch_size=1000)
    _analyze("patients_patient")
    return rows


def test_the_patient_list_reads_its_order_index(front_desk_client, patients_table):
    response, sqls = _queries(front_desk_client, "/patients/", {"page": "3"})
    assert len(response.context["patients"]) == 25
    used = _assert_indexed(sqls, "patients_patient")
    assert "patient_list_order_idx" in used


def test_the_archived_list_reads_its_partial_index(manager_client, patients_table):
    response, sqls = _queries(manager_client, "/patients/archived/", {"page": "2"})
    assert len(response.context["patients"]) == 25
    used = _assert_indexed(sqls, "patients_patient")
    assert "patient_archived_idx" in used


@pytest.fixture
def access_log(manager, physio, front_desk, patients_table):
    """6,000 page views: 300 patients seen by three users over a year and more."""
    patients = patients_table[:300]
    users = [manager, physio, front_desk]
    AccessLog.objects.bulk_create(
        [
            AccessLog(
                at=START + datetime.timedelta(hours=2 * n),
                user=users[n % 3],
                model="patients.patient",
                object_id=str(patients[n % 300].uuid),
                patient=patients[n % 300],
                path=f"/patients/{patients[n % 300].uuid}/",
            )
            for n in range(6000)
        ],
        batch_size=2000,
    )
    # What the history's events point to: who changed something, on which request.
    Context.objects.bulk_create(
        [
            Context(id=uuid.uuid4(), metadata={"user": users[n % 3].pk, "url": f"/x/{n}/"})
            for n in range(6000)
        ],
        batch_size=2000,
    )
    _analyze("audit_accesslog", "pghistory_context")
    return patients


def test_the_patient_trail_reads_the_access_log_by_patient(manager_client, access_log):
    patient = access_log[7]
    response, sqls = _queries(manager_client, f"/audit/patients/{patient.uuid}/")
    views = [e for e in response.context["entries"] if e["t_action"] == "view"]
    assert len(views) == 6000 // 300 + 1  # and the manager's view of this page
    _assert_indexed(sqls, "audit_accesslog")
    for sql in sqls:
        assert "COUNT(*)" not in sql or "LIMIT" in sql, sql  # a bounded count only


def test_the_user_trail_reads_the_access_log_and_the_history_by_user(
    manager_client, physio, access_log
):
    response, sqls = _queries(manager_client, f"/audit/users/{physio.pk}/")
    assert len(response.context["entries"]) == 50
    assert response.context["page"].paginator.truncated
    html = response.content.decode()
    assert f"More than {TRAIL_LIMIT:,} rows: narrow the dates" in html
    _assert_indexed(sqls, "audit_accesslog")
    used = _assert_indexed(sqls, "pghistory_context")
    assert "revere_pghistory_context_user_idx" in used  # audit migration 0002


def test_the_trail_csv_reads_the_users_once(manager_client, physio, access_log):
    with CaptureQueriesContext(connection) as captured:
        response = manager_client.get(f"/audit/users/{physio.pk}/export.csv")
        lines = b"".join(response.streaming_content).decode().splitlines()
    assert len(lines) == 1 + 2000  # the header, and every row: the CSV is not bounded
    assert lines[1].split(",")[6] == "physio"
    users = [q for q in captured.captured_queries if 'FROM "auth_user"' in q["sql"]]
    # the signed-in user and the trail's; the rows' usernames come with the rows (one query)
    assert len(users) == 2


@pytest.fixture
def busy_year(physio, follow_up, patients_table):
    """The physiotherapist's 3,000 appointments over a year and more, eight a weekday."""
    practitioner = physio.practitioner
    today = timezone.localdate()
    rows, day = [], today - datetime.timedelta(days=420)
    while len(rows) < 3000:
        if day.weekday() < 5:
            for k in range(8):
                starts_at = at(day, "08:00") + datetime.timedelta(hours=k)
                rows.append(
                    Appointment(
                        patient=patients_table[len(rows) % 2000 + 1],
                        practitioner=practitioner,
                        type=follow_up,
                        starts_at=starts_at,
                        ends_at=starts_at + datetime.timedelta(minutes=follow_up.minutes),
                    )
                )
        day += datetime.timedelta(days=1)
    Appointment.objects.bulk_create(rows, batch_size=1000)
    _analyze("patients_appointment", "treatments_visit")
    return rows


def test_my_day_reads_the_appointments_by_range(physio_client, busy_year):
    day = busy_year[1600].starts_at.date()
    response, sqls = _queries(physio_client, "/visits/day/", {"day": f"{day:%Y-%m-%d}"})
    assert len(response.context["rows"]) == 8
    _assert_indexed(sqls, "patients_appointment")
    _assert_indexed(sqls, "treatments_visit")


def test_the_time_off_list_reads_what_is_not_over(
    manager_client, practitioner, second_practitioner
):
    """2,000 time-off periods over eight years, a handful still to come."""
    now = timezone.now()
    rows = []
    for n in range(2000):
        starts_at = now - datetime.timedelta(days=2970) + datetime.timedelta(days=1.5 * n)
        for member in (practitioner,) if n % 2 else (second_practitioner,):
            rows.append(
                TimeOff(
                    practitioner=member,
                    starts_at=starts_at,
                    ends_at=starts_at + datetime.timedelta(hours=3),
                    reason="Course",
                )
            )
    TimeOff.objects.bulk_create(rows)
    _analyze("patients_timeoff")
    response, sqls = _queries(manager_client, "/patients/time-off/")
    assert 0 < len(response.context["time_off"]) <= 25
    _assert_indexed(sqls, "patients_timeoff")


@pytest.fixture
def instrument_history(physio, patients_table):
    """2,000 applications in 20 visits, and 2,000 cleanings."""
    region = BodyRegion.objects.get(code="forearm")
    stroke = StrokeTechnique.objects.get(code="sweeping")
    instruments = list(Instrument.objects.filter(active=True))
    rows = []
    for v in range(20):
        visit = make_visit(physio, patients_table[v + 1])
        screen(visit)
        session = TreatmentSession.objects.create(visit=visit)
        for n in range(100):
            rows.append(
                Application(
                    session=session,
                    region=region,
                    side="right",
                    instrument=instruments[n % len(instruments)],
                    stroke=stroke,
                    direction="parallel",
                    pressure="light",
                    duration_seconds=60,
                    created_at=START + datetime.timedelta(hours=v * 100 + n),
                )
            )
    Application.objects.bulk_create(rows, batch_size=1000)
    InstrumentCleaning.objects.bulk_create(
        [
            InstrumentCleaning(
                instrument=instruments[n % len(instruments)],
                method="wipe",
                cleaned_by=physio,
                cleaned_at=START + datetime.timedelta(hours=n),
            )
            for n in range(2000)
        ]
    )
    _analyze("treatments_application", "treatments_instrumentcleaning")
    return instruments


def test_the_cleaning_log_reads_the_latest_uses_by_index(physio_client, instrument_history):
    response, sqls = _queries(physio_client, "/instruments/cleaning/")
    assert response.content.decode().count('data-kind="use"') > 0
    _assert_indexed(sqls, "treatments_application")
    _assert_indexed(sqls, "treatments_instrumentcleaning")
    gt1 = Instrument.objects.get(name="GT1")
    response, sqls = _queries(physio_client, "/instruments/cleaning/", {"show": gt1.pk})
    _assert_indexed(sqls, "treatments_application")
