"""The body chart: a server-drawn SVG of the catalogue's regions, a picker on the visit steps that
fills the form's own fields (browser test in tests/e2e/test_body_chart.py), and the record's
marks in words as well as patterns on the review, the printed record and the patient page."""

import re
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

from tests.clinical import apply, finding, give_consent, screen, screen_acknowledged
from tests.factories import PatientFactory
from treatments import services
from treatments.models import BodyRegion

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"
CHART = re.compile(
    r'<svg xmlns="http://www.w3.org/2000/svg"[^>]*data-testid="body-chart-svg".*?</svg>', re.S
)


@pytest.fixture
def patient(physio):
    return give_consent(PatientFactory(first_name="Noor", last_name="Haddad"), physio)


@pytest.fixture
def visit(physio, patient):
    return services.visit_start(patient=patient, practitioner=physio.practitioner)


def url(name, visit):
    return reverse(f"visits:{name}", args=[visit.uuid])


def charts(html):
    """Every body chart of the page, parsed as XML (the SVG must be well-formed)."""
    return [ET.fromstring(match) for match in CHART.findall(html)]


def regions_of(svg):
    return {
        (g.get("data-region"), g.get("data-side")): g
        for g in svg.iter(f"{SVG}g")
        if g.get("data-region")
    }


def expected_sites():
    return {
        (r.code, side)
        for r in BodyRegion.objects.all()
        for side in (["left", "right"] if r.sided else ["midline"])
    }


def assessment_with_sites(visit, *sites):
    services.assessment_save(
        visit=visit,
        fields={"complaint": "Forearm pain"},
        scores={},
        sites=[
            {"region": BodyRegion.objects.get(code=code), "side": side, "note": note}
            for code, side, note in sites
        ],
    )


def test_the_picker_has_one_focusable_region_per_catalogue_region_and_side(physio_client, visit):
    html = physio_client.get(url("assessment", visit)).content.decode()
    (svg,) = charts(html)
    shapes = regions_of(svg)
    assert set(shapes) == expected_sites()
    assert len([g for g in svg.iter(f"{SVG}g") if g.get("data-region")]) == len(shapes)
    forearm = shapes[("forearm", "left")]
    assert forearm.get("tabindex") == "0"
    assert forearm.get("role") == "checkbox"
    assert forearm.get("aria-checked") == "false"
    assert forearm.get("aria-label") == "Forearm (left)"
    assert forearm.find(f"{SVG}title").text == "Forearm (left)"
    assert shapes[("neck", "midline")].get("aria-label") == "Neck (midline)"
    # Every shape is keyboard-reachable and named.
    assert all(g.get("tabindex") == "0" and g.get("aria-label") for g in shapes.values())
    # The chart waits hidden for its script; the dropdown rows are still the form.
    assert 'data-body-chart="sites" data-prefix="sites"' in html
    assert re.search(r'data-testid="body-chart-picker" hidden', html)
    assert 'name="sites-0-region"' in html and "js/body_chart.js" in html


def test_left_and_right_are_mirrored_shapes_on_the_patients_sides(physio_client, visit):
    (svg,) = charts(physio_client.get(url("assessment", visit)).content.decode())
    shapes = regions_of(svg)

    def x(code, side):
        return float(shapes[(code, side)].find(f"{SVG}rect").get("x"))

    # Front view (x < 200): the patient's right is on the viewer's left.
    assert x("forearm", "right") < 100 < x("forearm", "left") < 200
    # Back view (x > 230): the patient's left is on the viewer's left.
    assert 230 < x("calf", "left") < 330 < x("calf", "right")


def test_a_region_added_to_the_catalogue_without_a_drawing_still_gets_shapes(physio_client, visit):
    BodyRegion.objects.create(code="jaw", label="Jaw (temporomandibular)", sided=True)
    BodyRegion.objects.create(code="chest", label="Chest", sided=False)
    (svg,) = charts(physio_client.get(url("assessment", visit)).content.decode())
    shapes = regions_of(svg)
    assert set(shapes) == expected_sites()
    assert shapes[("jaw", "left")].get("aria-label") == "Jaw (temporomandibular) (left)"
    texts = "".join(svg.itertext())
    assert "Chest (midline)" in texts


