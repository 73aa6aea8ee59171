"""Issue 12: the manager's reports. Only the manager sees them; every figure is checked against a
small clinic computed by hand; odd filters are a message, never a 500; the CSV files are no-store
and name no patient."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from audit.models import AccessLog
from patients.models import Appointment
from revere import roles
from tests.clinical import apply, make_visit, screen
from tests.factories import (
    AppointmentFactory,
    PatientFactory,
    PractitionerFactory,
    TimeOffFactory,
    UserFactory,
    WorkingHoursFactory,
)
from tests.programs import TYLER, build_program, freeze, items_of, local
from tests.test_progress_charts import figure, labels, points, svg_of, table_rows
from treatments.models import Assessment, OutcomeScore, TreatmentSession, Visit
from treatments.services import programs as program_services

pytestmark = pytest.mark.django_db

URL = reverse("reports:dashboard")
D = datetime.date
RANGE = {"start": "2026-03-01", "end": "2026-04-30"}
STROKE = "Sweeping"
SURNAMES = ["Aaltonen", "Bergqvist", "Castellanos", "Dimitriou", "Eriksdottir", "Fairweather"]


@pytest.fixture
def second_physio(db):
    user = UserFactory(username="second", role=roles.PHYSIOTHERAPIST)
    return PractitionerFactory(user=user, display_name="Second Physio, PT").user


def scored_visit(practitioner_user, patient, day, condition=None, **scores):
    visit = Visit.objects.create(
        patient=patient, practitioner=practitioner_user.practitioner, date=day
    )
    if condition:
        Assessment.objects.create(visit=visit, condition_id=condition)
    for code, value in scores.items():
        OutcomeScore.objects.create(visit=visit, measure_id=code, value=Decimal(value))
    return visit


def treated(physio_user, patient, day, skin, adverse, *sites):
    visit = make_visit(physio_user, patient)
    screen(visit)
    for region, side in sites:
        apply(visit, region, side)
    TreatmentSession.objects.filter(visit=visit).update(
        skin_response=skin, adverse_event_note=adverse
    )
    Visit.objects.filter(pk=visit.pk).update(date=day)
    return visit


@pytest.fixture
def clinic(monkeypatch, physio, second_physio):
    """The hand-computed clinic (see each test for the figures it gives)."""
    a, b, c, d, e, f = (PatientFactory(last_name=name) for name in SURNAMES)
    freeze(monkeypatch, local(2026, 4, 30, 12, 0))
    # Visits and outcome scores. A: first visit in February, then March (physio) and April
    # (second physio). D: March and April, no condition recorded.
    scored_visit(physio, a, D(2026, 2, 20))
    scored_visit(physio, a, D(2026, 3, 5), "plantar_fasciitis", LEFS="30", QuickDASH="60")
    scored_visit(second_physio, a, D(2026, 4, 2), LEFS="50", QuickDASH="40")
    scored_visit(physio, d, D(2026, 3, 6), LEFS="20")
    scored_visit(physio, d, D(2026, 4, 20), LEFS="25")
    # B: one session in March (physio), erythema, two forearm applications; one LEFS only.
    b_visit = treated(
        physio, b, D(2026, 3, 10), "erythema", "", ("forearm", "right"), ("forearm", "left")
    )
    OutcomeScore.objects.create(visit=b_visit, measure_id="LEFS", value=40)
    # C: one session in April (second physio), petechiae and an adverse event, one calf.
    treated(second_physio, c, D(2026, 4, 15), "petechiae", "Bruising reported", ("calf", "left"))
    # E and F: home programs (Tyler twist, every day) from 20 April (physio) and 27 April (second).
    freeze(monkeypatch, local(2026, 4, 20, 10, 0))
    (e_item,) = items_of(build_program(physio, TYLER, patient=e))
    freeze(monkeypatch, local(2026, 4, 27, 10, 0))
    (f_item,) = items_of(build_program(second_physio, TYLER, patient=f))
    freeze(monkeypatch, local(2026, 4, 30, 12, 0))
    for n in range(10):  # E: 20 to 29 April ticked, not the 30th
        day = D(2026, 4, 20) + datetime.timedelta(days=n)
        program_services.check_in_record(patient=e, day=day, done=[e_item], pain=3)
    program_services.check_in_record(patient=f, day=D(2026, 4, 28), done=[f_item], pain=2)
    # Appointments of the physio, 30 minutes each: March 3 completed, 1 no-show, 1 cancelled;
    # April 1 completed, 1 no-show. Working hours: Mondays 09:00-12:00, one hour away on 16 March.
    practitioner = physio.practitioner
    statuses = [
        (D(2026, 3, 2), "completed"),
        (D(2026, 3, 3), "completed"),
        (D(2026, 3, 4), "completed"),
        (D(2026, 3, 5), "no_show"),
        (D(2026, 3, 6), "cancelled"),
        (D(2026, 4, 7), "completed"),
        (D(2026, 4, 8), "no_show"),
    ]
    for day, status in statuses:
        starts_at = local(day.year, day.month, day.day, 9, 0)
        cancelled = {"cancelled_at": starts_at, "cancellation_reason": "Unwell"}
        AppointmentFactory(
            patient=a,
            practitioner=practitioner,
            starts_at=starts_at,
            status=status,
            **(cancelled if status == "cancelled" else {}),
        )
    AppointmentFactory(  # outside the range: not counted
        patient=a, practitioner=practitioner, starts_at=local(2026, 5, 4, 9, 0), status="no_show"
    )
    WorkingHoursFactory(
        practitioner=practitioner, weekday=0, starts=datetime.time(9), ends=datetime.time(12)
    )
    TimeOffFactory(
        practitioner=practitioner,
        starts_at=local(2026, 3, 16, 10, 0),
        ends_at=local(2026, 3, 16, 11, 0),
    )
    return {"physio": physio.practitioner, "second": second_physio.practitioner}


def report(client, params, slug):
    response = client.get(URL, params)
    assert response.status_code == 200
    table = next(t for t in response.context["tables"] if t.slug == slug)
    return table.rows, table.footer


def csv_rows(client, slug, params):
    response = client.get(reverse("reports:csv", args=[slug]), params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Cache-Control"] == "no-store"
    assert "attachment" in response["Content-Disposition"]
    return list(csv.reader(io.StringIO(response.content.decode())))


# --- Who may see them ------------------------------------------------------------------------


@pytest.mark.parametrize("client_fixture", ["front_desk_client", "physio_client", "patient_client"])
def test_only_the_manager_sees_the_reports(request, client_fixture):
    client = request.getfixturevalue(client_fixture)
    assert client.get(URL).status_code == 404
    assert client.get(reverse("reports:csv", args=["activity"])).status_code == 404


def test_anonymous_is_sent_to_log_in(client):
    response = client.get(reverse("reports:csv", args=["activity"]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_manager_navigation_links_the_reports(manager_client, physio_client):
    assert URL in manager_client.get(reverse("patients:list")).content.decode()
    assert f'href="{URL}"' not in physio_client.get(reverse("patients:list")).content.decode()


# --- The figures ---------------------------------------------------------------------------


def test_visits_new_patients_and_no_show_rate(manager_client, clinic):
    rows, footer = report(manager_client, RANGE, "activity")
    # March: A, B, D visits (3); new: B and D (A came first in February). 4 due, 1 no-show.
    # April: A, C, D, E, F (5); new: C, E, F. 2 due, 1 no-show. The cancelled one is not due.
    assert rows == [["2026-03", 3, 2, 4, 1, 25.0], ["2026-04", 5, 3, 2, 1, 50.0]]
    assert footer == ["Total", 8, 5, 6, 2, 33.3]
    html = manager_client.get(URL, RANGE).content.decode()
    svg = svg_of(html, "visits-by-month")
    assert len(points(svg)) == 2 and labels(svg, "x") == ["Mar 2026", "Apr 2026"]
    assert table_rows(html, "visits-by-month") == [["2026-03-01", "3"], ["2026-04-01", "5"]]
    empty = manager_client.get(URL, {"start": "2025-01-01", "end": "2025-01-31"}).content.decode()
    assert "No visits in this range." in figure(empty, "visits-by-month")
    physio_only = {**RANGE, "practitioner": clinic["physio"].pk}
    rows, _ = report(manager_client, physio_only, "activity")
    assert rows == [["2026-03", 3, 2, 4, 1, 25.0], ["2026-04", 2, 1, 2, 1, 50.0]]


def test_skin_responses_by_region_instrument_and_stroke(manager_client, clinic):
    # Columns: sessions, applications, erythema, petechiae, ecchymosis, adverse event.
    rows, _ = report(manager_client, RANGE, "skin-region")
    assert rows == [["Calf", 1, 1, 0, 1, 0, 1], ["Forearm", 1, 2, 1, 0, 0, 0]]
    rows, _ = report(manager_client, RANGE, "skin-instrument")
    assert rows == [["GT1", 2, 3, 1, 1, 0, 1]]
    rows, _ = report(manager_client, RANGE, "skin-stroke")
    assert rows == [[STROKE, 2, 3, 1, 1, 0, 1]]
    second_only = {**RANGE, "practitioner": clinic["second"].pk}
    rows, _ = report(manager_client, second_only, "skin-region")
    assert rows == [["Calf", 1, 1, 0, 1, 0, 1]]


def test_outcome_change_by_condition_first_to_last(manager_client, clinic):
    rows, _ = report(manager_client, RANGE, "outcomes")
    # D: LEFS 20 -> 25 (+5, MCID 9 not reached). A (plantar fasciitis at the first visit): LEFS
    # 30 -> 50 (+20), QuickDASH 60 -> 40 (lower is better: +20, MCID 14 reached). B: one score.
    assert rows == [
        ["No condition recorded", "Lower Extremity Functional Scale", "Higher", 1,
         Decimal("20.0"), Decimal("25.0"), Decimal("5.0"), 0],
        ["Plantar fasciitis (plantar heel pain)", "Lower Extremity Functional Scale", "Higher",
         1, Decimal("30.0"), Decimal("50.0"), Decimal("20.0"), 1],
        ["Plantar fasciitis (plantar heel pain)", "QuickDASH (arm, shoulder, hand)", "Lower",
         1, Decimal("60.0"), Decimal("40.0"), Decimal("20.0"), 1],
    ]  # fmt: skip
    # The physio alone: A's April visit was the second physio's, so A has one score per measure.
    rows, _ = report(manager_client, {**RANGE, "practitioner": clinic["physio"].pk}, "outcomes")
    assert [row[:4] for row in rows] == [
        ["No condition recorded", "Lower Extremity Functional Scale", "Higher", 1]
    ]


def test_adherence_across_patients(manager_client, clinic):
    rows, footer = report(manager_client, RANGE, "adherence")
    # E: 10 of 11 days (20-30 April) = 90.9%; F: 1 of 4 (27-30 April) = 25%.
    assert rows == [
        ["0-24%", 0, None],
        ["25-49%", 1, Decimal("25.0")],
        ["50-74%", 0, None],
        ["75-100%", 1, Decimal("90.9")],
    ]
    assert footer == ["All patients with a program", 2, Decimal("58.0")]
    rows, footer = report(
        manager_client, {**RANGE, "practitioner": clinic["physio"].pk}, "adherence"
    )
    assert footer[1] == 1 and rows[3][1] == 1


def test_appointment_use_by_practitioner(manager_client, clinic):
    rows, _ = report(manager_client, RANGE, "use")
    # 9 Mondays (2, 9, 16, 23, 30 March; 6, 13, 20, 27 April) x 180 min, less 60 away = 1560.
    # Booked: 6 appointments not cancelled x 30 min = 180 (11.5%).
    by_name = {row[0]: row[1:] for row in rows}
    assert by_name == {
        "Second Physio, PT": [0, 0, None, 0],
        clinic["physio"].display_name: [1560, 180, 11.5, 6],
    }


# --- CSV, names, odd input ----------------------------------------------------------------


def test_each_table_downloads_as_csv_without_patient_names(manager_client, clinic):
    response = manager_client.get(URL, RANGE)
    html = response.content.decode()
    for table in response.context["tables"]:
        rows = csv_rows(manager_client, table.slug, RANGE)
        assert rows[0] == table.columns
        assert len(rows) == 1 + len(table.rows) + (1 if table.footer else 0)
        text = "\n".join(",".join(row) for row in rows)
        assert not any(name in text for name in SURNAMES)
    assert not any(name in html for name in SURNAMES)
    assert csv_rows(manager_client, "activity", RANGE)[1] == ["2026-03", "3", "2", "4", "1", "25.0"]
    assert not AccessLog.objects.filter(path__startswith="/reports/").exists()
    assert manager_client.get(reverse("reports:csv", args=["nothing"])).status_code == 404


@pytest.mark.parametrize(
    "params, message",
    [
        ({"start": "2026-13-45"}, "The start date must be a date as YYYY-MM-DD"),
        ({"end": "\x00"}, "The end date must be a date as YYYY-MM-DD"),
        ({"start": "2026-05-01", "end": "2026-03-01"}, "swapped"),
        ({"start": "1900-01-01", "end": "2199-12-31"}, "at most 731 days"),
        ({"practitioner": "99999"}, "No such practitioner"),
        ({"practitioner": "²"}, "No such practitioner"),
        ({"start": "9" * 5000}, "The start date must be a date"),
    ],
)
def test_odd_filters_are_a_message_not_an_error(manager_client, params, message):
    response = manager_client.get(URL, params)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert manager_client.get(reverse("reports:csv", args=["use"]), params).status_code == 200


def test_default_range_is_the_last_90_days(manager_client, monkeypatch):
    freeze(monkeypatch, local(2026, 4, 30, 12, 0))
    filters = manager_client.get(URL).context["filters"]
    assert (filters.start, filters.end, filters.practitioner) == (
        D(2026, 1, 31),
        D(2026, 4, 30),
        None,
    )
    assert Appointment.objects.count() == 0
