"""Session limits: staff signed out after 15 idle minutes, patients after 60, everyone 10 hours
after signing in; the cookie dies with the browser; the idle warning and its keepalive."""

import time

import pytest
from django.conf import settings
from django.urls import reverse

from accounts.middleware import LAST_ACTIVITY, LOGIN_AT
from tests.factories import PASSWORD
from tests.support import password_login

pytestmark = pytest.mark.django_db

KEEPALIVE = "/accounts/keepalive/"
IDLE_MESSAGE = "You were signed out after 15 minutes without activity; your drafts were saved."


def age_session(client, *, idle_minutes=0, signed_in_hours=0.0):
    """Pretend the last request was ``idle_minutes`` ago and the sign-in ``signed_in_hours`` ago."""
    now = int(time.time())
    session = client.session
    session[LAST_ACTIVITY] = now - int(idle_minutes * 60)
    session[LOGIN_AT] = now - int(signed_in_hours * 3600)
    session.save()


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture
def day_url():
    return reverse("visits:day")


def test_defaults(settings):
    assert settings.STAFF_IDLE_MINUTES == 15
    assert settings.PATIENT_IDLE_MINUTES == 60
    assert settings.SESSION_ABSOLUTE_HOURS == 10
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True


def test_staff_signed_out_after_fifteen_idle_minutes(physio_client, day_url):
    assert physio_client.get(day_url).status_code == 200
    age_session(physio_client, idle_minutes=16)
    response = physio_client.get(day_url)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={day_url}"
    assert not signed_in(physio_client)
    login_page = physio_client.get(response["Location"])
    assert IDLE_MESSAGE in login_page.content.decode()


def test_staff_kept_signed_in_with_activity(physio_client, day_url):
    physio_client.get(day_url)
    age_session(physio_client, idle_minutes=14)
    assert physio_client.get(day_url).status_code == 200
    # That request was activity: the count starts again.
    assert int(time.time()) - physio_client.session[LAST_ACTIVITY] <= 2
    assert physio_client.get(day_url).status_code == 200
    assert signed_in(physio_client)


def test_front_desk_and_manager_have_the_staff_limit(front_desk_client, manager_client):
    for client in (front_desk_client, manager_client):
        client.get("/")
        age_session(client, idle_minutes=16)
        assert client.get("/patients/").status_code == 302
        assert not signed_in(client)


def test_the_idle_limit_follows_the_setting(physio_client, day_url, settings):
    settings.STAFF_IDLE_MINUTES = 5
    physio_client.get(day_url)
    age_session(physio_client, idle_minutes=6)
    response = physio_client.get(day_url, follow=True)
    assert "signed out after 5 minutes without activity" in response.content.decode()


def test_keepalive_extends_the_session_and_answers_204(physio_client, day_url):
    physio_client.get(day_url)
    age_session(physio_client, idle_minutes=14)
    response = physio_client.post(KEEPALIVE)
    assert response.status_code == 204
    assert response.content == b""
    assert int(time.time()) - physio_client.session[LAST_ACTIVITY] <= 2
    assert response.wsgi_request.revere_keepalive is True  # not a page view


def test_activity_is_written_at_most_once_a_minute(physio_client, day_url):
    """A session write is a database write: not on every request."""
    physio_client.get(day_url)
    age_session(physio_client, idle_minutes=0.5)
    stored = physio_client.session[LAST_ACTIVITY]
    physio_client.get(day_url)
    assert physio_client.session[LAST_ACTIVITY] == stored
    # But the keepalive always counts.
    physio_client.post(KEEPALIVE)
    assert physio_client.session[LAST_ACTIVITY] > stored


def test_the_page_tells_the_script_the_seconds_the_server_counts(physio_client, day_url):
    physio_client.get(day_url)
    age_session(physio_client, idle_minutes=0.5)
    html = physio_client.get(day_url).content.decode()
    left = int(html.split('data-idle-seconds-left="', 1)[1].split('"', 1)[0])
    assert 865 <= left <= 871  # 15 minutes less the 30 seconds not yet written


