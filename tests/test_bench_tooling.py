"""The benchmark's instrument (issue 11): seed_scale at a tiny scale, its refusals, and the floor
views that exist only under the bench settings."""

import io

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import InternalError, connection, transaction
from django.db.models import F
from django.test import Client, override_settings
from django.urls import Resolver404, get_resolver, resolve

from patients.models import Appointment, Patient, Practitioner
from revere import roles
from tests.factories import PatientFactory
from tests.support import verified_client
from treatments.management.commands import seed_scale
from treatments.models import Application, HomeProgram, Visit

TINY = 0.0005  # 50 patients, 2 practitioners, 500 appointments, 150 visits, 500 applications


def seed(**options):
    out = io.StringIO()
    call_command("seed_scale", scale=TINY, force=True, stdout=out, **options)
    return out.getvalue()


def scalar(sql):
    with connection.cursor() as cur:
        cur.execute(sql)
        return cur.fetchone()[0]


@pytest.mark.django_db
def test_seed_scale_makes_the_scaled_counts_with_every_rule_holding():
    output = seed()

    expected = seed_scale.counts_for(TINY)
    assert Patient.objects.count() == expected["patients"] == 50
    assert Practitioner.objects.count() == expected["practitioners"] == 2
    assert Appointment.objects.count() == expected["appointments"] == 500
    assert Visit.objects.count() == expected["visits"] == 150
    assert Application.objects.count() == expected["applications"] == 500
    assert Visit.objects.filter(status="signed").count() == 148  # two drafts stay open
    assert HomeProgram.objects.exists()
    assert Patient.objects.exclude(user=None).count() == 3  # one patient in twenty
    assert {"patients_appointment", "treatments_application"} <= {
        line.split()[0] for line in output.splitlines() if line.startswith("  ")
    }
    physios = Practitioner.objects.first().user
    assert roles.is_physio(physios)
    assert Appointment.objects.filter(status="cancelled").exists()
    assert Appointment.objects.filter(status="no_show").exists()
    # No practitioner and no patient has two active appointments at once.
    assert not scalar(
        """SELECT count(*) FROM patients_appointment a JOIN patients_appointment b
           ON a.id < b.id AND (a.practitioner_id = b.practitioner_id OR a.patient_id = b.patient_id)
           AND a.starts_at < b.ends_at AND b.starts_at < a.ends_at
           WHERE a.status IN ('booked', 'arrived', 'completed')
             AND b.status IN ('booked', 'arrived', 'completed')"""
    )
    # Signed by their own practitioner; every application under a completed, clear screening.
    signed = Visit.objects.filter(status="signed")
    assert not signed.exclude(signed_by=F("practitioner__user")).exists()
    assert not Application.objects.filter(session__visit__screening__completed_at=None).exists()
    # The history triggers ran, attributed to the seed.
    assert (
        scalar(
            """SELECT count(*) FROM treatments_applicationevent e
           JOIN pghistory_context c ON c.id = e.pgh_context_id
           WHERE c.metadata->>'command' = 'seed_scale'"""
        )
        == 500
    )
    # ... and the locks are in force on what it wrote.
    visit = Visit.objects.filter(status="signed").first()
    with pytest.raises(InternalError), transaction.atomic():
        Visit.objects.filter(pk=visit.pk).update(current_step="assessment")


@pytest.mark.django_db
def test_second_run_finds_the_data_and_adds_nothing():
    seed()
    before = (Patient.objects.count(), Appointment.objects.count(), Application.objects.count())

    output = seed()

    assert "already seeded" in output
    after = (Patient.objects.count(), Appointment.objects.count(), Application.objects.count())
    assert after == before


@pytest.mark.django_db
def test_refuses_a_database_not_named_for_the_bench():
    assert not connection.settings_dict["NAME"].endswith("_bench")

    with pytest.raises(CommandError, match="ends in _bench"):
        call_command("seed_scale", scale=TINY, stdout=io.StringIO())

    assert not Patient.objects.exists()


@pytest.mark.django_db
def test_refuses_a_bench_database_that_holds_real_patients(monkeypatch):
    monkeypatch.setattr(seed_scale, "bench_database_ok", lambda name: True)
    PatientFactory()

    with pytest.raises(CommandError, match="did not make"):
        call_command("seed_scale", scale=TINY, stdout=io.StringIO())

    assert Patient.objects.count() == 1


def test_floor_views_are_not_served_by_the_normal_settings():
    names = {p.name for p in get_resolver().url_patterns if getattr(p, "name", None)}
    assert "bench_floor" not in names
    assert "bench" not in settings.INSTALLED_APPS
    for path in ("/bench/floor/", "/bench/floor/post/"):
        with pytest.raises(Resolver404):
            resolve(path)
    assert resolve("/bench/floor/", urlconf="bench.urls").url_name == "bench_floor"


@pytest.mark.django_db
@override_settings(ROOT_URLCONF="bench.urls")
def test_floor_views_need_a_signed_in_user_and_a_csrf_token(front_desk):
    assert Client().get("/bench/floor/").status_code == 302  # to the login page
    client = verified_client(front_desk)
    assert client.get("/bench/floor/").content == b"floor\n"
    csrf_client = verified_client(front_desk, Client(enforce_csrf_checks=True))
    assert csrf_client.post("/bench/floor/post/").status_code == 403
    assert client.post("/bench/floor/post/").status_code == 200


@pytest.mark.django_db
def test_bench_session_is_signed_in_with_the_second_factor_passed(front_desk):
    from bench.sessions import signed_in_session  # the bench app is importable, not installed

    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = signed_in_session(front_desk)

    response = client.get("/patients/")

    assert response.status_code == 200
    assert response.context["user"] == front_desk
