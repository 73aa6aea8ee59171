"""`manage.py seed_demo_visits`: demo patients get signed visits and a plan; running it twice
changes nothing."""

import pytest
from django.core.management import call_command
from django.test import Client

from revere import demo
from tests.support import password_login
from treatments.models import CheckIn, HomeProgram, Visit

pytestmark = pytest.mark.django_db


def test_demo_visits_are_idempotent_and_the_demo_patient_sees_a_plan():
    call_command("seed_demo")
    call_command("seed_demo_visits")
    counts = (Visit.objects.count(), HomeProgram.objects.count(), CheckIn.objects.count())
    call_command("seed_demo_visits")
    assert (Visit.objects.count(), HomeProgram.objects.count(), CheckIn.objects.count()) == counts
    assert counts[0] == 2 and all(v.is_signed for v in Visit.objects.all())

    client = Client()
    assert password_login(client, "patient.tremblay", demo.DEMO_PASSWORD)
    html = client.get("/portal/").content.decode()
    assert "Tyler twist" in html and "Save today" in html


def test_demo_visits_need_the_demo_accounts_first():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="seed_demo"):
        call_command("seed_demo_visits")
