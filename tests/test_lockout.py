"""Sign-in lockouts (django-axes, enabled as in production): by username and by IP address, on
the clinic's login page and the admin's, lifted by the cool-off or by the manager in the admin."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.test import Client

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"


def sign_in(client, username, password, *, path=LOGIN, ip="127.0.0.1"):
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=ip)


def fail(client, username, times, *, path=LOGIN, ip="127.0.0.1"):
    return [sign_in(client, username, "wrong-password", path=path, ip=ip) for _ in range(times)]


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture
def desk(db):
    return UserFactory(username="desk")


def test_settings_default_to_five_failures_and_fifteen_minutes(settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_COOLOFF_TIME.total_seconds() == 15 * 60
    assert settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"
    assert settings.AXES_ENABLED


def test_four_failures_still_let_the_right_password_in(client, desk):
    responses = fail(client, "desk", 4)
    assert all(r.status_code == 200 for r in responses)
    assert "do not match an account" in responses[-1].content.decode()
    assert sign_in(client, "desk", PASSWORD).status_code == 302
    assert signed_in(client)


def test_the_fifth_failure_locks_and_the_right_password_is_refused(client, desk):
    responses = fail(client, "desk", 5)
    assert [r.status_code for r in responses] == [200, 200, 200, 200, 429]
    locked = sign_in(client, "desk", PASSWORD)
    assert locked.status_code == 429
    assert not signed_in(client)


def test_the_lockout_page_is_in_the_apps_look(client, desk):
    response = fail(client, "desk", 5)[-1]
    html = response.content.decode()
    assert response.status_code == 429
    names = [t.name for t in response.templates]
    assert "registration/lockout.html" in names and "base.html" in names
    assert (
        "Too many failed sign-ins. Try again in 15 minutes or ask the clinic manager to unlock "
        "the account." in html
    )
    assert "Skip to main content" in html and "vendor/bootstrap/bootstrap.min.css" in html


def test_the_lockout_page_says_the_configured_cooloff(client, desk, settings):
    settings.AXES_COOLOFF_TIME = timedelta(minutes=30)
    html = fail(client, "desk", 5)[-1].content.decode()
    assert "Try again in 30 minutes" in html


def test_the_username_is_locked_from_every_address(desk):
    for i in range(5):
        fail(Client(), "desk", 1, ip=f"10.0.0.{i + 1}")
    elsewhere = Client()
    assert sign_in(elsewhere, "desk", PASSWORD, ip="10.9.9.9").status_code == 429
    assert not signed_in(elsewhere)


def test_an_address_is_locked_for_every_username(desk):
    attacker = Client()
    for i in range(5):
        fail(attacker, f"guess{i}", 1, ip="203.0.113.7")
    # A real account from the locked address is refused too...
    assert sign_in(Client(), "desk", PASSWORD, ip="203.0.113.7").status_code == 429
    # ...but not from another address.
    other = Client()
    assert sign_in(other, "desk", PASSWORD, ip="198.51.100.2").status_code == 302
    assert signed_in(other)


def test_the_cooloff_lifts_the_lockout(client, desk):
    fail(client, "desk", 5)
    assert sign_in(client, "desk", PASSWORD).status_code == 429
    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.get().attempt_time - timedelta(minutes=16)
    )
    assert sign_in(client, "desk", PASSWORD).status_code == 302
    assert signed_in(client)


def test_within_the_cooloff_it_stays_locked(client, desk):
    fail(client, "desk", 5)
    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.get().attempt_time - timedelta(minutes=14)
    )
    assert sign_in(client, "desk", PASSWORD).status_code == 429


def test_the_admin_login_locks_too_and_for_the_clinic_login(client, manager):
    responses = fail(client, "boss", 5, path=ADMIN_LOGIN)
    assert [r.status_code for r in responses] == [200, 200, 200, 200, 429]
    assert "Too many failed sign-ins" in responses[-1].content.decode()
    assert sign_in(client, "boss", PASSWORD, path=ADMIN_LOGIN).status_code == 429
    assert sign_in(Client(), "boss", PASSWORD, ip="10.1.1.1").status_code == 429


def test_failures_on_the_clinic_login_lock_the_admin_login(client, manager):
    fail(client, "boss", 5)
    assert sign_in(Client(), "boss", PASSWORD, path=ADMIN_LOGIN, ip="10.1.1.1").status_code == 429


def test_the_manager_sees_and_deletes_the_lockout_in_the_admin(client, desk, manager_client):
    fail(client, "desk", 5)
    attempt = AccessAttempt.objects.get(username="desk")
    listing = manager_client.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200
    assert "desk" in listing.content.decode()
    response = manager_client.post(
        "/admin/axes/accessattempt/",
        {"action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="desk").exists()
    assert sign_in(client, "desk", PASSWORD).status_code == 302
    assert signed_in(client)


def test_staff_without_admin_rights_cannot_unlock(client, desk, physio_client):
    fail(client, "desk", 5)
    response = physio_client.get("/admin/axes/accessattempt/")
    assert response.status_code == 302  # the admin's own login page, not the list
    assert AccessAttempt.objects.filter(username="desk").exists()


@pytest.mark.parametrize("path", [LOGIN, ADMIN_LOGIN])
@pytest.mark.parametrize(
    "username,password",
    [("desk\x00", "wrong"), ("desk", "wrong\x00"), ("x" * 5000, "wrong"), ("", "")],
)
def test_odd_sign_in_input_is_a_form_error_never_a_500(client, desk, path, username, password):
    response = sign_in(client, username, password, path=path)
    assert response.status_code == 200
    assert not signed_in(client)