def test_keepalive_too_late_does_not_revive_the_session(physio_client):
    physio_client.get("/")
    age_session(physio_client, idle_minutes=16)
    response = physio_client.post(KEEPALIVE, headers={"X-Keepalive": "1"})
    assert response.status_code == 401
    assert not signed_in(physio_client)


def test_an_autosave_after_the_idle_limit_is_told_it_was_signed_out(physio_client, day_url):
    physio_client.get(day_url)
    age_session(physio_client, idle_minutes=16)
    response = physio_client.post(day_url, {"action": "save"}, headers={"X-Autosave": "1"})
    assert response.status_code == 401
    assert not signed_in(physio_client)


def test_keepalive_needs_a_signed_in_post(client, physio_client):
    assert client.post(KEEPALIVE).status_code == 302
    assert physio_client.get(KEEPALIVE).status_code == 405


def test_the_absolute_limit_signs_out_even_with_activity(physio_client, day_url):
    physio_client.get(day_url)
    age_session(physio_client, idle_minutes=1, signed_in_hours=10.1)
    response = physio_client.get(day_url, follow=True)
    assert not signed_in(physio_client)
    assert "signed out 10 hours after signing in" in response.content.decode()


def test_within_the_absolute_limit_the_session_goes_on(physio_client, day_url):
    physio_client.get(day_url)
    age_session(physio_client, idle_minutes=1, signed_in_hours=9.9)
    assert physio_client.get(day_url).status_code == 200


def test_patients_have_a_longer_idle_limit(patient_client):
    patient_client.get("/portal/")
    age_session(patient_client, idle_minutes=45)
    assert patient_client.get("/portal/").status_code == 200
    age_session(patient_client, idle_minutes=61)
    response = patient_client.get("/portal/", follow=True)
    assert not signed_in(patient_client)
    assert "signed out after 60 minutes without activity" in response.content.decode()


def test_patients_have_the_absolute_limit(patient_client):
    patient_client.get("/portal/")
    age_session(patient_client, idle_minutes=1, signed_in_hours=10.1)
    assert patient_client.get("/portal/").status_code == 302
    assert not signed_in(patient_client)


def test_a_sign_in_starts_the_clock(client, physio):
    assert password_login(client, "physio", PASSWORD)
    session = client.session  # stamped by the sign-in itself, before any other request
    assert abs(session[LOGIN_AT] - int(time.time())) <= 2
    assert abs(session[LAST_ACTIVITY] - int(time.time())) <= 2


def test_the_session_cookie_ends_with_the_browser(client, physio):
    client.post("/accounts/login/", {"username": "physio", "password": PASSWORD})
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie.value
    assert cookie["max-age"] == "" and cookie["expires"] == ""


def test_staff_pages_carry_the_idle_warning(physio_client, day_url):
    html = physio_client.get(day_url).content.decode()
    assert 'data-idle-minutes="15" data-idle-seconds-left="900"' in html
    assert "js/idle-warning.js" in html
    assert 'id="idle-warning"' in html and f'action="{KEEPALIVE}"' in html
    assert "Stay signed in" in html
    assert "<script>" not in html  # no inline script (Content-Security-Policy)


def test_patient_pages_carry_the_patient_timeout(patient_client):
    html = patient_client.get("/portal/").content.decode()
    assert 'data-idle-minutes="60"' in html and "js/idle-warning.js" in html


def test_no_idle_warning_before_signing_in(client):
    html = client.get("/accounts/login/").content.decode()
    assert "data-idle-minutes" not in html and "idle-warning.js" not in html


def test_the_idle_script_exists_and_saves_drafts_first():
    from pathlib import Path

    from django.contrib.staticfiles import finders

    script = Path(finders.find("js/idle-warning.js")).read_text()
    assert "revere:save-drafts" in script and "data-idle-minutes" in script
    autosave = Path(finders.find("js/autosave.js")).read_text()
    assert 'addEventListener("revere:save-drafts"' in autosave
