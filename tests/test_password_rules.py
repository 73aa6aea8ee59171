"""Password rules: at least 12 characters, not the clinic's name nor a word of it, not "revere";
through the password-change and the password-reset forms."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core import mail
from django.core.exceptions import ValidationError

from revere import demo
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

CHANGE = "/accounts/password_change/"
GOOD = "tidal-lantern-oboe-42"


def change(client, new):
    return client.post(
        CHANGE, {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    )


def refused(response, user, text):
    user.refresh_from_db()
    html = response.content.decode()
    return response.status_code == 200 and text in html and user.check_password(PASSWORD)


def test_eleven_characters_are_refused(physio_client, physio):
    response = change(physio_client, "kx7#mqz!v2p")
    assert refused(response, physio, "at least 12 characters")


def test_twelve_characters_are_enough(physio_client, physio):
    assert change(physio_client, "kx7#mqz!v2pw").status_code == 302
    physio.refresh_from_db()
    assert physio.check_password("kx7#mqz!v2pw")


@pytest.mark.parametrize(
    "password",
    ["Revere-ankle-2026", "my-rEvErE-knee-77", "physiotherapy-is-fun-9", "re.ve.re-plus-spine"],
)
def test_the_clinic_name_and_revere_are_refused(physio_client, physio, password):
    assert refused(change(physio_client, password), physio, "or a word of it (such as")


def test_each_long_word_of_the_clinic_name_is_refused(physio_client, physio, settings):
    settings.CLINIC_NAME = "Harbour Sports Clinic of BC"
    for password in ("my-harbour-knee-77", "SPORTS-ankle-2026", "best-clinic-in-town-1"):
        assert refused(change(physio_client, password), physio, "or a word of it (such as"), (
            password
        )
    # Words shorter than four letters are not refused.
    assert change(physio_client, "of-bc-tidal-lantern-42").status_code == 302


def test_a_good_password_is_accepted(physio_client, physio):
    response = change(physio_client, GOOD)
    assert response.status_code == 302
    physio.refresh_from_db()
    assert physio.check_password(GOOD)


def test_the_reset_confirm_form_applies_the_rules(client, front_desk):
    client.post("/accounts/password_reset/", {"email": front_desk.email})
    link = next(line for line in mail.outbox[0].body.splitlines() if "/accounts/reset/" in line)
    form_page = client.get(link.split("testserver", 1)[1].strip(), follow=True)
    url = form_page.redirect_chain[-1][0]
    for bad in ("short-pw-11", "revere-for-ever-99"):
        response = client.post(url, {"new_password1": bad, "new_password2": bad})
        assert response.status_code == 200, bad
    front_desk.refresh_from_db()
    assert front_desk.check_password(PASSWORD)
    assert client.post(url, {"new_password1": GOOD, "new_password2": GOOD}).status_code == 302
    front_desk.refresh_from_db()
    assert front_desk.check_password(GOOD)


def test_the_help_text_says_the_rules(physio_client):
    html = physio_client.get(CHANGE).content.decode()
    assert "at least 12 characters" in html
    assert "cannot contain the clinic" in html


def test_the_demo_password_passes_the_rules():
    validate_password(demo.DEMO_PASSWORD)
    with pytest.raises(ValidationError):
        validate_password("revere-demo-2026")
