"""The treatment step carries the work forward (issue 12): a new application starts from the
previous one's instrument, stroke, direction and pressure; "Repeat on the other side" records the
mirror application under the same rules as any other; and "Dose so far" adds up the IASTR time per
region and side across the patient's visits, with warnings that never block."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.clinical import (
    SIGNED,
    apply,
    finding,
    give_consent,
    make_visit,
    screen,
    screen_acknowledged,
)
from tests.factories import PatientFactory, PractitionerFactory
from tests.programs import sign
from treatments import services
from treatments.models import Application, Instrument, StrokeTechnique, Visit

pytestmark = pytest.mark.django_db


@pytest.fixture
def patient(physio):
    return give_consent(PatientFactory(first_name="Tomas", last_name="Berg"), physio)


@pytest.fixture
def visit(physio, patient):
    visit = make_visit(physio, patient)
    screen(visit)
    return visit


def url(name, visit, *args):
    return reverse(f"visits:{name}", args=[visit.uuid, *args])


def application_form(html: str) -> str:
    match = re.search(r'<form[^>]*data-testid="application-form".*?</form>', html, re.S)
    assert match, "no application form on the page"
    return match.group(0)


def selected(form_html: str, name: str) -> str | None:
    """The value of the selected option of the <select name=name>, or None."""
    select = re.search(rf'<select name="{name}".*?</select>', form_html, re.S).group(0)
    option = re.search(r'<option value="([^"]*)"[^>]*selected', select)
    return option.group(1) if option else None


def gt5_deep(visit, region="calf", side="left", seconds=75):
    return apply(
        visit,
        region,
        side,
        seconds,
        instrument=Instrument.objects.get(name="GT5"),
        stroke=StrokeTechnique.objects.get(code="fanning"),
        direction="parallel",
        pressure="deep",
        angle_degrees=30,
    )


# --- Prefill ------------------------------------------------------------------------------------


def test_first_application_starts_empty(physio_client, visit):
    form = application_form(physio_client.get(url("treatment", visit)).content.decode())
    for name in ("instrument", "stroke", "direction", "pressure"):
        assert selected(form, name) in (None, ""), name


def test_new_application_starts_from_the_previous_technique(physio_client, visit):
    apply(visit, "calf", "left")  # GT1, sweeping, transverse, light
    gt5_deep(visit, "achilles", "left")
    form = application_form(physio_client.get(url("treatment", visit)).content.decode())
    assert selected(form, "instrument") == str(Instrument.objects.get(name="GT5").pk)
    assert selected(form, "stroke") == "fanning"
    assert selected(form, "direction") == "parallel"
    assert selected(form, "pressure") == "deep"
    # Where and how long change each time: not carried.
    assert selected(form, "region") in (None, "")
    assert selected(form, "side") in (None, "")
    duration = re.search(r'<input type="number" name="duration_seconds"[^>]*>', form).group(0)
    assert "value=" not in duration


def test_prefill_follows_a_recorded_application(physio_client, visit):
    gt5_deep(visit)
    post = {
        "region": "knee",
        "side": "right",
        "instrument": Instrument.objects.get(name="GT2").pk,
        "stroke": "strumming",
        "direction": "oblique",
        "pressure": "moderate",
        "duration_seconds": "40",
    }
    response = physio_client.post(url("application_add", visit), post, follow=True)
    form = application_form(response.content.decode())
    assert selected(form, "instrument") == str(post["instrument"])
    assert (selected(form, "stroke"), selected(form, "direction")) == ("strumming", "oblique")
    assert selected(form, "pressure") == "moderate"


def test_refused_application_keeps_what_was_typed_not_the_prefill(physio_client, visit):
    gt5_deep(visit)
    post = {
        "region": "calf",
        "side": "left",
        "instrument": Instrument.objects.get(name="GT2").pk,
        "stroke": "brushing",
        "direction": "oblique",
        "pressure": "light",
        "duration_seconds": "130",
    }
    response = physio_client.post(url("application_add", visit), post)
    assert response.status_code == 200
    form = application_form(response.content.decode())
    assert (selected(form, "stroke"), selected(form, "pressure")) == ("brushing", "light")


# --- Repeat on the other side -------------------------------------------------------------------


def test_repeat_creates_the_mirror_application(physio_client, visit):
    left = gt5_deep(visit)
    response = physio_client.post(url("application_repeat", visit, left.pk), follow=True)
    assert "Application repeated on Calf (right)." in response.content.decode()
    right = Application.objects.exclude(pk=left.pk).get()
    fields = ("region_id", "instrument_id", "stroke_id", "direction", "pressure")
    assert [getattr(right, f) for f in fields] == [getattr(left, f) for f in fields]
    assert (right.side, right.angle_degrees, right.duration_seconds) == ("right", 30, 75)
    # And back again from the right: a third row, on the left.
    physio_client.post(url("application_repeat", visit, right.pk))
    assert list(Application.objects.values_list("side", flat=True)) == ["left", "right", "left"]


def test_repeat_on_a_refused_other_side_says_why_and_records_nothing(physio, physio_client):
    patient = give_consent(PatientFactory(), physio)
    visit = make_visit(physio, patient)
    screen_acknowledged(visit, finding("open_wound", "calf", "right"))
    left = gt5_deep(visit)
    response = physio_client.post(url("application_repeat", visit, left.pk), follow=True)
    html = response.content.decode()
    assert (
        "Not repeated on Calf (right): IASTR is refused at Calf (right): open wound or unhealed "
        "skin at the site was found there." in html
    )
    assert Application.objects.count() == 1


def test_database_refuses_a_repeat_to_a_refused_site_the_service_missed(
    monkeypatch, physio, physio_client
):
    """The trigger (RV004) has the last word: with the service's own check switched off, the
    repeat is still refused, in the same words as the page's."""
    from treatments.services import visits as visit_services

    visit = make_visit(physio, give_consent(PatientFactory(), physio))
    screen_acknowledged(visit, finding("open_wound", "calf", "right"))
    left = gt5_deep(visit)
    real = visit_services.application_refusal
    monkeypatch.setattr(
        visit_services,
        "application_refusal",
        lambda screening, region, side: None if side == "right" else real(screening, region, side),
    )
    response = physio_client.post(url("application_repeat", visit, left.pk), follow=True)
    html = response.content.decode()
    assert "Not repeated on Calf (right): " + services.TRIGGER_MESSAGES["RV004"] in html
    assert Application.objects.count() == 1


