"""Inviting a patient to the portal: the login it creates, the email with a one-time, expiring
link, setting the password from it, and asking for a fresh link. The link's token is not a
password-reset token, and neither works as the other."""

import datetime
import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from revere import roles
from tests.factories import PatientFactory, UserFactory
from tests.support import password_login
from treatments.services import portal as portal_services
from treatments.services.portal import invite_tokens

pytestmark = pytest.mark.django_db

User = get_user_model()
NEW_PASSWORD = "a-long-new-portal-passphrase-42"
LINK = re.compile(r"http://testserver(/portal/activate/([^/\s]+)/([^/\s]+)/)")
INVALID = "This invitation link no longer works"
REQUESTED = "If that address belongs to a patient invited to the portal"


@pytest.fixture
def patient():
    return PatientFactory(first_name="Rosa", last_name="Díaz", email="Rosa.Diaz@Example.com")


def invite_url(patient):
    return reverse("programs:invite", args=[patient.uuid])


def detail_url(patient):
    return f"/patients/{patient.uuid}/"


def activate_url(user, token):
    return reverse("portal:activate", args=[urlsafe_base64_encode(force_bytes(user.pk)), token])


def uid_and_token(path) -> tuple[str, str]:
    """The two parts of an activation link's path."""
    match = re.fullmatch(r"/portal/activate/([^/]+)/([^/]+)/", path)
    assert match, path
    return match.group(1), match.group(2)


def link_in(message) -> str:
    """The path of the activation link in an invitation email."""
    match = LINK.search(message.body)
    assert match, message.body
    return match.group(1)


def set_password(client, path):
    return client.post(path, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})


@pytest.fixture
def invited(physio_client, patient, mailoutbox):
    """The patient invited by the physiotherapist; returns the link's path."""
    physio_client.post(invite_url(patient))
    assert len(mailoutbox) == 1
    return link_in(mailoutbox[0])


# --- Sending the invitation ---------------------------------------------------------------------


@pytest.mark.parametrize("inviter", ["physio_client", "front_desk_client"])
def test_staff_invite_creates_the_portal_login_and_emails_the_link(
    request, inviter, patient, mailoutbox
):
    client = request.getfixturevalue(inviter)
    response = client.post(invite_url(patient), follow=True)
    assert response.redirect_chain[0] == (detail_url(patient), 302)
    assert "Invitation sent to Rosa.Diaz@Example.com." in response.content.decode()

    patient.refresh_from_db()
    user = patient.user
    assert user is not None
    assert user.username == "rosa.diaz@example.com"
    assert user.email == "rosa.diaz@example.com"
    assert (user.first_name, user.last_name) == ("Rosa", "Díaz")
    assert list(user.groups.values_list("name", flat=True)) == [roles.PATIENT]
    assert roles.is_patient_user(user)
    assert not user.has_usable_password()
    assert user.is_active and not user.is_staff

    (message,) = mailoutbox
    assert message.to == ["rosa.diaz@example.com"]
    assert message.subject == "Revere Physiotherapy: your patient portal"
    assert "Hello Rosa," in message.body
    assert "expires in 3 days" in message.body
    assert "604-555-0100" in message.body
    path = link_in(message)
    uidb64, token = LINK.search(message.body).group(2, 3)
    assert path == activate_url(user, token)
    assert invite_tokens.check_token(user, token)


def test_patient_page_shows_the_portal_state_to_the_front_desk(
    front_desk_client, patient, mailoutbox
):
    page = front_desk_client.get(detail_url(patient)).content.decode()
    assert "Portal: not invited" in page
    assert "Invite to portal" in page
    assert f'action="{invite_url(patient)}"' in page

    front_desk_client.post(invite_url(patient))
    page = front_desk_client.get(detail_url(patient)).content.decode()
    assert "Portal: invited, password not set yet" in page
    assert "Send the invitation again" in page

    set_password(Client(), link_in(mailoutbox[0]))
    page = front_desk_client.get(detail_url(patient)).content.decode()
    assert "Portal: active" in page
    assert "Invite to portal" not in page and "Send the invitation again" not in page


