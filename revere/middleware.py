"""Response headers that keep patient data out of caches and other sites, and the outage page.

- ``SecurityHeadersMiddleware``: ``Cache-Control: no-store`` on everything but static files, plus
  Permissions-Policy and Cross-Origin-Resource-Policy on every response.
- ``DatabaseOutageMiddleware``: a database that cannot be reached answers 503 with Retry-After and
  a static page, not a 500. It sits just after SecurityMiddleware, above the session and auth
  middleware; see ``outage_response`` for the exceptions raised inside those.
"""

import logging

import psycopg2
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader

logger = logging.getLogger("revere.outage")

# Browser features no page of Revere uses: denied to the pages and to anything they might embed.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "camera",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
        "browsing-topics",
    )
)

OUTAGE_ERRORS = (
    OperationalError,
    InterfaceError,
    psycopg2.OperationalError,
    psycopg2.InterfaceError,
)


def _is_static(request):
    static_url = settings.STATIC_URL or ""
    if not static_url.startswith("/"):
        static_url = "/" + static_url
    return static_url != "/" and request.path_info.startswith(static_url)


class SecurityHeadersMiddleware:
    """Every response except a static file is ``no-store``: pages, PDFs, redirects and errors of
    a records system may all carry patient data, and a shared clinic computer must not keep them
    in its cache or show them again with the back button after sign-out. Static files (served by
    WhiteNoise above the app) carry none and keep WhiteNoise's caching headers."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not _is_static(request):
            response["Cache-Control"] = "no-store"
            response["Pragma"] = "no-cache"
            response.headers.pop("Expires", None)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        return response


def is_outage(exc):
    return isinstance(exc, OUTAGE_ERRORS)


def outage_response(request, exc):
    """The 503 answer to a database that cannot be reached: a static page rendered without the
    request (so no context processor, session or user touches the database again)."""
    # One line without personal data: the driver's error class (ConnectionRefused is plain
    # OperationalError, a cancelled query QueryCanceled, ...), the method and the path. No error
    # message (a server's DETAIL may quote row values) and no query string (a search for a name).
    cause = exc.__cause__ if isinstance(exc.__cause__, OUTAGE_ERRORS) else exc
    logger.error(
        "Database unavailable (%s) during %s %s: answered 503",
        type(cause).__name__,
        request.method,
        request.path,
    )
    html = loader.render_to_string("503.html", {"clinic_name": settings.CLINIC_NAME})
    response = HttpResponse(html, status=503)
    response["Retry-After"] = str(settings.OUTAGE_RETRY_AFTER)
    response["Cache-Control"] = "no-store"
    # Django's request logger would add its own "Service Unavailable" line with the traceback.
    response._has_been_logged = True
    return response


class DatabaseOutageMiddleware:
    """Answers 503 instead of 500 when the database is down or the connection broke.

    Exceptions from a view or its template reach ``process_exception``. Django turns an exception
    raised inside an inner middleware (the session and auth middleware when pghistory's middleware
    reads ``request.user``, the session middleware saving a session) into an error response
    before any outer middleware sees it: ``revere.views.server_error`` (``handler500``) gives
    those the same 503."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if is_outage(exception):
            return outage_response(request, exception)
        return None