@pytest.mark.parametrize(
    "region, side, words",
    [("neck", "midline", "Neck (midline)"), ("calf", "both", "Calf (both)")],
)
def test_repeat_without_another_side_is_refused(physio_client, visit, region, side, words):
    application = apply(visit, region, side)
    response = physio_client.post(url("application_repeat", visit, application.pk), follow=True)
    assert f"{words} has no other side to repeat the application on." in response.content.decode()
    assert Application.objects.count() == 1


def test_repeat_button_only_for_left_or_right(physio_client, visit):
    apply(visit, "calf", "left")
    apply(visit, "neck", "midline")
    apply(visit, "knee", "both")
    html = physio_client.get(url("treatment", visit)).content.decode()
    assert html.count(">Repeat on the other side<") == 1
    assert 'Repeat on the other side<span class="visually-hidden"> (Calf right)' in html


def test_repeat_of_another_visits_application_is_not_found(physio, physio_client, visit):
    other = make_visit(PractitionerFactory().user)
    screen(other)
    foreign = apply(other, "calf", "left")
    response = physio_client.post(url("application_repeat", visit, foreign.pk))
    assert response.status_code == 404
    assert Application.objects.count() == 1


def test_repeat_on_a_signed_visit_is_refused(physio_client, visit):
    left = apply(visit, "calf", "left")
    sign(visit)
    response = physio_client.post(url("application_repeat", visit, left.pk), follow=True)
    assert SIGNED in response.content.decode().replace("&#x27;", "'")
    assert Application.objects.count() == 1


@pytest.mark.parametrize("client", ["manager_client", "front_desk_client"])
def test_repeat_is_not_found_for_the_manager_and_front_desk(request, client, visit):
    left = apply(visit, "calf", "left")
    response = request.getfixturevalue(client).post(url("application_repeat", visit, left.pk))
    assert response.status_code == 404
    assert Application.objects.count() == 1


def test_repeat_is_post_only(physio_client, visit):
    left = apply(visit, "calf", "left")
    assert physio_client.get(url("application_repeat", visit, left.pk)).status_code == 405


# --- Dose so far --------------------------------------------------------------------------------


def past_visit(patient, days_ago, *applications, today=None):
    """A visit ``days_ago`` days before today (another practitioner's, so it is a new visit)
    with ``(region, side, seconds)`` applications."""
    visit = make_visit(PractitionerFactory().user, patient)
    screen(visit)
    for region, side, seconds in applications:
        apply(visit, region, side, seconds)
    day = (today or visit.date) - datetime.timedelta(days=days_ago)
    Visit.objects.filter(pk=visit.pk).update(date=day)
    return visit


@pytest.fixture
def history(patient, visit):
    """Hand-counted seconds, with D the visit's day:
    calf left:  D-30 100 | D-20 90 | D-3 120+45 | D 60  -> 4 weeks 315, all 415, 7 days 225
    calf right: D-20 60 | D-1 30                      -> 4 weeks 90,  all 90,  7 days 30
    thigh_posterior left: D-28 50 (out of 4 weeks) | D-27 20 -> 4 weeks 20, all 70
    neck midline: D 40
    A visit two days after D and another patient's visit do not count."""
    past_visit(patient, 30, ("calf", "left", 100))
    past_visit(patient, 28, ("thigh_posterior", "left", 50))
    past_visit(patient, 27, ("thigh_posterior", "left", 20))
    past_visit(patient, 20, ("calf", "left", 90), ("calf", "right", 60))
    past_visit(patient, 3, ("calf", "left", 120), ("calf", "left", 45))
    past_visit(patient, 1, ("calf", "right", 30))
    past_visit(patient, -2, ("forearm", "left", 30), ("calf", "left", 120))
    past_visit(PatientFactory(), 1, ("calf", "left", 120))
    apply(visit, "calf", "left", 60)
    apply(visit, "neck", "midline", 40)
    return visit


