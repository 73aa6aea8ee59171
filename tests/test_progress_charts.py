"""Issue 12: progress charts, server-rendered SVG. Pain over check-ins and visits, each outcome
measure over visits (with its direction), adherence by week, on the patient page (clinicians)
and in the portal (the patient's own pain and adherence). Each chart is parsed as XML: its points,
its axis labels, its title and description, and the table of the same numbers."""

import datetime
import re
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from tests.programs import NORDIC, TYLER, build_program, freeze, items_of, local
from treatments.models import OutcomeScore, Visit
from treatments.services import programs as program_services
from treatments.services import progress

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"
D = datetime.date


def figure(html: str, slug: str) -> str:
    match = re.search(rf'<figure[^>]*data-testid="chart-{slug}".*?</figure>', html, re.S)
    assert match, f"no chart {slug} on the page"
    return match.group(0)


def svg_of(html: str, slug: str) -> ET.Element:
    part = figure(html, slug)
    match = re.search(r"<svg .*?</svg>", part, re.S)
    assert match, f"chart {slug} has no <svg>"
    return ET.fromstring(match.group(0))


def points(svg: ET.Element) -> list[ET.Element]:
    return [e for e in svg.iter() if e.get("class") == "chart-point"]


def labels(svg: ET.Element, kind: str) -> list[str]:
    return [e.text for e in svg.iter(f"{SVG}text") if e.get("class") == f"chart-{kind}-label"]


