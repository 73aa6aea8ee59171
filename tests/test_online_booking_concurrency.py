"""Issue 13: thirty people ask online for the same time at the same moment: exactly one hold is
stored and everyone else reads that the time was just taken. Real threads, each with its own
database connection, released together (see test_booking_concurrency.py)."""

import pytest
from django.core import mail
from django.test import Client

from patients.models import Appointment, OnlineBookingHold
from tests.online import BOOK, call_type, details
from tests.scheduling import *  # noqa: F403 (fixtures)
from tests.scheduling import at, future_day
from tests.support import reload_reference_data
from tests.test_booking_concurrency import ROUNDS, run_rounds

pytestmark = pytest.mark.django_db(transaction=True)

ATTEMPTS = 30


@pytest.fixture(autouse=True)
def _open(settings):
    reload_reference_data()  # flushed by the previous transactional test
    settings.ONLINE_BOOKING_RATE_PER_IP = 10_000
    settings.ONLINE_BOOKING_RATE_PER_EMAIL = 10_000


def test_thirty_simultaneous_requests_for_one_time_store_one_hold(practitioner):
    call = call_type()
    clients = [Client() for _ in range(ATTEMPTS)]
    rounds = max(1, ROUNDS // 4)

    def slot(n):
        day = future_day(n % 5)
        return at(day, f"{9 + n // 5:02d}:00")

    def post(i, n):
        return clients[i].post(
            BOOK,
            details(call, slot(n), practitioner, email=f"person{i}@example.com", last_name=f"P{i}"),
        )

    def check(n, responses):
        assert not [r for r in responses if isinstance(r, Exception)], (n, responses)
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [200] * (ATTEMPTS - 1) + [302], (n, statuses)
        held = list(OnlineBookingHold.objects.filter(starts_at=slot(n)))
        assert len(held) == 1, n
        for response in responses:
            if response.status_code == 200:
                html = response.content.decode()
                assert "Nothing is booked yet" in html
                assert "That time was just taken" in html
        # One code email, to the one who got the hold.
        assert [m.to for m in mail.outbox] == [[held[0].email]], n
        mail.outbox.clear()
        OnlineBookingHold.objects.all().delete()

    run_rounds(ATTEMPTS, rounds, post, check)
    assert not Appointment.objects.exists()
