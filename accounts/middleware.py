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

LOGIN_AT = "revere_login_at"
LAST_ACTIVITY = "revere_last_activity"


def idle_minutes_for(user) -> int:
    if roles.is_patient_user(user):
        return settings.PATIENT_IDLE_MINUTES
    # Staff, and accounts without a role yet: the stricter limit.
    return settings.STAFF_IDLE_MINUTES


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
            login_at = session.get(LOGIN_AT, now)
            last = session.get(LAST_ACTIVITY, now)
            idle = idle_minutes_for(user)
            if now - last > idle * 60:
                return self._sign_out(
                    request,
                    f"You were signed out after {idle} minutes without activity; "
                    "your drafts were saved.",
                )
            if now - login_at > settings.SESSION_ABSOLUTE_HOURS * 3600:
                return self._sign_out(
                    request,
                    f"You were signed out {settings.SESSION_ABSOLUTE_HOURS} hours after signing "
                    "in; your drafts were saved. Sign in again to go on.",
                )
            if is_keepalive(request):
                request.revere_keepalive = True
        response = self.get_response(request)
        # After the view: a sign-in (or sign-out) may have happened, with a new session.
        if request.user.is_authenticated:
            session = request.session
            session.setdefault(LOGIN_AT, now)
            # Every request: the page's idle warning counts from its own load, so the server's
            # clock must not lag behind it.
            session[LAST_ACTIVITY] = now
        return response

    def _sign_out(self, request, message):
        logout(request)
        messages.info(request, message)
        if request.headers.get("X-Autosave") or request.headers.get("X-Keepalive"):
            # A script's request: it says so on the page and keeps what was typed.
            return HttpResponse(status=401)
        if request.method == "GET":
            return redirect_to_login(request.get_full_path())
        return redirect_to_login(reverse("home"))
