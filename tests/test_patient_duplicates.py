"""Possible duplicates at registration and editing (issue 10)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from patients import selectors
from patients.models import Patient
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db

DOB = datetime.date(1981, 4, 12)


def form_data(**overrides):
    data = {
        "first_name": "Ingrid",
        "last_name": "Halvorsen",
        "date_of_birth": "1981-04-12",
        "phone": "250-555-0101",
        "email": "",
        "referral_source": "",
    }
    data.update(overrides)
    return data


@pytest.fixture
def existing(db):
    return PatientFactory(
        first_name="Ingrid",
        last_name="Halvorsen",
        date_of_birth=DOB,
        phone="(604) 555-0199",
        email="Ingrid.H@Example.com",
    )


def find(**kwargs):
    values = {
        "first_name": "",
        "last_name": "",
        "date_of_birth": None,
        "phone": "",
        "email": "",
    }
    values.update(kwargs)
    return [match.patient for match in selectors.possible_duplicates(**values)]


def test_same_name_and_birth_date_ignoring_case_and_spaces(existing):
    assert find(first_name="ingrid ", last_name="HALVORSEN", date_of_birth=DOB) == [existing]


def test_same_name_other_birth_date_is_not_a_duplicate(existing):
    assert (
        find(first_name="Ingrid", last_name="Halvorsen", date_of_birth=datetime.date(1981, 4, 13))
        == []
    )


def test_same_phone_digits(existing):
    assert find(first_name="Someone", last_name="Else", phone="604.555.0199") == [existing]


def test_same_email_ignoring_case(existing):
    assert find(first_name="Someone", last_name="Else", email="ingrid.h@example.COM") == [existing]


def test_archived_records_and_the_excluded_one_are_not_listed(existing, manager):
    assert find(phone="6045550199", exclude=existing) == []
    existing.archived_at = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    existing.save()
    assert find(phone="6045550199") == []


def test_at_most_five_in_one_query(db):
    PatientFactory.create_batch(8, phone="604-555-0123")
    with CaptureQueriesContext(connection) as queries:
        found = find(phone="604 555 0123")
    assert len(found) == selectors.DUPLICATE_LIMIT == 5
    assert len(queries) == 1


def test_register_shows_the_warning_and_saves_nothing(front_desk_client, existing):
    response = front_desk_client.post("/patients/new/", form_data(email="INGRID.h@example.com"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Possible duplicate" in page
    assert f"/patients/{existing.uuid}/" in page
    assert "Ingrid Halvorsen, born 1981-04-12" in page
    assert "same name and date of birth, same email" in page
    assert 'name="register_anyway"' in page
    # What was typed is kept.
    assert 'value="250-555-0101"' in page
    assert Patient.objects.count() == 1


def test_register_anyway_saves(front_desk_client, existing):
    response = front_desk_client.post("/patients/new/", form_data(register_anyway="on"))
    assert response.status_code == 302
    assert Patient.objects.filter(last_name="Halvorsen").count() == 2


def test_physio_sees_the_match_too(physio_client, existing):
    response = physio_client.post("/patients/new/", form_data())
    assert "Ingrid Halvorsen, born 1981-04-12" in response.content.decode()


def test_no_warning_without_a_match(front_desk_client, existing):
    response = front_desk_client.post("/patients/new/", form_data(date_of_birth="1990-01-01"))
    assert response.status_code == 302


def test_edit_does_not_flag_the_record_itself(front_desk_client, existing):
    data = form_data(phone=existing.phone, email=existing.email)
    response = front_desk_client.post(f"/patients/{existing.uuid}/edit/", data)
    assert response.status_code == 302


def test_edit_flags_another_record(front_desk_client, existing):
    other = PatientFactory(first_name="Olav", last_name="Berg")
    response = front_desk_client.post(
        f"/patients/{other.uuid}/edit/",
        form_data(first_name="Olav", last_name="Berg", phone="604-555-0199"),
    )
    assert response.status_code == 200
    assert "Possible duplicate" in response.content.decode()
    other.refresh_from_db()
    assert other.phone != "604-555-0199"
    response = front_desk_client.post(
        f"/patients/{other.uuid}/edit/",
        form_data(first_name="Olav", last_name="Berg", phone="604-555-0199", register_anyway="on"),
    )
    assert response.status_code == 302
    other.refresh_from_db()
    assert other.phone == "604-555-0199"


def test_register_query_count_does_not_grow_with_matches(
    front_desk_client, django_assert_max_num_queries
):
    PatientFactory.create_batch(12, phone="250-555-0101")
    with django_assert_max_num_queries(12):
        response = front_desk_client.post("/patients/new/", form_data())
    assert response.content.decode().count("same phone") == 5
