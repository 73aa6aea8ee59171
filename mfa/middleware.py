"""Enforces the second factor on every request of signed-in clinic staff.

Runs after django_otp's OTPMiddleware, which sets ``request.user.otp_device`` from the session.
A staff user who has an authenticator but has not given a code this session is sent to the
verification page; one who must have a second factor and has none is sent to enrolment. Only
the login, logout, verification and enrolment pages and static files are reachable before that.
The Django admin is behind the same check (and its site refuses unverified users as well).
"""

from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse

from mfa import services
from revere.access import is_public_path


class SecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and not self._exempt(request.path_info)
            and services.mfa_applies(user)
            and not user.is_verified()
        ):
            if services.is_enrolled(user):
                return self._to("mfa:verify", request)
            if services.mfa_required(user):
                return self._to("mfa:setup", request)
        return self.get_response(request)

    @staticmethod
    def _exempt(path: str) -> bool:
        static = "/" + settings.STATIC_URL.lstrip("/")
        open_paths = {
            reverse("login"),
            reverse("logout"),
            reverse("mfa:verify"),
            reverse("mfa:setup"),
        }
        # The pages anyone holding the link may open (revere.access.PUBLIC_VIEWS), and the
        # public booking page (issue 13): no login, so no second factor either.
        public = reverse("online:book")
        return (
            path in open_paths
            or path.startswith(static)
            or is_public_path(path)
            or path.startswith(public)
        )

    @staticmethod
    def _to(view_name: str, request):
        url = reverse(view_name)
        if request.method == "GET" and request.path_info != reverse("home"):
            url += "?" + urlencode({"next": request.get_full_path()})
        return redirect(url)
