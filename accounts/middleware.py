"""Session limits: an idle timeout (shorter for staff than for patients) and an absolute limit
from sign-in, both enforced on the server whatever the browser does."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.urls import reverse

from revere import roles
from revere.access import is_public_path

LOGIN_AT = "revere_login_at"
LAST_ACTIVITY = "revere_last_activity"
# The activity time is written at most once a minute (a session write is a database write, and
# pages pin their query counts); the keepalive always writes. idle-warning.js allows for this.
ACTIVITY_RESOLUTION_SECONDS = 60


def idle_minutes_for(user) -> int:
    if roles.is_patient_user(user):
        return settings.PATIENT_IDLE_MINUTES
    # Staff, and accounts without a role yet: the stricter limit.
    return settings.STAFF_IDLE_MINUTES


def stamp_session(session, now: int | None = None) -> None:
    """Start the clocks of a new sign-in (called on user_logged_in, see apps.py)."""
    now = int(time.time()) if now is None else now
    session[LOGIN_AT] = now
    session[LAST_ACTIVITY] = now


def idle_seconds_left(request) -> int:
    """Seconds before the idle sign-out, as the server counts them."""
    last = request.session.get(LAST_ACTIVITY, int(time.time()))
    return max(0, idle_minutes_for(request.user) * 60 - (int(time.time()) - last))


def is_keepalive(request) -> bool:
    """The idle warning's "Stay signed in" request: not a page view (for page-view records)."""
    return getattr(request, "revere_keepalive", False) or request.path == reverse("keepalive")


class SessionLimitsMiddleware:
    """After AuthenticationMiddleware and MessageMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        now = int(time.time())
        if user.is_authenticated:
            session = request.session
            if LOGIN_AT not in session:  # a session from before these limits existed
                stamp_session(session, now)
            last = session.get(LAST_ACTIVITY, now)
            idle = idle_minutes_for(user)
            if now - last > idle * 60:
                return self._sign_out(
                    request,
                    f"You were signed out after {idle} minutes without activity; "
                    "your drafts were saved.",
                )
            if now - session[LOGIN_AT] > settings.SESSION_ABSOLUTE_HOURS * 3600:
                return self._sign_out(
                    request,
                    f"You were signed out {settings.SESSION_ABSOLUTE_HOURS} hours after signing "
                    "in; your drafts were saved. Sign in again to go on.",
                )
            keepalive = is_keepalive(request)
            if keepalive:
                request.revere_keepalive = True
            # Before the view, so the page's idle warning starts from what the server counts.
            if keepalive or now - last >= ACTIVITY_RESOLUTION_SECONDS:
                session[LAST_ACTIVITY] = now
        return self.get_response(request)

    def _sign_out(self, request, message):
        logout(request)
        if is_public_path(request.path_info):
            # A page open to anyone (the intake form's link): the session ends, the page shows.
            return self.get_response(request)
        messages.info(request, message)
        if request.headers.get("X-Autosave") or request.headers.get("X-Keepalive"):
            # A script's request: it says so on the page and keeps what was typed.
            return HttpResponse(status=401)
        if request.method == "GET":
            return redirect_to_login(request.get_full_path())
        return redirect_to_login(reverse("home"))
