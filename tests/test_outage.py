"""Issue 9: when the database cannot be reached the app answers 503 with Retry-After and a static
outage page, never a 500, and logs a line without personal data.

The outage is real: the connection is closed and pointed at port 1, where nothing listens (on the
embedded server, a socket that does not exist), so every query fails in psycopg2 as in production.
"""

import logging

import pytest
from django.db import connections
from django.test import Client
from django.urls import reverse

from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db(transaction=True)

OUTAGE_TEXT = (
    "The records system is unavailable for a moment; nothing you typed on this page was "
    "saved—go back and submit again in a minute."
)


@pytest.fixture
def patient(physio):
    return PatientFactory(first_name="Imogen", last_name="Quartermaine")


@pytest.fixture
def database_down(transactional_db):
    """Close the connection and point it where no server answers; restore it before the test
    database is flushed."""
    connection = connections["default"]
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict["PORT"] = "1"
    yield
    connection.close()
    connection.settings_dict.clear()
    connection.settings_dict.update(saved)


@pytest.fixture
def signed_in(physio_client):
    """The physiotherapist's session, in a client that answers like a browser: an exception that
    reached Django's handler (and so handler500) is a response here, not raised into the test."""
    client = Client(raise_request_exception=False)
    client.cookies = physio_client.cookies
    return client


def assert_outage_page(response, settings):
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response["Cache-Control"] == "no-store"
    html = response.content.decode()
    assert OUTAGE_TEXT in html
    assert settings.CLINIC_NAME in html
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


def error_lines(caplog):
    return [(r.name, r.getMessage()) for r in caplog.records if r.levelno >= logging.WARNING]


def test_a_signed_in_page_during_an_outage_is_503_with_retry_after(
    signed_in, patient, database_down, settings, caplog
):
    # The first query is the session's, when pghistory's middleware reads request.user: an
    # exception inside the middleware stack, answered by handler500.
    with caplog.at_level(logging.INFO):
        response = signed_in.get(f"/patients/{patient.uuid}/")
    assert_outage_page(response, settings)
    # One line, without personal data, and no traceback from Django's request logger.
    assert error_lines(caplog) == [
        (
            "revere.outage",
            f"Database unavailable (OperationalError) during GET /patients/{patient.uuid}/: "
            "answered 503",
        )
    ]


def test_a_search_during_an_outage_logs_no_name(signed_in, patient, database_down, caplog):
    with caplog.at_level(logging.INFO):
        response = signed_in.get("/patients/", {"q": "Quartermaine"})
    assert response.status_code == 503
    logged = " ".join(message for _, message in error_lines(caplog))
    assert "Quartermaine" not in logged and "Imogen" not in logged
    assert "GET /patients/:" in logged


def test_signing_in_during_an_outage_is_503(physio, database_down, settings, caplog):
    # A client that raises any exception Django's handler saw: the view's OperationalError is
    # answered by the middleware's process_exception, before Django's handler.
    client = Client()
    # The sign-in page itself needs no database: it still shows.
    assert client.get(reverse("login")).status_code == 200
    with caplog.at_level(logging.INFO):
        response = client.post(reverse("login"), {"username": "physio", "password": "whatever"})
    assert_outage_page(response, settings)
    assert [name for name, _ in error_lines(caplog)] == ["revere.outage"]


def test_a_form_post_during_an_outage_is_503(signed_in, patient, database_down, settings):
    response = signed_in.post(
        reverse("patients:edit", args=[patient.uuid]), {"first_name": "Changed"}
    )
    assert_outage_page(response, settings)


def test_a_patient_portal_page_during_an_outage_is_503(patient_client, database_down, settings):
    client = Client(raise_request_exception=False)
    client.cookies = patient_client.cookies
    assert_outage_page(client.get(reverse("portal:home")), settings)


def test_the_app_answers_again_once_the_database_is_back(physio_client, patient):
    # The same request without the outage: the page, not the outage page.
    response = physio_client.get(f"/patients/{patient.uuid}/")
    assert response.status_code == 200
    assert OUTAGE_TEXT not in response.content.decode()
