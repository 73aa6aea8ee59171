"""Rate limits on "send me a link" (password reset, portal invitation): per address and per IP,
counted in PostgreSQL; past the limit a message, nothing sent, and nothing revealed about whether
the address is known."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import RateLimitHit
from accounts.services import rate_limit_hit
from tests.factories import PatientFactory, UserFactory
from tests.support import run_together

pytestmark = pytest.mark.django_db

RESET = "/accounts/password_reset/"
LIMITED = "Too many requests"


def reset(client, email, ip="127.0.0.1"):
    return client.post(RESET, {"email": email}, REMOTE_ADDR=ip)


def ask_invite(client, email, ip="127.0.0.1"):
    return client.post(reverse("portal:request_invite"), {"email": email}, REMOTE_ADDR=ip)


def page_text(response, email):
    """The page as the visitor sees it, without the per-request token and the typed address."""
    html = response.content.decode()
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    return html.replace(email, "EMAIL")


@pytest.fixture
def desk(db):
    return UserFactory(username="desk", email="desk@example.com")


# --- Password reset -----------------------------------------------------------------------------


def test_reset_three_per_hour_per_address_then_a_message_and_nothing_sent(
    client, desk, mailoutbox, settings
):
    for _ in range(3):
        assert reset(client, "desk@example.com").status_code == 302
    assert len(mailoutbox) == 3
    refused = reset(client, "desk@example.com")
    html = refused.content.decode()
    assert refused.status_code == 429
    assert LIMITED in html and "try again in an hour" in html
    assert f"call the clinic at {settings.CLINIC_PHONE}" in html
    assert "Reset your password" in html  # the same page, with the form
    assert len(mailoutbox) == 3


def test_reset_limit_answers_the_same_for_a_known_and_an_unknown_address(desk, mailoutbox):
    known, unknown = Client(), Client()
    for _ in range(3):
        reset(known, "desk@example.com", ip="10.0.0.1")
        assert reset(unknown, "nobody@example.com", ip="10.0.0.2").status_code == 302
    answers = {
        "known": reset(known, "desk@example.com", ip="10.0.0.1"),
        "unknown": reset(unknown, "nobody@example.com", ip="10.0.0.2"),
    }
    assert {a.status_code for a in answers.values()} == {429}
    assert page_text(answers["known"], "desk@example.com") == page_text(
        answers["unknown"], "nobody@example.com"
    )
    assert len(mailoutbox) == 3


def test_reset_ten_per_hour_per_address_of_the_visitor(desk, mailoutbox):
    client = Client()
    for i in range(10):
        assert reset(client, f"someone{i}@example.com", ip="203.0.113.9").status_code == 302
    refused = reset(client, "desk@example.com", ip="203.0.113.9")
    assert refused.status_code == 429 and LIMITED in refused.content.decode()
    assert mailoutbox == []
    # Another visitor is not affected.
    assert reset(Client(), "desk@example.com", ip="198.51.100.4").status_code == 302
    assert len(mailoutbox) == 1


def test_reset_limit_is_lifted_after_the_hour(client, desk, mailoutbox):
    for _ in range(3):
        reset(client, "desk@example.com")
    assert reset(client, "desk@example.com").status_code == 429
    RateLimitHit.objects.update(at=RateLimitHit.objects.latest("at").at - timedelta(minutes=61))
    assert reset(client, "desk@example.com").status_code == 302
    assert len(mailoutbox) == 4


def test_reset_limits_follow_the_settings(client, desk, mailoutbox, settings):
    settings.LINK_RATE_PER_EMAIL = 1
    settings.LINK_RATE_WINDOW_MINUTES = 30
    assert reset(client, "desk@example.com").status_code == 302
    refused = reset(client, "desk@example.com")
    assert refused.status_code == 429 and "try again in 30 minutes" in refused.content.decode()
    assert len(mailoutbox) == 1


def test_an_invalid_address_is_a_form_error_and_not_counted(client):
    response = reset(client, "not-an-address\x00")
    assert response.status_code == 200
    assert not RateLimitHit.objects.exists()


def test_the_counter_keeps_no_address(client, desk):
    reset(client, "desk@example.com", ip="192.0.2.55")
    rows = list(RateLimitHit.objects.values_list("scope", "key_hash"))
    assert sorted(scope for scope, _ in rows) == ["password_reset:email", "password_reset:ip"]
    for _, key_hash in rows:
        assert re.fullmatch(r"[0-9a-f]{64}", key_hash)
        assert "desk" not in key_hash and "192.0.2" not in key_hash


# --- Portal invitation --------------------------------------------------------------------------


@pytest.fixture
def invited_patient(physio_client, mailoutbox):
    patient = PatientFactory(first_name="Rosa", last_name="Díaz", email="rosa.diaz@example.com")
    physio_client.post(reverse("programs:invite", args=[patient.uuid]))
    assert len(mailoutbox) == 1
    mailoutbox.clear()
    return patient


def test_invitation_three_per_hour_per_address_then_a_message_and_nothing_sent(
    client, invited_patient, mailoutbox, settings
):
    for _ in range(3):
        assert ask_invite(client, "rosa.diaz@example.com").status_code == 200
    assert len(mailoutbox) == 3
    refused = ask_invite(client, "Rosa.Diaz@example.com")
    html = refused.content.decode()
    assert refused.status_code == 429
    assert LIMITED in html and f"call the clinic at {settings.CLINIC_PHONE}" in html
    assert len(mailoutbox) == 3


def test_invitation_limit_answers_the_same_for_a_patient_and_a_stranger(
    invited_patient, mailoutbox
):
    patient_side, stranger = Client(), Client()
    for _ in range(3):
        ask_invite(patient_side, "rosa.diaz@example.com", ip="10.0.0.1")
        ask_invite(stranger, "nobody@example.com", ip="10.0.0.2")
    answers = {
        "patient": ask_invite(patient_side, "rosa.diaz@example.com", ip="10.0.0.1"),
        "stranger": ask_invite(stranger, "nobody@example.com", ip="10.0.0.2"),
    }
    assert {a.status_code for a in answers.values()} == {429}
    assert page_text(answers["patient"], "rosa.diaz@example.com") == page_text(
        answers["stranger"], "nobody@example.com"
    )
    assert len(mailoutbox) == 3


def test_invitation_ten_per_hour_per_address_of_the_visitor(invited_patient, mailoutbox):
    client = Client()
    for i in range(10):
        ask_invite(client, f"guess{i}@example.com", ip="203.0.113.9")
    refused = ask_invite(client, "rosa.diaz@example.com", ip="203.0.113.9")
    assert refused.status_code == 429
    assert mailoutbox == []


# --- The counter --------------------------------------------------------------------------------


def test_rate_limit_hit_counts_per_scope_and_key():
    window = timedelta(hours=1)
    assert [rate_limit_hit(scope="s", key="a", limit=2, window=window) for _ in range(3)] == [
        False,
        False,
        True,
    ]
    assert rate_limit_hit(scope="s", key="b", limit=2, window=window) is False
    assert rate_limit_hit(scope="t", key="a", limit=2, window=window) is False
    # A refused request is not recorded: two rows for (s, a).
    assert RateLimitHit.objects.filter(scope="s").count() == 3


def test_rows_older_than_a_day_are_pruned():
    window = timedelta(hours=1)
    rate_limit_hit(scope="s", key="old", limit=5, window=window)
    RateLimitHit.objects.update(at=RateLimitHit.objects.get().at - timedelta(days=2))
    rate_limit_hit(scope="s", key="new", limit=5, window=window)
    assert RateLimitHit.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_simultaneous_requests_cannot_pass_the_limit():
    """Twelve threads, each with its own connection, released together: exactly three pass."""

    def attempt(i, barrier):
        barrier.wait()
        return rate_limit_hit(
            scope="race", key="rosa@example.com", limit=3, window=timedelta(hours=1)
        )

    results = run_together(12, attempt)
    assert results.count(False) == 3 and results.count(True) == 9, results
    assert RateLimitHit.objects.filter(scope="race").count() == 3