def rows(visit):
    return {
        (r.region, r.side): (r.this_visit, r.last_4_weeks, r.all_time, r.last_7_days)
        for r in services.iastr_dose(visit).rows
    }


def test_dose_totals_per_region_and_side(history, django_assert_num_queries):
    with django_assert_num_queries(1):
        dose = services.iastr_dose(history)
    assert [(r.region, r.side) for r in dose.rows] == [
        ("Neck", "midline"),
        ("Thigh, back (hamstrings)", "left"),
        ("Calf", "left"),
        ("Calf", "right"),
    ]
    assert rows(history) == {
        ("Neck", "midline"): (40, 40, 40, 40),
        ("Thigh, back (hamstrings)", "left"): (0, 20, 70, 0),
        ("Calf", "left"): (60, 315, 415, 225),
        ("Calf", "right"): (0, 90, 90, 30),
    }


def test_an_older_visit_counts_only_what_came_before_it(patient, history):
    older = Visit.objects.filter(patient=patient, date=history.date - datetime.timedelta(3)).get()
    assert rows(older) == {
        ("Thigh, back (hamstrings)", "left"): (0, 70, 70, 0),  # D-28, D-27: within 4 weeks of D-3
        ("Calf", "left"): (165, 355, 355, 165),
        ("Calf", "right"): (0, 60, 60, 0),
    }


def test_weekly_guide_and_previous_day_warnings(settings, history):
    settings.IASTR_WEEKLY_LIMIT_SECONDS = 200
    assert services.iastr_dose(history).warnings == [
        "Calf (left): 3:45 of IASTR in the last 7 days, above the clinic's weekly guide of 3:20 "
        "per site.",
        f"Calf (right) was also treated on the previous day "
        f"({history.date - datetime.timedelta(1):%Y-%m-%d}): the tissue may not have recovered "
        "yet.",
    ]
    settings.IASTR_WEEKLY_LIMIT_SECONDS = 225  # at the guide is not above it
    assert len(services.iastr_dose(history).warnings) == 1


def test_treatment_step_shows_the_dose_so_far_and_warns_in_words(settings, physio_client, history):
    settings.IASTR_WEEKLY_LIMIT_SECONDS = 200
    html = physio_client.get(url("treatment", history)).content.decode()
    assert "Dose so far" in html
    calf_left = re.search(r'<tr data-testid="dose-row">\s*<th scope="row">Calf \(left\)</th>'
                          r"(.*?)</tr>", html, re.S).group(1)  # fmt: skip
    assert re.findall(r"<td>([^<]*)</td>", calf_left)[:3] == ["1:00", "5:15", "6:55"]
    assert "Above the weekly guide" in calf_left
    warnings = re.search(r'data-testid="dose-warnings">(.*?)</div>', html, re.S).group(1)
    assert "Check the dose before treating" in warnings
    assert "Calf (left): 3:45 of IASTR in the last 7 days" in warnings
    assert "Calf (right) was also treated on the previous day" in warnings


def test_warnings_do_not_block_an_application(settings, physio_client, history):
    settings.IASTR_WEEKLY_LIMIT_SECONDS = 60
    post = {
        "region": "calf",
        "side": "left",
        "instrument": Instrument.objects.get(name="GT1").pk,
        "stroke": "sweeping",
        "direction": "transverse",
        "pressure": "light",
        "duration_seconds": "30",
    }
    response = physio_client.post(url("application_add", history), post)
    assert response.status_code == 302
    assert rows(history)[("Calf", "left")][0] == 90


def test_no_dose_table_before_any_treatment(physio_client, visit):
    html = physio_client.get(url("treatment", visit)).content.decode()
    assert 'data-testid="iastr-dose"' not in html


def test_weekly_guide_defaults_to_six_minutes_per_site():
    from django.conf import settings

    assert settings.IASTR_WEEKLY_LIMIT_SECONDS == 360


def test_treatment_step_queries_do_not_grow_with_the_patients_history(
    physio_client, patient, visit, django_assert_num_queries
):
    apply(visit, "calf", "left")
    past_visit(patient, 7, ("calf", "left", 60))
    with CaptureQueriesContext(connection) as queries:
        assert physio_client.get(url("treatment", visit)).status_code == 200
    for days in (6, 5, 4, 3, 2):
        past_visit(
            patient, days, ("calf", "left", 60), ("knee", "right", 30), ("neck", "midline", 20)
        )
    apply(visit, "knee", "left")
    apply(visit, "ankle", "right")
    with django_assert_num_queries(len(queries)):
        response = physio_client.get(url("treatment", visit))
    assert response.content.decode().count('data-testid="dose-row"') == 5
