"""Issue 9: the headers on pages and files that carry patient data, the cookies' names, and a
production configuration that `check --deploy` finds nothing to warn about.

The suite runs with DEBUG off (tests/testenv.py), so these are the production headers."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from revere import middleware
from tests.clinical import give_consent
from tests.factories import PASSWORD, PatientFactory
from tests.programs import TYLER, build_program, handout_url, pdf_url
from tests.test_settings import CLEARED

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def patient(physio):
    return give_consent(PatientFactory(first_name="Noor", last_name="Haddad"), physio)


@pytest.fixture
def program(physio, patient):
    return build_program(physio, TYLER, patient=patient)


def phi_urls(patient, program):
    visit = program.visit
    return {
        "patient page": reverse("patients:detail", args=[patient.uuid]),
        "visit review": reverse("visits:review", args=[visit.uuid]),
        "visit treatment step": reverse("visits:treatment", args=[visit.uuid]),
        "handout page": handout_url(program),
        "handout PDF": pdf_url(program),
    }


def csp_directives(response):
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


@pytest.mark.django_db
def test_phi_pages_and_the_pdf_carry_every_header(physio_client, patient, program):
    for name, url in phi_urls(patient, program).items():
        response = physio_client.get(url)
        assert response.status_code == 200, name
        csp = response["Content-Security-Policy"]
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, name
        directives = csp_directives(response)
        assert directives["frame-ancestors"] == ["'none'"], name
        assert directives["script-src"] == ["'self'"], name
        assert directives["style-src"] == ["'self'"], name
        assert directives["default-src"] == ["'self'"], name
        assert directives["object-src"] == ["'none'"] and directives["base-uri"] == ["'none'"]
        assert response["Cache-Control"] == "no-store", name
        assert response["Pragma"] == "no-cache", name
        assert response["Permissions-Policy"] == middleware.PERMISSIONS_POLICY, name
        assert "camera=()" in response["Permissions-Policy"]
        assert "microphone=()" in response["Permissions-Policy"]
        assert "geolocation=()" in response["Permissions-Policy"]
        assert response["Cross-Origin-Resource-Policy"] == "same-origin", name
        assert response["Cross-Origin-Opener-Policy"] == "same-origin", name
        assert response["X-Content-Type-Options"] == "nosniff", name
        assert response["Referrer-Policy"] == "same-origin", name
        assert response["X-Frame-Options"] == "DENY", name
    assert response["Content-Type"] == "application/pdf"


@pytest.mark.django_db
def test_the_portal_and_its_handout_are_no_store_for_the_patient(
    physio, patient_client, own_patient
):
    program = build_program(physio, TYLER, patient=own_patient)
    for url in (reverse("portal:home"), handout_url(program), pdf_url(program)):
        response = patient_client.get(url)
        assert response.status_code == 200, url
        assert response["Cache-Control"] == "no-store", url
        assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


@pytest.mark.django_db
def test_login_page_redirects_and_errors_are_no_store_too():
    client = Client()
    assert client.get(reverse("login"))["Cache-Control"] == "no-store"
    # A redirect to the login page, and a 404: both answers of the app, never cached.
    assert client.get("/patients/")["Cache-Control"] == "no-store"
    missing = client.get("/no-such-page/")
    assert missing.status_code == 404 and missing["Cache-Control"] == "no-store"


def test_static_files_stay_cacheable(settings):
    # WhiteNoise serves the files from the source folders here (no collectstatic in the suite).
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
    response = Client().get("/static/css/revere.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
    assert "max-age" in response["Cache-Control"]
    assert "Pragma" not in response
    # The other headers still apply: no other site may embed the clinic's files.
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"


INLINE = [
    (re.compile(r"\sstyle\s*="), "a style attribute"),
    (re.compile(r"<style"), "a <style> block"),
    (re.compile(r"\son[a-z]+\s*=", re.IGNORECASE), "an inline event handler"),
    (re.compile(r"<script(?![^>]*\ssrc=)[^>]*>"), "an inline <script>"),
    (re.compile(r"javascript:", re.IGNORECASE), "a javascript: URL"),
]


def inline_code_in(html):
    return [what for pattern, what in INLINE if pattern.search(html)]


def test_no_template_holds_inline_script_or_style():
    found = {}
    for path in (ROOT / "templates").rglob("*.html"):
        problems = inline_code_in(path.read_text())
        if problems:
            found[str(path.relative_to(ROOT))] = problems
    assert found == {}


@pytest.mark.django_db
def test_rendered_phi_pages_hold_no_inline_script_or_style(physio_client, patient, program):
    for name, url in phi_urls(patient, program).items():
        if name == "handout PDF":
            continue
        html = physio_client.get(url).content.decode()
        assert inline_code_in(html) == [], name


def test_the_visit_progress_bar_widths_are_classes_in_the_stylesheet():
    css = (ROOT / "static" / "css" / "revere.css").read_text()
    for n in range(21):
        assert f".progress-fill-{n} {{ width: {n * 5}%; }}" in css


# --- Cookies ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_secure_cookies_carry_the_host_prefix(physio):
    # The suite runs with the production default: secure cookies (DEBUG off).
    assert settings.SESSION_COOKIE_SECURE and settings.CSRF_COOKIE_SECURE
    assert settings.SESSION_COOKIE_NAME == "__Host-sessionid"
    assert settings.CSRF_COOKIE_NAME == "__Host-csrftoken"
    client = Client(enforce_csrf_checks=True)
    client.get(reverse("login"))
    csrf = client.cookies["__Host-csrftoken"]
    response = client.post(
        reverse("login"),
        {"username": physio.username, "password": PASSWORD, "csrfmiddlewaretoken": csrf.value},
    )
    assert response.status_code == 302
    for name in ("__Host-sessionid", "__Host-csrftoken"):
        cookie = response.cookies.get(name) or client.cookies[name]
        # What the browser demands of a __Host- cookie: Secure, Path=/, no Domain.
        assert cookie["secure"] is True, name
        assert cookie["path"] == "/", name
        assert cookie["domain"] == "", name
    assert response.cookies["__Host-sessionid"]["httponly"] is True
    assert "sessionid" not in client.cookies and "csrftoken" not in client.cookies


COOKIE_SETTINGS = (
    "import json, django; from django.conf import settings; django.setup(); "
    "print(json.dumps([settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME, "
    "settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE]))"
)
ISSUE_9_VARIABLES = ("SESSION_COOKIE_SECURE", "SECURE_HSTS_PRELOAD", "OUTAGE_RETRY_AFTER")


def run_python(code, **env):
    # Nothing of the suite's own environment (tests/testenv.py, the browser tests' async flag).
    environ = {
        k: v
        for k, v in os.environ.items()
        if k not in CLEARED + ISSUE_9_VARIABLES and not k.startswith("DJANGO_")
    }
    environ.update(env, DJANGO_SETTINGS_MODULE="revere.settings")
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"DEBUG": "true"}, ["sessionid", "csrftoken", False, False]),
        (
            {"DEBUG": "false", "SECRET_KEY": "k" * 50},
            ["__Host-sessionid", "__Host-csrftoken", True, True],
        ),
        (
            {"DEBUG": "false", "SECRET_KEY": "k" * 50, "SESSION_COOKIE_SECURE": "false"},
            ["sessionid", "csrftoken", False, False],
        ),
    ],
    ids=["debug-over-http", "production", "insecure-cookies-by-choice"],
)
def test_cookie_names_follow_cookie_security(env, expected):
    import json

    result = run_python(COOKIE_SETTINGS, **env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == expected


# --- check --deploy ---------------------------------------------------------------------------

# The production environment of README.md "Deploying" (with a real-looking secret key).
PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "DATABASE_URL": "postgres://revere:secret@db.internal:5432/revere",
    "ALLOWED_HOSTS": "clinic.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://clinic.example.com",
    "SECURE_PROXY_SSL_HEADER_ENABLED": "true",
    "EMAIL_URL": "smtp+tls://mailer:secret@smtp.example.com:587",
}
CHECK_DEPLOY = (
    "import django; django.setup(); from django.core.management import call_command; "
    "call_command('check', deploy=True)"
)


def test_check_deploy_finds_nothing_with_the_production_settings():
    result = run_python(CHECK_DEPLOY, **PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNING" not in result.stderr, result.stderr


def test_check_deploy_still_warns_about_a_weak_configuration():
    # The check is live: the same settings with DEBUG on and a short key are reported.
    result = run_python(CHECK_DEPLOY, **PRODUCTION_ENV | {"DEBUG": "true", "SECRET_KEY": "short"})
    assert "security.W018" in result.stderr  # DEBUG
    assert "security.W009" in result.stderr  # the key