def test_patient_user_cannot_invite(patient_client, patient, mailoutbox):
    assert patient_client.post(invite_url(patient)).status_code == 404
    patient.refresh_from_db()
    assert patient.user is None
    assert mailoutbox == []


def test_anonymous_cannot_invite(client, patient, mailoutbox):
    response = client.post(invite_url(patient))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    patient.refresh_from_db()
    assert patient.user is None
    assert mailoutbox == []


def test_invite_is_a_post(front_desk_client, patient, mailoutbox):
    assert front_desk_client.get(invite_url(patient)).status_code == 405
    assert mailoutbox == []


def test_archived_patient_cannot_be_invited(front_desk_client, patient, front_desk, mailoutbox):
    patient.archived_at = timezone.now()
    patient.archived_by = front_desk
    patient.save()
    assert front_desk_client.post(invite_url(patient)).status_code == 404
    assert mailoutbox == []


def test_patient_without_email_gets_a_clear_message_and_no_mail(front_desk_client, mailoutbox):
    patient = PatientFactory(email="")
    response = front_desk_client.post(invite_url(patient), follow=True)
    html = response.content.decode()
    assert "Add the patient&#x27;s email address first: the invitation goes there." in html
    assert mailoutbox == []
    patient.refresh_from_db()
    assert patient.user is None
    page = front_desk_client.get(detail_url(patient)).content.decode()
    assert "add an email address to invite" in page


def test_email_that_is_another_accounts_username_is_refused(front_desk_client, mailoutbox):
    other = UserFactory(username="Taken@Example.com", role=roles.PHYSIOTHERAPIST)
    patient = PatientFactory(email="taken@example.com")
    html = front_desk_client.post(invite_url(patient), follow=True).content.decode()
    assert "Another account already uses this email address." in html
    assert mailoutbox == []
    patient.refresh_from_db()
    assert patient.user is None
    assert not roles.is_patient_user(other)
    assert User.objects.filter(username__iexact="taken@example.com").count() == 1


# Valid as an email (64-character local part, 63-character labels), too long for a username.
LONG_EMAIL = "r" * 64 + "@" + "d" * 63 + "." + "e" * 63 + ".example.com"


def test_an_email_too_long_for_a_login_is_a_clear_message_and_nothing_is_written(
    front_desk_client, mailoutbox
):
    assert len(LONG_EMAIL) > 150
    patient = PatientFactory(email=LONG_EMAIL)
    users = User.objects.count()
    response = front_desk_client.post(invite_url(patient), follow=True)
    assert response.status_code == 200
    assert "This email address is too long for a portal login" in response.content.decode()
    assert User.objects.count() == users
    patient.refresh_from_db()
    assert patient.user is None and patient.portal_invited_at is None
    assert mailoutbox == []


def test_the_invitation_email_is_plain_text_not_html_escaped(
    front_desk_client, settings, mailoutbox
):
    settings.CLINIC_NAME = "Hart & O'Brien Physio"
    patient = PatientFactory(first_name="Siobhán", last_name="O'Brien", preferred_name="")
    patient.first_name = "D'Arcy"
    patient.save()
    front_desk_client.post(invite_url(patient))
    (message,) = mailoutbox
    assert "Hello D'Arcy," in message.body
    assert "Hart & O'Brien Physio invites you" in message.body
    assert message.subject == "Hart & O'Brien Physio: your patient portal"
    assert "&#x27;" not in message.body and "&amp;" not in message.body


