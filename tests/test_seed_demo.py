"""`manage.py seed_demo`: the demo accounts work, and running it twice changes nothing."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from patients.models import Patient, Practitioner
from revere import demo
from tests.support import totp_code

pytestmark = pytest.mark.django_db


def test_seed_demo_is_idempotent_and_every_demo_login_works(capsys, settings):
    settings.DEMO_MODE = True  # demo staff then get the demo authenticator (issue 9)
    call_command("seed_demo")
    counts = (
        get_user_model().objects.count(),
        Patient.objects.count(),
        Practitioner.objects.count(),
    )
    call_command("seed_demo")
    assert (
        get_user_model().objects.count(),
        Patient.objects.count(),
        Practitioner.objects.count(),
    ) == counts
    assert Practitioner.objects.filter(active=True).count() == 2
    assert Patient.objects.filter(user__isnull=False).count() == 3
    assert Patient.objects.filter(user__isnull=True).count() >= 2

    output = capsys.readouterr().out
    homes = {
        "manager": "/patients/schedule/",
        "physio.moreau": "/visits/day/",
        "physio.okafor": "/visits/day/",
        "frontdesk": "/patients/schedule/",
        "patient.tremblay": "/portal/",
        "patient.nakamura": "/portal/",
        "patient.oduya": "/portal/",
    }
    assert {a["username"] for a in demo.DEMO_ACCOUNTS} == set(homes)
    for username, home in homes.items():
        assert username in output
        client = Client()
        response = client.post(
            "/accounts/login/",
            {"username": username, "password": demo.DEMO_PASSWORD},
            follow=True,
        )
        if username in demo.DEMO_STAFF_USERNAMES:
            assert response.redirect_chain[-1][0] == "/accounts/mfa/verify/", username
            device = TOTPDevice.objects.get(user__username=username, confirmed=True)
            assert device.key == demo.DEMO_TOTP_KEY_HEX
            response = client.post(
                "/accounts/mfa/verify/", {"code": totp_code(device)}, follow=True
            )
        assert response.redirect_chain[-1][0] == home, username


def test_demo_data_uses_reserved_example_addresses_and_phone_numbers():
    call_command("seed_demo")
    for patient in Patient.objects.all():
        assert not patient.email or patient.email.rsplit("@", 1)[1].startswith("example.")
        assert "-555-01" in patient.phone  # the 555-01xx range is reserved for fiction


def test_login_page_lists_demo_logins_only_in_demo_mode(client, settings):
    settings.DEMO_MODE = False
    assert "Demo logins" not in client.get("/accounts/login/").content.decode()
    settings.DEMO_MODE = True
    html = client.get("/accounts/login/").content.decode()
    assert "Demo logins" in html and "physio.moreau" in html and demo.DEMO_PASSWORD in html
