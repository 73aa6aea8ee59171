"""Odd input on the visit pages gets a clear message and stores nothing, never a server error:
a non-numeric exercise id, NUL bytes, dates the calendar cannot step from, a formset claiming a
thousand rows."""

import pytest
from django.urls import reverse

from tests.clinical import make_visit, signable
from tests.programs import TYLER, add, exercise
from treatments import services
from treatments.models import Addendum, AdhesionSite, ProgramExercise

pytestmark = pytest.mark.django_db


@pytest.fixture
def visit(physio):
    return make_visit(physio)


def url(name, visit):
    return reverse(f"visits:{name}", args=[visit.uuid])


@pytest.mark.parametrize("value", ["abc", "", "1.5", "²", "-1", "99999999999999999999", "1\x00"])
def test_adding_a_bogus_exercise_says_so_and_adds_nothing(physio_client, visit, value):
    response = physio_client.post(url("program_add", visit), {"exercise": value}, follow=True)
    assert response.status_code == 200
    assert "Choose an exercise from the library to add it." in response.content.decode()
    assert not ProgramExercise.objects.exists()


def test_adding_a_real_exercise_still_works(physio_client, visit):
    physio_client.post(url("program_add", visit), {"exercise": exercise(TYLER).pk})
    assert ProgramExercise.objects.get().exercise.code == TYLER


@pytest.mark.parametrize("query", ["tyler\x00", "\x00", "x" * 5000, "ty\u0000ler"])
def test_library_search_with_a_nul_byte_or_megabytes_is_a_normal_search(
    physio_client, visit, query
):
    response = physio_client.get(url("handout", visit), {"q": query})
    assert response.status_code == 200


def test_library_search_drops_the_nul_and_keeps_the_words(physio_client, visit):
    response = physio_client.get(url("handout", visit), {"q": "tyler\x00"})
    html = response.content.decode()
    assert 'value="tyler"' in html and "Tyler twist" in html


@pytest.mark.parametrize(
    "value", ["9999-12-31", "0001-01-01", "10000-01-01", "2026-02-30", "²⁰²⁶-01-01", "\x00"]
)
def test_my_day_with_a_date_out_of_the_calendar_shows_today_and_says_so(physio_client, value):
    response = physio_client.get("/visits/day/", {"date": value})
    assert response.status_code == 200
    assert "That is not a date the calendar can show: here is today." in response.content.decode()


def test_my_day_at_the_calendars_edges_steps_without_error(physio_client):
    for value in ("1900-01-01", "2199-12-31"):
        assert physio_client.get("/visits/day/", {"date": value}).status_code == 200


def sites_post(total, **extra):
    data = {
        "complaint": "Lateral elbow pain",
        "sites-TOTAL_FORMS": str(total),
        "sites-INITIAL_FORMS": "0",
        "sites-MIN_NUM_FORMS": "0",
        "sites-MAX_NUM_FORMS": "1000",
    }
    data.update(extra)
    return data


@pytest.mark.parametrize("total", [21, 1000, 10**9])
def test_assessment_with_too_many_site_rows_is_refused_with_a_message(physio_client, visit, total):
    data = sites_post(total, **{"sites-0-region": "forearm", "sites-0-side": "left"})
    response = physio_client.post(url("assessment", visit), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "At most 20 rows can be saved here" in html
    # The page is rendered with at most the capped number of rows, not a thousand.
    assert html.count('name="sites-') < 60 * 3
    assert 'value="Lateral elbow pain"' in html or "Lateral elbow pain" in html
    assert not AdhesionSite.objects.exists()
    visit.assessment.refresh_from_db()
    assert visit.assessment.complaint == ""


def test_screening_with_too_many_other_site_rows_is_refused_with_a_message(physio_client, visit):
    data = {
        "systolic": "120",
        "diastolic": "80",
        "sites-TOTAL_FORMS": "1000",
        "sites-INITIAL_FORMS": "0",
        "sites-MIN_NUM_FORMS": "0",
        "sites-MAX_NUM_FORMS": "1000",
    }
    response = physio_client.post(url("screening", visit), data)
    assert response.status_code == 200
    assert "At most 20 rows can be saved here" in response.content.decode()
    assert not hasattr(visit, "screening") or visit.screening.pk is None


def test_program_formset_claiming_a_thousand_rows_is_refused(physio_client, visit):
    (item,) = add(visit, TYLER)
    data = {
        "items-TOTAL_FORMS": "1000",
        "items-INITIAL_FORMS": "1",
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "1000",
        "items-0-id": str(item.pk),
        "items-0-sets": "9",
        "items-0-days_per_week": "7",
    }
    response = physio_client.post(url("handout", visit), data, follow=True)
    assert response.status_code == 200
    item.refresh_from_db()
    assert item.sets == 3


def test_an_addendum_with_a_nul_byte_is_refused_with_a_message(physio_client, physio, visit):
    services.visit_sign(visit=signable(visit), by=physio)
    response = physio_client.post(url("addendum_add", visit), {"text": "Late note\x00 here"})
    assert response.status_code == 200
    assert "null character" in response.content.decode()
    assert not Addendum.objects.exists()


def test_an_addendum_of_a_megabyte_is_refused_with_a_message(physio_client, physio, visit):
    services.visit_sign(visit=signable(visit), by=physio)
    response = physio_client.post(url("addendum_add", visit), {"text": "a" * 1_000_000})
    assert response.status_code == 200
    assert "An addendum is at most 20,000 characters" in response.content.decode()
    assert not Addendum.objects.exists()