def test_the_patient_page_says_who_sent_the_invitation_and_when(
    front_desk_client, front_desk, patient, mailoutbox
):
    front_desk.first_name, front_desk.last_name = "Dana", "Desk"
    front_desk.save()
    before = timezone.now()
    front_desk_client.post(invite_url(patient))
    patient.refresh_from_db()
    assert patient.portal_invited_by == front_desk
    assert before <= patient.portal_invited_at <= timezone.now()
    page = front_desk_client.get(detail_url(patient)).content.decode()
    sent = timezone.localtime(patient.portal_invited_at)
    assert f"invited on {sent:%Y-%m-%d %H:%M} by Dana Desk" in page
    # A fresh link the patient asked for is recorded as such.
    request_invite(Client(), patient.email)
    patient.refresh_from_db()
    assert patient.portal_invited_by is None and patient.portal_invited_at > sent
    page = front_desk_client.get(detail_url(patient)).content.decode()
    assert "at the patient's request" in page


def test_invitation_again_before_the_password_is_set_reuses_the_login(
    front_desk_client, patient, invited, mailoutbox
):
    user = User.objects.get(username="rosa.diaz@example.com")
    response = front_desk_client.post(invite_url(patient), follow=True)
    assert "Invitation sent to" in response.content.decode()
    assert len(mailoutbox) == 2
    assert User.objects.filter(email="rosa.diaz@example.com").count() == 1
    patient.refresh_from_db()
    assert patient.user == user
    # Whichever link is used first, the other dies with it.
    second = link_in(mailoutbox[1])
    assert set_password(Client(), second).status_code == 302
    assert Client().get(invited).status_code == 400


def test_invitation_after_the_password_is_set_is_refused(
    client, front_desk_client, patient, invited, mailoutbox
):
    set_password(client, invited)
    response = front_desk_client.post(invite_url(patient), follow=True)
    html = response.content.decode()
    assert "This patient has already set a portal password." in html
    assert "Forgot your password?" in html
    assert len(mailoutbox) == 1
    user = User.objects.get(username="rosa.diaz@example.com")
    assert user.check_password(NEW_PASSWORD)


# --- Using the link -----------------------------------------------------------------------------


def test_link_sets_the_password_logs_in_and_opens_my_plan(client, invited):
    page = client.get(invited)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Welcome to the Revere Physiotherapy patient portal" in html
    assert 'name="new_password1"' in html and 'name="new_password2"' in html

    response = set_password(client, invited)
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:home") == "/portal/"
    user = User.objects.get(username="rosa.diaz@example.com")
    assert user.check_password(NEW_PASSWORD)
    assert int(client.session["_auth_user_id"]) == user.pk
    home = client.get("/portal/")
    assert home.status_code == 200
    assert "Hello, Rosa" in home.content.decode()
    assert "Your password is set. Welcome!" in home.content.decode()
    # And the email address with the new password logs in.
    other = Client()
    assert password_login(other, "rosa.diaz@example.com", NEW_PASSWORD)


def test_link_works_once(client, invited):
    assert set_password(client, invited).status_code == 302
    client.logout()
    again = client.get(invited)
    assert again.status_code == 400
    html = again.content.decode()
    assert INVALID in html
    assert f'action="{reverse("portal:request_invite")}"' in html
    # Posting a new password through the used link changes nothing.
    response = client.post(
        invited,
        {"new_password1": "another-passphrase-77", "new_password2": "another-passphrase-77"},
    )
    assert response.status_code == 400
    user = User.objects.get(username="rosa.diaz@example.com")
    assert user.check_password(NEW_PASSWORD)


def test_link_is_not_used_up_by_a_mistyped_password(client, invited):
    response = client.post(
        invited, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD + "x"}
    )
    assert response.status_code == 200
    assert "The two password fields didn’t match." in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert set_password(client, invited).status_code == 302


def test_link_refuses_a_weak_password(client, invited):
    response = client.post(invited, {"new_password1": "123", "new_password2": "123"})
    assert response.status_code == 200
    assert not User.objects.get(username="rosa.diaz@example.com").has_usable_password()


