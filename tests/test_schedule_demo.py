"""`manage.py seed_demo` also fills the schedule: working hours for both demo physiotherapists
and a few appointments from today on, the same after a second run."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from patients.models import Appointment, WorkingHours
from revere import demo
from tests.support import password_login, verify_second_factor

pytestmark = pytest.mark.django_db


def test_seed_demo_gives_working_hours_and_appointments_idempotently():
    call_command("seed_demo")
    counts = (WorkingHours.objects.count(), Appointment.objects.count())
    call_command("seed_demo")
    assert (WorkingHours.objects.count(), Appointment.objects.count()) == counts
    assert counts[0] == 2 * 5 * 2  # two physiotherapists, Monday to Friday, two blocks
    assert counts[1] == 4 * 6
    today = timezone.localdate()
    assert Appointment.objects.filter(starts_at__date=today).count() == 6


def test_the_front_desk_sees_the_demo_day_on_its_schedule():
    call_command("seed_demo")
    client = Client()
    assert password_login(client, "frontdesk", demo.DEMO_PASSWORD)
    verify_second_factor(client, get_user_model().objects.get(username="frontdesk"))
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0] == "/patients/schedule/"
    assert response.context["grid"].appointment_count == 6
