"""Many people booking the same slot at the same moment: exactly one booking is stored, and
everyone else reads that the time was taken, with the next free times. Real threads, each with
its own database connection, released together by a barrier."""

import threading

import pytest
from django.db import connection, transaction
from django.test import Client

from patients import services
from patients.models import Appointment
from revere import roles
from tests.factories import (
    AppointmentTypeFactory,
    PatientFactory,
    PractitionerFactory,
    UserFactory,
)
from tests.scheduling import at, future_day, give_hours

pytestmark = pytest.mark.django_db(transaction=True)

ATTEMPTS = 20


def run_together(count, work):
    """Run ``work(i)`` in ``count`` threads released at once; return each result or exception."""
    barrier = threading.Barrier(count, timeout=30)
    results = [None] * count

    def attempt(i):
        try:
            results[i] = work(i, barrier)
        except Exception as exc:  # collected and asserted on below
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return results


@pytest.fixture
def slot():
    practitioner = give_hours(PractitionerFactory(display_name="Alex Moreau, PT"))
    follow_up = AppointmentTypeFactory(name="Follow-up IASTR", minutes=30, mode="in_clinic")
    day = future_day(1)
    return practitioner, follow_up, day


def test_twenty_simultaneous_posts_store_one_booking_and_tell_the_others(slot):
    practitioner, follow_up, day = slot
    desk = UserFactory(username="desk", role=roles.FRONT_DESK)
    patients = PatientFactory.create_batch(ATTEMPTS)
    starts_at = at(day, "10:00")

    def post(i, barrier):
        client = Client()
        client.force_login(desk)
        barrier.wait()
        return client.post(
            "/patients/appointments/book/",
            {
                "patient": str(patients[i].uuid),
                "type": follow_up.pk,
                "practitioner": practitioner.pk,
                "day": day.isoformat(),
                "start": starts_at.isoformat(),
            },
        )

    responses = run_together(ATTEMPTS, post)

    assert not [r for r in responses if isinstance(r, Exception)], responses
    assert Appointment.objects.count() == 1
    assert Appointment.objects.get().starts_at == starts_at
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] * (ATTEMPTS - 1) + [302]
    for response in responses:
        if response.status_code == 200:
            html = response.content.decode()
            assert "Nothing was booked yet" in html
            assert "just taken" in html or "already has an appointment" in html
            # The next free times are offered: 10:30 is the first one that fits after 10:00.
            assert 'data-testid="next-free-times"' in html
            assert at(day, "10:30").isoformat() in html


def test_simultaneous_service_calls_raise_slot_taken_for_all_but_one(slot):
    practitioner, follow_up, day = slot
    patients = PatientFactory.create_batch(ATTEMPTS + 4)

    def book(i, barrier):
        barrier.wait()
        return services.appointment_book(
            patient=patients[i],
            practitioner=practitioner,
            type=follow_up,
            starts_at=at(day, "14:00"),
            by=None,
        )

    results = run_together(ATTEMPTS + 4, book)
    booked = [r for r in results if isinstance(r, Appointment)]
    refused = [r for r in results if isinstance(r, services.SlotTaken)]
    assert len(booked) == 1
    assert len(refused) == ATTEMPTS + 3, [r for r in results if not isinstance(r, Appointment)]
    assert Appointment.objects.count() == 1


def test_a_booking_committed_while_another_is_saving_is_reported_as_just_taken(slot):
    """The Python check passes for both (neither sees the other's uncommitted row); PostgreSQL
    makes the second insert wait for the first and then refuses it."""
    practitioner, follow_up, day = slot
    first_patient, second_patient = PatientFactory.create_batch(2)
    inserted, release = threading.Event(), threading.Event()

    def work(i, barrier):
        if i == 0:
            with transaction.atomic():
                held = services.appointment_book(
                    patient=first_patient,
                    practitioner=practitioner,
                    type=follow_up,
                    starts_at=at(day, "11:00"),
                    by=None,
                )
                inserted.set()
                release.wait(10)
            return held
        inserted.wait(10)
        threading.Timer(1.0, release.set).start()
        return services.appointment_book(
            patient=second_patient,
            practitioner=practitioner,
            type=follow_up,
            starts_at=at(day, "11:15"),
            by=None,
        )

    held, refused = run_together(2, work)
    assert isinstance(held, Appointment)
    assert isinstance(refused, services.SlotTaken), refused
    assert refused.code == "slot_taken"
    assert "just taken" in refused.message
    assert Appointment.objects.count() == 1
