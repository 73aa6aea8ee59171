"""Staff second factor (issue 9): the manager and the admin always need it, physiotherapists and
the front desk enrol at their first login (unless MFA_REQUIRED_FOR_STAFF is false), patients are
never asked; codes are throttled, backup codes work once, the manager can reset a person."""

import re

import pytest
from django.contrib.admin.models import LogEntry
from django.core.management import CommandError, call_command
from django.test import Client
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from mfa import services
from revere import demo, roles
from tests.factories import PASSWORD, UserFactory
from tests.support import password_login, totp_code

pytestmark = pytest.mark.django_db

VERIFY = "/accounts/mfa/verify/"
SETUP = "/accounts/mfa/setup/"


def password_only(user):
    """Signed in with the password, the second step not taken yet."""
    client = Client()
    # Through the login page: django-axes refuses Client.login() (no request to check).
    assert password_login(client, user.username, PASSWORD)
    return client


def enrol(user):
    device = TOTPDevice.objects.create(user=user, name="Phone", confirmed=True)
    codes = services.backup_codes_regenerate(user=user)
    return device, codes


def a_wrong_code(device):
    right = {totp_code(device)}
    return next(c for c in ("123456", "654321", "111111") if c not in right)


# --- The manager and the admin ------------------------------------------------------------------