def test_link_expires_after_the_reset_timeout(client, settings, invited, monkeypatch):
    settings.PASSWORD_RESET_TIMEOUT = 60
    made = invite_tokens._now()
    monkeypatch.setattr(invite_tokens, "_now", lambda: made + datetime.timedelta(seconds=50))
    assert client.get(invited).status_code == 200
    monkeypatch.setattr(invite_tokens, "_now", lambda: made + datetime.timedelta(seconds=120))
    expired = client.get(invited)
    assert expired.status_code == 400
    assert INVALID in expired.content.decode()
    assert set_password(client, invited).status_code == 400
    assert not User.objects.get(username="rosa.diaz@example.com").has_usable_password()


def test_token_from_the_past_is_expired(client, settings, invited):
    settings.PASSWORD_RESET_TIMEOUT = 60
    user = User.objects.get(username="rosa.diaz@example.com")
    past = datetime.datetime.now() - datetime.timedelta(seconds=61)
    old = invite_tokens._make_token_with_timestamp(
        user, invite_tokens._num_seconds(past), invite_tokens.secret
    )
    assert client.get(activate_url(user, old)).status_code == 400
    recent = datetime.datetime.now() - datetime.timedelta(seconds=30)
    fresh = invite_tokens._make_token_with_timestamp(
        user, invite_tokens._num_seconds(recent), invite_tokens.secret
    )
    assert client.get(activate_url(user, fresh)).status_code == 200


def test_default_timeout_is_what_the_email_promises(settings, invited, client, monkeypatch):
    days = settings.PASSWORD_RESET_TIMEOUT // 86400
    assert days == 3
    made = invite_tokens._now()
    later = made + datetime.timedelta(days=days, seconds=-60)
    monkeypatch.setattr(invite_tokens, "_now", lambda: later)
    assert client.get(invited).status_code == 200
    too_late = made + datetime.timedelta(days=days, seconds=60)
    monkeypatch.setattr(invite_tokens, "_now", lambda: too_late)
    assert client.get(invited).status_code == 400


@pytest.mark.parametrize(
    "tamper",
    [
        lambda uid, token: (uid, token[:-1] + ("a" if token[-1] != "a" else "b")),
        lambda uid, token: (uid, "abc-0123456789abcdef"),
        lambda uid, token: ("MTIzNDU2Nzg5", token),  # a user that does not exist
        lambda uid, token: ("!!not-base64!!", token),
    ],
    ids=["altered-token", "made-up-token", "unknown-user", "garbage-uid"],
)
def test_wrong_link_is_refused(client, invited, tamper):
    uid, token = uid_and_token(invited)
    uid, token = tamper(uid, token)
    response = client.get(reverse("portal:activate", args=[uid, token]))
    assert response.status_code == 400
    assert INVALID in response.content.decode()


def test_token_of_one_patient_does_not_open_anothers_account(client, front_desk, mailoutbox):
    first = PatientFactory(email="first@example.com")
    second = PatientFactory(email="second@example.com")
    portal_services.portal_invite(patient=first, by=front_desk, base_url="http://testserver/")
    portal_services.portal_invite(patient=second, by=front_desk, base_url="http://testserver/")
    first.refresh_from_db()
    second.refresh_from_db()
    _, first_token = uid_and_token(link_in(mailoutbox[0]))
    response = client.get(activate_url(second.user, first_token))
    assert response.status_code == 400


def test_password_reset_token_is_not_an_invitation(client, invited):
    user = User.objects.get(username="rosa.diaz@example.com")
    reset_token = default_token_generator.make_token(user)
    assert default_token_generator.check_token(user, reset_token)
    response = client.get(activate_url(user, reset_token))
    assert response.status_code == 400
    assert INVALID in response.content.decode()


