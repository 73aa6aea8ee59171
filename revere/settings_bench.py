"""Benchmark settings (`make bench`): the normal settings plus the bench app.

Adds the floor views (bench/urls.py), the X-Queries header (bench/middleware.py) and prepared
sessions (bench/sessions.py). Production-like otherwise (DEBUG off unless set), but served by
gunicorn on 127.0.0.1 over plain HTTP, so no HTTPS redirect or secure-only cookie names. Never
deploy with these settings.
"""

from revere.settings import *  # noqa: F403
from revere.settings import INSTALLED_APPS, MIDDLEWARE

INSTALLED_APPS = [*INSTALLED_APPS, "bench"]
ROOT_URLCONF = "bench.urls"
MIDDLEWARE = ["bench.middleware.QueryCountMiddleware", *MIDDLEWARE]

ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = False
SESSION_COOKIE_NAME = "sessionid"
CSRF_COOKIE_NAME = "csrftoken"
# A run lasts longer than the staff idle limit; the limit's own check still runs per request.
STAFF_IDLE_MINUTES = PATIENT_IDLE_MINUTES = 24 * 60
# Booking confirmations are built but not sent anywhere.
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
