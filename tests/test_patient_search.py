"""The one search box: partial names, typos, phone, email, date of birth; archived left out."""

import datetime

import pytest
from django.utils import timezone

from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    return {
        "johnson": PatientFactory(
            first_name="Hannah",
            last_name="Johnson",
            phone="604-555-0147",
            email="hannah.j@example.com",
            date_of_birth=datetime.date(1995, 7, 21),
        ),
        "moreno": PatientFactory(
            first_name="Diego",
            last_name="Moreno",
            phone="(778) 555-0190",
            email="dmoreno@example.org",
            date_of_birth=datetime.date(1971, 12, 2),
        ),
        "macdonald": PatientFactory(
            first_name="Fiona",
            last_name="MacDonald",
            phone="236 555 0113",
            email="fiona@example.net",
            date_of_birth=datetime.date(1980, 3, 9),
        ),
    }


def names(response):
    return [f"{p.first_name} {p.last_name}" for p in response.context["patients"]]


@pytest.mark.parametrize(
    "query, expected",
    [
        ("john", ["Hannah Johnson"]),  # partial last name
        ("Han", ["Hannah Johnson"]),  # partial first name, any case
        ("hannah johnson", ["Hannah Johnson"]),  # full name
        ("Jonhson", ["Hannah Johnson"]),  # transposed letters
        ("Moreeno", ["Diego Moreno"]),  # a letter too many
        ("Mcdonald", ["Fiona MacDonald"]),  # a letter missing
        ("604-555-0147", ["Hannah Johnson"]),  # phone as stored
        ("7785550190", ["Diego Moreno"]),  # phone digits only
        ("555 0113", ["Fiona MacDonald"]),  # part of a phone
        ("dmoreno@example.org", ["Diego Moreno"]),  # email
        ("1980-03-09", ["Fiona MacDonald"]),  # date of birth, ISO
        ("09/03/1980", ["Fiona MacDonald"]),  # date of birth, d/m/y
    ],
)
def test_search_finds_the_right_patient(front_desk_client, people, query, expected):
    response = front_desk_client.get("/patients/", {"q": query})
    assert names(response)[: len(expected)] == expected
    assert set(names(response)) == set(expected)


def test_no_match_says_so_and_offers_registration(front_desk_client, people):
    html = front_desk_client.get("/patients/", {"q": "Zzyzx"}).content.decode()
    assert "No patient matches" in html and "register a new patient" in html


def test_search_leaves_out_archived_patients(front_desk_client, people):
    people["johnson"].archived_at = timezone.now()
    people["johnson"].save()
    assert names(front_desk_client.get("/patients/", {"q": "johnson"})) == []
    assert "Hannah Johnson" not in names(front_desk_client.get("/patients/"))


def test_list_paginates_and_keeps_the_query(front_desk_client, settings):
    settings.PATIENTS_PER_PAGE = 5
    for n in range(12):
        PatientFactory(first_name=f"Sam{n:02d}", last_name="Lindqvist")
    first = front_desk_client.get("/patients/", {"q": "lindqvist"})
    assert len(first.context["patients"]) == 5
    html = first.content.decode()
    assert "Page 1 of 3" in html
    assert "q=lindqvist&amp;page=2" in html
    last = front_desk_client.get("/patients/", {"q": "lindqvist", "page": 3})
    assert len(last.context["patients"]) == 2
    # A page number past the end shows the last page, not an error.
    beyond = front_desk_client.get("/patients/", {"q": "lindqvist", "page": 99})
    assert beyond.status_code == 200 and beyond.context["page"].number == 3


def test_an_overlong_query_is_refused_clearly(front_desk_client, people):
    response = front_desk_client.get("/patients/", {"q": "x" * 101})
    assert response.status_code == 200
    assert "at most 100 characters" in response.content.decode()