def table_rows(html: str, slug: str) -> list[list[str]]:
    part = figure(html, slug)
    body = re.search(r"<tbody>(.*?)</tbody>", part, re.S).group(1)
    return [
        [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<t[hd][^>]*>.*?</t[hd]>", tr)
        ]
        for tr in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def page(client, patient) -> str:
    response = client.get(f"/patients/{patient.uuid}/")
    assert response.status_code == 200
    return response.content.decode()


def visit_on(physio, patient, day, **scores):
    # Straight on the rows: the visit service resumes the patient's open draft instead.
    visit = Visit.objects.create(patient=patient, practitioner=physio.practitioner, date=day)
    for code, value in scores.items():
        OutcomeScore.objects.create(visit=visit, measure_id=code, value=Decimal(value))
    return visit


@pytest.fixture
def today(monkeypatch):
    freeze(monkeypatch, local(2026, 3, 11, 12, 0))
    return D(2026, 3, 11)


def test_no_pain_scores_yet_is_a_sentence_not_an_empty_chart(physio_client, own_patient, today):
    html = page(physio_client, own_patient)
    pain = figure(html, "pain")
    assert "No pain scores yet." in pain
    assert "<svg" not in pain
    assert "No outcome measures recorded at visits yet." in html
    assert "No home program in the last weeks yet." in figure(html, "adherence")


def test_one_pain_score_is_one_point_on_a_0_to_10_axis(physio_client, own_patient, today):
    program_services.check_in_record(patient=own_patient, day=today, done=[], pain=4)
    html = page(physio_client, own_patient)
    svg = svg_of(html, "pain")
    assert len(points(svg)) == 1
    assert not list(svg.iter(f"{SVG}polyline"))  # one point: no line to draw
    assert labels(svg, "y") == ["0", "2", "4", "6", "8", "10"]
    assert labels(svg, "x") == ["Mar 11"]
    # The point sits at 4 on the axis: between the labels 2 and 6, at the height of label 4.
    tick_4 = next(e for e in svg.iter(f"{SVG}text") if e.text == "4")
    assert points(svg)[0].get("cy") == tick_4.get("y")
    # Screen readers: role="img" named by the title and the description, and the table.
    title_id, desc_id = svg.get("aria-labelledby").split()
    assert svg.get("role") == "img"
    assert svg.find(f"{SVG}title").get("id") == title_id
    desc = svg.find(f"{SVG}desc")
    assert desc.get("id") == desc_id and "1 daily check-in" in desc.text
    assert "Lower is better" in desc.text
    assert table_rows(html, "pain") == [["2026-03-11", "4", "—"]]


def test_many_points_pain_from_check_ins_and_from_visits(physio, physio_client, own_patient, today):
    for n, pain in enumerate([7, 6, 6, 5, 5, 4, 3, 3, 2, 2]):
        day = today - datetime.timedelta(days=9 - n)
        program_services.check_in_record(patient=own_patient, day=day, done=[], pain=pain)
    visit_on(physio, own_patient, D(2026, 3, 2), NPRS="7")
    visit_on(physio, own_patient, D(2026, 3, 9), NPRS="3.5")
    html = page(physio_client, own_patient)
    svg = svg_of(html, "pain")
    groups = {g.get("data-series"): g for g in svg.iter(f"{SVG}g") if g.get("data-series")}
    assert len(points(groups["Check-in pain"])) == 10
    assert len(points(groups["Pain at visit (NPRS)"])) == 2
    assert len(list(svg.iter(f"{SVG}polyline"))) == 2
    # Ten days on the x axis: six labels at most, first and last included.
    x_labels = labels(svg, "x")
    assert len(x_labels) == 6 and x_labels[0] == "Mar 2" and x_labels[-1] == "Mar 11"
    rows = table_rows(html, "pain")
    assert len(rows) == 10
    assert rows[0] == ["2026-03-02", "7", "7"]
    assert rows[7] == ["2026-03-09", "3", "3.5"]


def test_outcome_measures_each_on_their_own_scale_with_direction(
    physio, physio_client, own_patient, today
):
    visit_on(physio, own_patient, D(2026, 2, 2), LEFS="32", QuickDASH="60")
    visit_on(physio, own_patient, D(2026, 2, 16), LEFS="41")
    visit_on(physio, own_patient, D(2026, 3, 2), LEFS="55", QuickDASH="35")
    html = page(physio_client, own_patient)
    lefs = svg_of(html, "measure-lefs")
    assert len(points(lefs)) == 3
    assert labels(lefs, "y") == ["0", "20", "40", "60", "80"]
    assert "(higher is better)" in figure(html, "measure-lefs")
    assert "first 32, latest 55 on a scale of 0 to 80" in lefs.find(f"{SVG}desc").text
    quickdash = svg_of(html, "measure-quickdash")
    assert len(points(quickdash)) == 2
    assert labels(quickdash, "y")[-1] == "100"
    assert "(lower is better)" in figure(html, "measure-quickdash")
    assert table_rows(html, "measure-quickdash") == [["2026-02-02", "60"], ["2026-03-02", "35"]]


def test_adherence_by_week_counts_each_day_against_its_program(
    monkeypatch, physio, physio_client, own_patient
):
    # Monday 2 March 10:00: Tyler twist every day, Nordic curl 2 days a week.
    freeze(monkeypatch, local(2026, 3, 2, 10, 0))
    program = build_program(physio, TYLER, NORDIC, patient=own_patient)
    tyler, nordic = sorted(items_of(program), key=lambda i: i.exercise.code != TYLER)
    for day in (D(2026, 3, 2), D(2026, 3, 3), D(2026, 3, 4)):
        freeze(monkeypatch, local(day.year, day.month, day.day, 20, 0))
        program_services.check_in_record(patient=own_patient, day=day, done=[tyler, nordic], pain=5)
    freeze(monkeypatch, local(2026, 3, 11, 12, 0))
    program_services.check_in_record(patient=own_patient, day=D(2026, 3, 9), done=[tyler], pain=3)

    weeks = progress.weekly_adherence(patient=own_patient)
    assert len(weeks) == 8 and weeks[0][0] == D(2026, 1, 19)
    # Week of 2 March: Tyler 7 expected, 3 done; Nordic round(7 x 2/7) = 2 expected, 3 ticks
    # count as 2. 5 of 9 = 56%. Week of 9 March so far (3 days): Tyler 3 expected, 1 done; Nordic
    # round(3 x 2/7) = 1 expected, 0 done. 1 of 4 = 25%.
    assert weeks[-2:] == [(D(2026, 3, 2), 56), (D(2026, 3, 9), 25)]
    assert all(percent is None for _, percent in weeks[:-2])

    html = page(physio_client, own_patient)
    svg = svg_of(html, "adherence")
    bars = points(svg)
    assert [b.tag for b in bars] == [f"{SVG}rect", f"{SVG}rect"]
    assert labels(svg, "y") == ["0", "20", "40", "60", "80", "100"]
    assert len(labels(svg, "x")) == 8  # every week labelled
    rows = table_rows(html, "adherence")
    assert len(rows) == 8 and rows[-2:] == [["2026-03-02", "56"], ["2026-03-09", "25"]]
    assert rows[0] == ["2026-01-19", "—"]


def test_portal_shows_own_pain_and_adherence_but_no_outcome_measures(
    physio, patient_client, own_patient, other_patient, today
):
    program_services.check_in_record(patient=own_patient, day=today, done=[], pain=4)
    program_services.check_in_record(patient=other_patient, day=today, done=[], pain=9)
    visit_on(physio, own_patient, D(2026, 3, 2), NPRS="6", LEFS="40")
    response = patient_client.get("/portal/")
    html = response.content.decode()
    assert response.status_code == 200
    assert table_rows(html, "pain") == [["2026-03-02", "—", "6"], ["2026-03-11", "4", "—"]]
    assert "No home program in the last weeks yet." in figure(html, "adherence")
    assert 'data-testid="chart-measure-' not in html
    assert "LEFS" not in html


def test_front_desk_sees_no_progress_charts(front_desk_client, own_patient, today):
    program_services.check_in_record(patient=own_patient, day=today, done=[], pain=4)
    html = page(front_desk_client, own_patient)
    assert 'data-testid="progress-charts"' not in html
    assert "<svg" not in html


def test_manager_reads_the_charts(manager_client, own_patient, today):
    program_services.check_in_record(patient=own_patient, day=today, done=[], pain=4)
    assert len(points(svg_of(page(manager_client, own_patient), "pain"))) == 1


def test_a_zero_week_is_a_sliver_and_a_week_without_a_program_has_no_bar():
    from treatments.charts import Chart, Point, Series

    chart = Chart(
        slug="weeks",
        title="Weeks",
        description="",
        y_label="%",
        y_min=0,
        y_max=100,
        kind="bar",
        series=[Series("Done", [Point(D(2026, 3, 2), None), Point(D(2026, 3, 9), 0)])],
    )
    (drawn,) = chart.drawn_series
    assert [m["bar_h"] for m in drawn["markers"]] == [2]
    assert [day for day, _ in chart.table_rows] == [D(2026, 3, 2), D(2026, 3, 9)]