def test_unverified_manager_is_sent_to_verification_never_into_the_admin(manager):
    enrol(manager)
    client = password_only(manager)
    for url in ("/admin/", "/admin/auth/user/", "/admin/login/", "/patients/schedule/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(VERIFY), url
    assert client.get("/admin/", follow=True).redirect_chain[-1][0].startswith(VERIFY)


def test_manager_without_a_device_must_enrol_before_the_admin(manager):
    response = password_only(manager).get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(SETUP)


def test_verified_manager_opens_the_admin(manager_client):
    response = manager_client.get("/admin/")
    assert response.status_code == 200
    assert "Revere clinic administration" in response.content.decode()


def test_manager_who_types_the_code_gets_into_the_admin(manager):
    device, _ = enrol(manager)
    client = password_only(manager)
    response = client.post(VERIFY, {"code": totp_code(device), "next": "/admin/"})
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


# --- Physiotherapists and the front desk -----------------------------------------------------


def test_physio_without_device_is_sent_to_enrolment_and_refused_other_pages(physio):
    client = password_only(physio)
    for url in ("/", "/visits/day/", "/patients/", "/accounts/mfa/", "/accounts/password_change/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(SETUP), url
    response = client.post("/patients/new/", {"first_name": "Ann"})
    assert response.status_code == 302 and response["Location"] == SETUP
    # The enrolment and the logout are open.
    assert client.get(SETUP).status_code == 200
    assert client.post("/accounts/logout/").status_code == 302


def test_login_with_password_leads_an_enrolled_physio_to_the_code_page(physio):
    enrol(physio)
    response = Client().post(
        "/accounts/login/", {"username": "physio", "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == VERIFY
    assert "6-digit code" in response.content.decode()


def test_enrolment_shows_the_qr_as_inline_svg_and_the_secret(physio):
    response = password_only(physio).get(SETUP)
    html = response.content.decode()
    device = TOTPDevice.objects.get(user=physio, confirmed=False)
    qr = re.search(r"<svg[^>]*>.*?</svg>", html, re.S)
    assert qr is not None, "the QR code is inline SVG"
    assert "<path" in qr.group(0) and "style=" not in qr.group(0)
    assert 'src="data:' not in html and "<script>" not in html  # CSP without 'unsafe-inline'
    assert services.secret_base32(device) in html
    assert "no-store" in response["Cache-Control"]  # a secret is shown: never cached
    # A reload shows the same secret (the pending device is kept).
    password_only(physio).get(SETUP)
    assert TOTPDevice.objects.filter(user=physio).count() == 1


def test_enrolment_with_the_right_code_turns_it_on_and_shows_ten_backup_codes_once(physio):
    client = password_only(physio)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=physio, confirmed=False)
    response = client.post(SETUP, {"code": totp_code(device)})
    assert response.status_code == 302 and response["Location"] == "/accounts/mfa/backup-codes/"
    device.refresh_from_db()
    assert device.confirmed
    html = client.get("/accounts/mfa/backup-codes/").content.decode()
    tokens = StaticToken.objects.filter(device__user=physio).values_list("token", flat=True)
    assert len(tokens) == 10
    assert all(token in html for token in tokens)
    assert "Print or write these down" in html
    again = client.get("/accounts/mfa/backup-codes/").content.decode()
    assert not any(token in again for token in tokens)
    # The session is verified: the physio's own day opens.
    assert client.get("/visits/day/").status_code == 200


def test_enrolment_with_a_wrong_code_is_an_error(physio):
    client = password_only(physio)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=physio, confirmed=False)
    response = client.post(SETUP, {"code": a_wrong_code(device)})
    assert response.status_code == 200
    assert "That code does not match" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    assert not StaticDevice.objects.filter(user=physio).exists()
    assert client.get("/visits/day/")["Location"].startswith(SETUP)


def test_an_enrolled_user_cannot_enrol_again_to_skip_the_code(physio):
    enrol(physio)
    client = password_only(physio)
    response = client.get(SETUP)
    assert response.status_code == 302 and response["Location"] == VERIFY
    response = client.post(SETUP, {"code": "123456"})
    assert response.status_code == 302 and response["Location"] == VERIFY
    assert TOTPDevice.objects.filter(user=physio).count() == 1


# --- Verification ----------------------------------------------------------------------------


def test_verify_with_a_wrong_code_is_refused(front_desk):
    device, _ = enrol(front_desk)
    client = password_only(front_desk)
    response = client.post(VERIFY, {"code": a_wrong_code(device)})
    assert response.status_code == 200
    assert "That code is not right" in response.content.decode()
    assert client.get("/patients/")["Location"].startswith(VERIFY)
    device.refresh_from_db()
    assert device.throttling_failure_count == 1


def test_too_many_wrong_codes_are_throttled_even_if_the_next_is_right(front_desk):
    device, _ = enrol(front_desk)
    client = password_only(front_desk)
    client.post(VERIFY, {"code": a_wrong_code(device)})
    # Five wrong codes in a row: django-otp wants 2**4 = 16 seconds before the next try.
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=5)
    response = client.post(VERIFY, {"code": totp_code(device)})
    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(r"Too many wrong codes, wait 1[56] seconds", html)
    assert client.get("/patients/")["Location"].startswith(VERIFY)


def test_a_backup_code_signs_in_once(physio):
    _, codes = enrol(physio)
    client = password_only(physio)
    response = client.post(VERIFY, {"code": codes[0].upper()})
    assert response.status_code == 302
    assert client.get("/visits/day/").status_code == 200
    assert StaticToken.objects.filter(device__user=physio).count() == 9

    second = password_only(physio)
    response = second.post(VERIFY, {"code": codes[0]})
    assert response.status_code == 200
    assert "That code is not right" in response.content.decode()
    assert second.get("/visits/day/")["Location"].startswith(VERIFY)


def test_a_totp_code_signs_in_once(physio):
    device, _ = enrol(physio)
    code = totp_code(device)
    assert password_only(physio).post(VERIFY, {"code": code}).status_code == 302
    assert password_only(physio).post(VERIFY, {"code": code}).status_code == 200


@pytest.mark.parametrize("next_page", ["https://evil.example.com/", "//evil.example.com/", "1567"])
def test_verify_follows_next_only_on_this_site(physio, next_page):
    device, _ = enrol(physio)
    response = password_only(physio).post(VERIFY, {"code": totp_code(device), "next": next_page})
    assert response.status_code == 302 and response["Location"] == "/"


def test_verify_follows_a_local_next(physio):
    device, _ = enrol(physio)
    response = password_only(physio).post(VERIFY, {"code": totp_code(device), "next": "/patients/"})
    assert response["Location"] == "/patients/"


@pytest.mark.parametrize("code", ["", "12\x0034", "9" * 40, "' OR 1=1 --", "１２３４５６"])
def test_odd_codes_are_form_errors_never_a_500(physio, code):
    enrol(physio)
    client = password_only(physio)
    assert client.post(VERIFY, {"code": code}).status_code == 200
    assert client.get("/visits/day/")["Location"].startswith(VERIFY)


# --- Patients --------------------------------------------------------------------------------


def test_patients_are_never_asked_for_a_second_factor(patient_user, own_patient):
    response = Client().post(
        "/accounts/login/", {"username": "patient", "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/portal/"
    client = password_only(patient_user)
    assert client.get("/portal/").status_code == 200
    for url in (SETUP, VERIFY, "/accounts/mfa/"):
        assert client.get(url).status_code == 404, url
    assert not TOTPDevice.objects.filter(user=patient_user).exists()


# --- MFA_REQUIRED_FOR_STAFF=false ------------------------------------------------------------


def test_optional_setting_lets_a_physio_in_without_it_but_not_the_manager(
    settings, physio, manager
):
    settings.MFA_REQUIRED_FOR_STAFF = False
    physio_client = password_only(physio)
    assert physio_client.get("/visits/day/").status_code == 200
    assert "Off: your login asks" in physio_client.get("/accounts/mfa/").content.decode()
    assert physio_client.get(SETUP).status_code == 200  # may enrol from the Security page

    response = password_only(manager).get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith(SETUP)


def test_optional_setting_still_asks_an_enrolled_physio_for_the_code(settings, physio):
    settings.MFA_REQUIRED_FOR_STAFF = False
    enrol(physio)
    assert password_only(physio).get("/visits/day/")["Location"].startswith(VERIFY)


# --- Security page and the manager's reset ---------------------------------------------------


def test_new_backup_codes_replace_the_old_ones(physio, physio_client):
    _, old = enrol(physio)
    assert physio_client.get("/accounts/mfa/backup-codes/new/").status_code == 405
    response = physio_client.post("/accounts/mfa/backup-codes/new/")
    assert response["Location"] == "/accounts/mfa/backup-codes/"
    new = set(StaticToken.objects.filter(device__user=physio).values_list("token", flat=True))
    assert len(new) == 10 and not new & set(old)
    html = physio_client.get("/accounts/mfa/backup-codes/").content.decode()
    assert all(token in html for token in new)


def test_manager_reset_removes_the_devices_and_is_recorded(manager, manager_client, physio):
    enrol(physio)
    listing = manager_client.get("/accounts/mfa/staff/").content.decode()
    assert "physio" in listing and "Reset second factor" in listing
    response = manager_client.post(f"/accounts/mfa/staff/{physio.pk}/reset/")
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=physio).exists()
    assert not StaticDevice.objects.filter(user=physio).exists()
    entry = LogEntry.objects.get(object_id=str(physio.pk))
    assert entry.user == manager and "Reset second factor" in entry.change_message
    # At the next login the physio enrols again.
    assert password_only(physio).get("/visits/day/")["Location"].startswith(SETUP)


def test_only_the_manager_may_reset(physio, front_desk_client, physio_client):
    device, _ = enrol(physio)
    for client in (front_desk_client, physio_client):
        assert client.post(f"/accounts/mfa/staff/{physio.pk}/reset/").status_code == 404
        assert client.get("/accounts/mfa/staff/").status_code == 404
    assert TOTPDevice.objects.filter(pk=device.pk).exists()


def test_reset_of_a_patient_or_a_missing_user_is_a_404(manager_client, patient_user):
    for pk in (patient_user.pk, 999_999, 2**40):
        assert manager_client.post(f"/accounts/mfa/staff/{pk}/reset/").status_code == 404
    assert manager_client.get(f"/accounts/mfa/staff/{patient_user.pk}/reset/").status_code == 405


# --- Demo mode -------------------------------------------------------------------------------


def test_demo_staff_get_the_demo_authenticator_and_demo_code_prints_its_code(settings, capsys):
    settings.DEMO_MODE = True
    call_command("seed_demo")
    assert demo.DEMO_TOTP_SECRET in capsys.readouterr().out
    desk = UserFactory._meta.model.objects.get(username="frontdesk")
    assert roles.is_front_desk(desk)
    call_command("demo_code", "frontdesk")
    code = capsys.readouterr().out.strip()
    assert re.fullmatch(r"\d{6}", code)
    client = Client()
    client.post("/accounts/login/", {"username": "frontdesk", "password": demo.DEMO_PASSWORD})
    assert client.post(VERIFY, {"code": code}).status_code == 302
    assert client.get("/patients/schedule/").status_code == 200


def test_demo_code_refuses_outside_demo_mode(settings):
    settings.DEMO_MODE = False
    call_command("seed_demo")
    assert not TOTPDevice.objects.exists()
    with pytest.raises(CommandError):
        call_command("demo_code", "manager")