def test_screening_picker_offers_only_the_local_items(physio_client, visit):
    html = physio_client.get(url("screening", visit)).content.decode()
    (svg,) = charts(html)
    assert set(regions_of(svg)) == expected_sites()
    picker = re.search(r"<select id=\"bc-screening-item\".*?</select>", html, re.S).group(0)
    assert 'value="open_wound"' in picker and 'value="varicose_veins"' in picker
    assert "anticoagulant" not in picker  # systemic: no site to mark
    # The select is the chart's own: it has no name, so it is never posted.
    assert "name=" not in picker.split(">")[0]


def test_treatment_picker_marks_refused_sites_and_treated_ones(physio_client, visit):
    screen(visit, finding("open_wound", "forearm", "left", "grazed"))
    apply(visit, "calf", "right", seconds=90)
    html = physio_client.get(url("treatment", visit)).content.decode()
    (svg,) = charts(html)
    shapes = regions_of(svg)
    refused = shapes[("forearm", "left")]
    assert refused.get("aria-disabled") == "true"
    assert refused.get("role") == "button" and refused.get("aria-pressed") == "false"
    assert "refused: Open wound" in refused.get("aria-label")
    assert refused.find(f"{SVG}rect").get("fill") == "url(#bc-application-refused)"
    assert shapes[("forearm", "right")].get("aria-disabled") is None
    treated = shapes[("calf", "right")]
    assert "treated 1: 90 s (1:30) with GT1" in treated.get("aria-label")
    assert treated.find(f"{SVG}text[@class='bc-number']").text == "1"


def test_review_marks_refused_sites_with_the_hatch_and_in_words(physio_client, visit):
    assessment_with_sites(visit, ("forearm", "right", "scar from 2019 surgery"))
    screen_acknowledged(
        visit,
        finding("open_wound", "forearm", "left", "grazed on a fence"),
        finding("varicose_veins", "calf", "both"),
    )
    apply(visit, "achilles", "left", seconds=75)
    apply(visit, "achilles", "left", seconds=40)
    html = physio_client.get(url("review", visit)).content.decode()
    (svg,) = charts(html)
    assert svg.get("role") == "img" and svg.get("aria-label")
    shapes = regions_of(svg)
    assert set(shapes) == expected_sites()
    # The record's chart is a picture: nothing in it takes focus.
    assert all(g.get("tabindex") is None for g in shapes.values())

    refused = shapes[("forearm", "left")]
    assert refused.find(f"{SVG}rect").get("fill") == "url(#bcr-refused)"
    assert "refused: Open wound" in refused.find(f"{SVG}title").text
    pattern = next(p for p in svg.iter(f"{SVG}pattern") if p.get("id") == "bcr-refused")
    assert pattern.find(f"{SVG}line") is not None  # the hatch, not a colour alone
    assert (
        "Refused: Forearm (left) — Open wound or unhealed skin at the site: grazed on a fence"
        in html
    )
    # A relative local finding on both sides: dotted on each calf, and said.
    for side in ("left", "right"):
        assert shapes[("calf", side)].find(f"{SVG}rect").get("fill") == "url(#bcr-precaution)"
    assert "Precaution: Calf (both) — Varicose veins at the site" in html
    # Treated: numbered shape, seconds and instrument in the title and the list.
    achilles = shapes[("achilles", "left")]
    assert achilles.find(f"{SVG}text[@class='bc-number']").text == "1,2"
    assert "treated 1: 75 s (1:15) with GT1" in achilles.find(f"{SVG}title").text
    assert "1. Achilles tendon (left) — 75 s (1:15) with GT1, Sweeping" in html
    assert "2. Achilles tendon (left) — 40 s (0:40) with GT1, Sweeping" in html
    # Adhesion: a dashed outline and the note.
    scar = shapes[("forearm", "right")].find(f"{SVG}rect")
    assert scar.get("stroke-dasharray") and scar.get("fill") == "#ffffff"
    assert "Forearm (right): scar from 2019 surgery" in html
    # Unmarked shapes stay plain.
    assert shapes[("knee", "left")].find(f"{SVG}rect").get("fill") == "#ffffff"


def test_review_of_a_visit_without_sites_says_so(physio_client, visit):
    html = physio_client.get(url("review", visit)).content.decode()
    assert len(charts(html)) == 1
    assert "No sites recorded in this visit." in html


