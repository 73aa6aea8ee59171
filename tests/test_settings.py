"""The settings module reads the environment and refuses an unsafe production start-up.

Each case runs in a fresh Python process, because settings are read once at start-up.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRINT_SETTINGS = (
    "import json, django; from django.conf import settings; django.setup(); "
    "print(json.dumps({k: str(getattr(settings, k, None)) for k in ["
    "'DEBUG', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SECURE_HSTS_SECONDS', "
    "'SECURE_SSL_REDIRECT', 'TIME_ZONE', 'CLINIC_NAME', 'CLINIC_PHONE', 'EMAIL_BACKEND', "
    "'ALLOWED_HOSTS']} | {'ENGINE': settings.DATABASES['default']['ENGINE'], "
    "'DB_HOST': settings.DATABASES['default'].get('HOST', ''), "
    "'DB_NAME': settings.DATABASES['default']['NAME']}))"
)
CLEARED = (
    "SECRET_KEY",
    "DEBUG",
    "DATABASE_URL",
    "EMAIL_URL",
    "TIME_ZONE",
    "CLINIC_NAME",
    "CLINIC_PHONE",
    "ALLOWED_HOSTS",
    "SECURE_SSL_REDIRECT",
    "DEMO_MODE",
    "MANIFEST_STATIC",
    "EMBEDDED_DB_NAME",
)


def run_settings(**env):
    environ = {k: v for k, v in os.environ.items() if k not in CLEARED}
    environ.update(env, DJANGO_SETTINGS_MODULE="revere.settings")
    return subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_start_up_refuses_debug_off_without_a_secret_key():
    result = run_settings(DEBUG="False")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr
    assert "ImproperlyConfigured" in result.stderr


def test_with_a_database_url_debug_defaults_to_off_so_a_missing_key_is_refused():
    result = run_settings(DATABASE_URL="postgres://app:pw@db.example.com:5432/clinic")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_on_the_embedded_development_database_debug_defaults_to_on():
    result = run_settings()
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["DEBUG"] == "True"


def test_production_settings_are_secure():
    result = run_settings(SECRET_KEY="x" * 50, DEBUG="false", ALLOWED_HOSTS="clinic.example.com")
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["DEBUG"] == "False"
    assert values["SESSION_COOKIE_SECURE"] == "True"
    assert values["CSRF_COOKIE_SECURE"] == "True"
    assert values["SECURE_SSL_REDIRECT"] == "True"
    assert int(values["SECURE_HSTS_SECONDS"]) >= 31536000
    assert values["ALLOWED_HOSTS"] == "['clinic.example.com']"


def test_debug_relaxes_cookies_and_hsts_for_local_http():
    result = run_settings(DEBUG="true")
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["SESSION_COOKIE_SECURE"] == "False"
    assert values["SECURE_HSTS_SECONDS"] == "0"
    assert values["SECURE_SSL_REDIRECT"] == "False"


def test_defaults_clinic_time_zone_and_console_email():
    values = json.loads(run_settings(DEBUG="true").stdout)
    assert values["TIME_ZONE"] == "America/Vancouver"
    assert values["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"
    assert values["CLINIC_NAME"] == "Revere Physiotherapy"


def test_environment_overrides_clinic_zone_email_and_database():
    values = json.loads(
        run_settings(
            DEBUG="true",
            TIME_ZONE="America/Toronto",
            CLINIC_NAME="Example Clinic",
            CLINIC_PHONE="416-555-0100",
            EMAIL_URL="smtp+tls://mailer:secret@smtp.example.com:587",
            DATABASE_URL="postgres://app:pw@db.example.com:5432/clinic",
        ).stdout
    )
    assert values["TIME_ZONE"] == "America/Toronto"
    assert values["CLINIC_NAME"] == "Example Clinic"
    assert values["CLINIC_PHONE"] == "416-555-0100"
    assert values["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert values["ENGINE"] == "django.db.backends.postgresql"
    assert values["DB_HOST"] == "db.example.com" and values["DB_NAME"] == "clinic"


def test_without_database_url_the_embedded_server_is_used():
    values = json.loads(run_settings(DEBUG="true").stdout)
    assert values["ENGINE"] == "revere.embedded_pg"
    assert values["DB_NAME"] == "revere"