def test_invitation_token_is_not_a_password_reset_token(client, invited):
    user = User.objects.get(username="rosa.diaz@example.com")
    _, token = uid_and_token(invited)
    assert invite_tokens.check_token(user, token)
    assert not default_token_generator.check_token(user, token)
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    response = client.get(reverse("password_reset_confirm", args=[uidb64, token]), follow=True)
    assert response.context["validlink"] is False


def test_link_of_a_deactivated_login_is_refused(client, invited):
    User.objects.filter(username="rosa.diaz@example.com").update(is_active=False)
    assert client.get(invited).status_code == 400


# --- Asking for a fresh link --------------------------------------------------------------------


def request_invite(client, email):
    return client.post(reverse("portal:request_invite"), {"email": email})


def test_fresh_link_for_an_invited_patient(client, invited, mailoutbox):
    response = request_invite(client, "  ROSA.diaz@example.com ")
    assert response.status_code == 200
    assert REQUESTED in response.content.decode()
    assert len(mailoutbox) == 2
    assert mailoutbox[1].to == ["rosa.diaz@example.com"]
    assert set_password(client, link_in(mailoutbox[1])).status_code == 302


def test_fresh_link_answer_is_the_same_whoever_asks(client, physio, patient, invited, mailoutbox):
    answers = {
        "invited": request_invite(client, "rosa.diaz@example.com"),
        "unknown": request_invite(client, "nobody@example.com"),
        "not invited": request_invite(client, PatientFactory(email="new@example.com").email),
        "staff": request_invite(client, physio.email),
    }
    assert {a.status_code for a in answers.values()} == {200}
    bodies = {a.content for a in answers.values()}
    assert len(bodies) == 1, "the answer reveals whether the address is known"
    assert REQUESTED in answers["unknown"].content.decode()
    # Only the invited patient gets a mail; nobody else gets a login.
    assert len(mailoutbox) == 2
    assert [m.to for m in mailoutbox[1:]] == [["rosa.diaz@example.com"]]
    assert not User.objects.filter(username="new@example.com").exists()


@pytest.mark.parametrize(
    "email, message",
    [
        ("rosa.diaz@example.com\x00", "Null characters are not allowed."),
        ("\x00", "Null characters are not allowed."),
        ("", "Enter your email address."),
        ("rosa.diaz at example", "Enter your email address as name@example.com."),
        ("r" * 300 + "@example.com", "at most 254 characters"),
    ],
)
def test_a_fresh_link_for_an_address_that_cannot_be_one_is_a_form_error(
    client, invited, mailoutbox, email, message
):
    response = request_invite(client, email)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert 'data-testid="invite-email-errors"' in html
    if email and email.isprintable():
        assert f'value="{email}"' in html
    assert len(mailoutbox) == 1


def test_no_fresh_link_once_the_password_is_set(client, invited, mailoutbox):
    set_password(client, invited)
    client.logout()
    response = request_invite(client, "rosa.diaz@example.com")
    assert response.status_code == 200
    assert REQUESTED in response.content.decode()
    assert len(mailoutbox) == 1


def test_no_fresh_link_for_an_archived_patient(client, patient, front_desk, invited, mailoutbox):
    patient.refresh_from_db()
    patient.archived_at = timezone.now()
    patient.archived_by = front_desk
    patient.save()
    request_invite(client, "rosa.diaz@example.com")
    assert len(mailoutbox) == 1


def test_fresh_link_is_asked_with_a_post(client):
    assert client.get(reverse("portal:request_invite")).status_code == 405


def test_invitation_after_an_email_correction_logs_in_with_the_new_address(
    client, front_desk_client, patient, invited, mailoutbox
):
    patient.refresh_from_db()
    patient.email = "rosa.d@example.org"
    patient.save()
    front_desk_client.post(invite_url(patient))
    assert mailoutbox[-1].to == ["rosa.d@example.org"]
    assert set_password(client, link_in(mailoutbox[-1])).status_code == 302
    assert password_login(Client(), "rosa.d@example.org", NEW_PASSWORD)