def test_the_patient_page_shows_the_last_visits_chart(physio_client, physio, patient, visit):
    screen(visit, finding("open_wound", "forearm", "left", "grazed"))
    later = services.visit_start(patient=PatientFactory(), practitioner=physio.practitioner)
    apply(visit, "calf", "right", seconds=60)
    html = physio_client.get(f"/patients/{patient.uuid}/").content.decode()
    assert 'data-testid="patient-body-chart"' in html
    (svg,) = charts(html)
    shapes = regions_of(svg)
    assert shapes[("forearm", "left")].find(f"{SVG}rect").get("fill") == "url(#bcp-refused)"
    assert "Refused: Forearm (left) — Open wound or unhealed skin at the site: grazed" in html
    assert "1. Calf (right) — 60 s (1:00) with GT1" in html
    assert str(later.uuid) not in html  # another patient's visit is not this one's last


def test_the_patient_page_has_no_chart_without_a_visit(physio_client, patient):
    html = physio_client.get(f"/patients/{patient.uuid}/").content.decode()
    assert 'data-testid="patient-body-chart"' not in html


def test_front_desk_sees_no_body_chart_on_the_patient_page(front_desk_client, physio, visit):
    screen(visit, finding("open_wound", "forearm", "left", "grazed"))
    html = front_desk_client.get(f"/patients/{visit.patient.uuid}/").content.decode()
    assert "body-chart" not in html and "Open wound" not in html


def test_a_read_only_step_has_no_picker(manager_client, visit):
    html = manager_client.get(url("assessment", visit)).content.decode()
    assert "data-body-chart" not in html


def test_the_patient_page_chart_costs_the_same_queries_whatever_the_sites(
    physio_client, physio, patient, visit, django_assert_max_num_queries, django_assert_num_queries
):
    assessment_with_sites(visit, ("forearm", "right", ""))
    screen(visit, finding("open_wound", "forearm", "left"))
    apply(visit, "calf", "right")
    # the page's budget (test_query_counts.DETAIL_QUERIES: the sites and the region catalogue are
    # one statement, the visit comes with the visits panel's)
    with django_assert_max_num_queries(12) as captured:
        physio_client.get(f"/patients/{patient.uuid}/")
    baseline = len(captured)
    assessment_with_sites(visit, *[(code, "left", "") for code in ("knee", "calf", "ankle")])
    screen(visit, finding("open_wound", "forearm", "left"), finding("infection", "knee", "right"))
    for code in ("calf", "ankle", "achilles"):
        apply(visit, code, "left")
    with django_assert_num_queries(baseline):
        html = physio_client.get(f"/patients/{patient.uuid}/").content.decode()
    assert "4. Achilles tendon (left)" in html


def test_the_record_chart_prints_and_the_picker_does_not(physio_client, visit):
    review = physio_client.get(url("review", visit)).content.decode()
    record = re.search(r'<div class="([^"]*)" data-testid="body-chart">', review).group(1)
    assert "body-chart-record" in record and "d-print-none" not in record
    step = physio_client.get(url("assessment", visit)).content.decode()
    picker = re.search(r'<div class="([^"]*)" data-body-chart=', step).group(1)
    assert "d-print-none" in picker


def test_no_screening_picker_when_the_catalogue_has_no_local_item(physio_client, visit):
    from treatments.models import Contraindication

    Contraindication.objects.filter(scope="local").update(active=False)
    html = physio_client.get(url("screening", visit)).content.decode()
    assert "data-body-chart" not in html
    assert 'name="ci_hemophilia"' in html  # the systemic rows remain


def test_the_patient_page_charts_its_own_last_visit_behind_many_merged_ones(
    physio_client, physio, patient, visit, monkeypatch
):
    """The body chart takes its visit from the visits panel's rows (issue 11's budget); when
    those rows are all visits of a record merged into this one, it still finds this record's
    own last visit."""
    import datetime

    from django.utils import timezone

    from patients.models import Patient
    from treatments import panels
    from treatments.models import Visit

    monkeypatch.setattr(panels, "VISITS_SHOWN", 2)
    assessment_with_sites(visit, ("knee", "left", "old scar"))
    Visit.objects.filter(pk=visit.pk).update(date=timezone.localdate() - datetime.timedelta(30))
    duplicate = give_consent(PatientFactory(), physio)
    for _ in range(2):
        Visit.objects.create(patient=duplicate, practitioner=physio.practitioner)
    Patient.objects.filter(pk=duplicate.pk).update(merged_into=patient, archived_at=timezone.now())

    html = physio_client.get(f"/patients/{patient.uuid}/").content.decode()
    day = timezone.localdate() - datetime.timedelta(30)
    assert f"Visit {day:%Y-%m-%d} with" in html
    assert "Knee (incl. patellar tendon) (left): old scar" in html
