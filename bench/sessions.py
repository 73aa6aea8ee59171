"""Signed-in sessions for the benchmark, made directly in the session store.

A staff session carries the second factor as passed (a confirmed authenticator, made if missing),
exactly the keys the login and verification pages write; nothing in the normal settings changes.
Only the bench settings install this app, and seed_scale's users are synthetic."""

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.middleware.csrf import _get_new_csrf_string

from accounts.middleware import stamp_session
from revere import roles


def signed_in_session(user) -> str:
    """A session key for ``user``, signed in (second factor passed for staff)."""
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    stamp_session(session)
    if roles.is_clinic_staff(user):
        from django_otp import DEVICE_ID_SESSION_KEY
        from django_otp.plugins.otp_totp.models import TOTPDevice

        device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="Bench", confirmed=True)
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.create()
    return session.session_key


def cookie_header(user) -> tuple[str, str]:
    """(Cookie header value, CSRF token) for requests as ``user``."""
    from django.conf import settings

    token = _get_new_csrf_string()
    key = signed_in_session(user)
    return f"{settings.SESSION_COOKIE_NAME}={key}; {settings.CSRF_COOKIE_NAME}={token}", token
