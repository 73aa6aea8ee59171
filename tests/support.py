"""Helpers shared by the test modules and the conftest files."""

import importlib
import threading
import time

from django.apps import apps
from django.db import connection


def reload_reference_data():
    """Run the data migrations' loaders again (they are idempotent).

    The role groups and the clinical catalogues come from data migrations. A browser test runs in
    real transactions and the database is flushed after it, so the rows are gone for whatever runs
    next: the next browser test, or the next run with --reuse-db.
    """
    for module, function in (
        ("patients.migrations.0002_create_role_groups", "create_groups"),
        ("patients.migrations.0004_load_appointment_types", "load_appointment_types"),
        ("patients.migrations.0010_appointment_type_kind", "set_appointment_type_kinds"),
        ("patients.migrations.0013_online_booking_switches_and_source", "offer_online"),
        ("treatments.migrations.0002_load_clinical_reference_data", "load"),
        ("treatments.migrations.0004_load_exercise_library_and_post_care", "load"),
    ):
        getattr(importlib.import_module(module), function)(apps, None)


def password_login(client, username, password) -> bool:
    """Sign in through the login page, as a person does (django-axes refuses Client.login(),
    which authenticates without a request). True when the client is signed in afterwards."""
    client.post("/accounts/login/", {"username": username, "password": password})
    return "_auth_user_id" in client.session


# --- Second factor (issue 9) ------------------------------------------------------------------


def authenticator_for(user):
    """The user's confirmed authenticator (TOTP device), made if missing."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Test authenticator", confirmed=True)
    return device


def verify_second_factor(client, user):
    """Mark ``client``'s signed-in session as having passed the second factor, as the
    verification page does, with a confirmed authenticator for ``user`` (made if missing)."""
    from django_otp import DEVICE_ID_SESSION_KEY

    device = authenticator_for(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device


def verified_client(user, client=None):
    """A test client signed in as ``user`` with the second factor passed (staff need it)."""
    from django.test import Client

    client = client or Client()
    client.force_login(user)
    verify_second_factor(client, user)
    return client


def totp_code(device):
    """The code the user's authenticator app shows now; if that step's code was used already
    (django-otp accepts each step once), the next step's, which it accepts as one step of drift."""
    from django_otp.oath import TOTP

    device.refresh_from_db()
    generator = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    generator.time = time.time()
    if generator.t() <= device.last_t:
        generator.time += device.step * (device.last_t + 1 - generator.t())
    return f"{generator.token():0{device.digits}d}"


def browser_log_in(page, user, password):
    """Log in through the pages, password then the authenticator code, as a person would.

    Staff get a confirmed authenticator first if they have none."""
    from revere import roles

    device = authenticator_for(user) if roles.is_clinic_staff(user) else None
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(user.get_username())
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    if device is not None:
        page.wait_for_url("**/accounts/mfa/verify/**")
        page.get_by_label("Code").fill(totp_code(device))
        page.get_by_role("button", name="Verify").click()
        page.wait_for_url(lambda url: "/accounts/mfa/" not in url)


# --- Concurrency -----------------------------------------------------------------------------


def run_together(count, work):
    """Run ``work(i, barrier)`` in ``count`` threads, each with its own database connection, and
    return each result or exception. ``work`` waits on the barrier to start all at once."""
    barrier = threading.Barrier(count, timeout=30)
    results = [None] * count

    def attempt(i):
        try:
            results[i] = work(i, barrier)
        except Exception as exc:  # collected and asserted on below
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return results
