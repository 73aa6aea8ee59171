"""The manager merges a duplicate patient record into the one to keep (issue 10)."""

import datetime

import pytest
from django.utils import timezone

from patients import services
from patients.models import Appointment, AppointmentStatus, Patient
from tests.clinical import make_visit, signable
from tests.factories import AppointmentFactory, PatientFactory, UserFactory
from treatments import services as clinical
from treatments.models import CheckIn, HomeProgram, Visit

pytestmark = pytest.mark.django_db

DOB = datetime.date(1981, 4, 12)


def at(days, hour):
    day = timezone.localdate() + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


@pytest.fixture
def keep(db):
    return PatientFactory(first_name="Ingrid", last_name="Halvorsen", date_of_birth=DOB)


@pytest.fixture
def duplicate(db):
    return PatientFactory(first_name="Ingrid", last_name="Halvorsen", date_of_birth=DOB)


def signed_visit(physio, patient):
    visit = signable(make_visit(physio, patient))
    return clinical.visit_sign(visit=visit, by=physio)


def test_merge_moves_rows_and_keeps_signed_visits_readable(physio, manager, keep, duplicate):
    appointment = AppointmentFactory(patient=duplicate, starts_at=at(3, 10))
    signed = signed_visit(physio, duplicate)
    draft = make_visit(physio, duplicate)
    assert draft.pk != signed.pk
    CheckIn.objects.create(patient=duplicate, day=timezone.localdate())
    portal = UserFactory(username="ingrid-portal")
    duplicate.user = portal
    duplicate.save()

    plan = services.patient_merge(keep=keep, duplicate=duplicate, by=manager)

    assert [v.pk for v in plan.signed_visits] == [signed.pk]
    appointment.refresh_from_db()
    draft.refresh_from_db()
    signed.refresh_from_db()
    duplicate.refresh_from_db()
    keep.refresh_from_db()
    assert appointment.patient == keep
    assert draft.patient == keep
    assert signed.patient == duplicate and signed.is_signed
    assert CheckIn.objects.get().patient == keep
    assert keep.user == portal and duplicate.user is None
    assert duplicate.is_archived and duplicate.merged_into == keep
    # The history keeps the merge.
    assert duplicate.events.filter(merged_into=keep).exists()
    # A physio reads the signed visit from the kept record's page.
    assert Visit.objects.visible_to(physio).filter(pk=signed.pk).exists()


def test_kept_page_lists_merged_visits_and_merged_page_links(
    physio, physio_client, manager, keep, duplicate
):
    signed = signed_visit(physio, duplicate)
    services.patient_merge(keep=keep, duplicate=duplicate, by=manager)
    page = physio_client.get(f"/patients/{keep.uuid}/").content.decode()
    assert "Visits recorded under the merged record" in page
    assert f"/visits/{signed.uuid}/" in page or str(signed.uuid) in page
    response = physio_client.get(f"/patients/{duplicate.uuid}/")
    assert response.status_code == 200
    assert "Merged into" in response.content.decode()
    assert f"/patients/{keep.uuid}/" in response.content.decode()
    assert physio_client.get(f"/visits/{signed.uuid}/").status_code in (200, 302)


def test_programs_of_draft_visits_move(physio, manager, keep, duplicate):
    draft = make_visit(physio, duplicate)
    program = HomeProgram.objects.create(patient=duplicate, visit=draft, created_by=physio)
    services.patient_merge(keep=keep, duplicate=duplicate, by=manager)
    program.refresh_from_db()
    assert program.patient == keep


def test_both_portal_logins_refuse(manager, keep, duplicate):
    keep.user = UserFactory(username="a-portal")
    keep.save()
    duplicate.user = UserFactory(username="b-portal")
    duplicate.save()
    with pytest.raises(services.MergeRefused, match="portal login"):
        services.patient_merge(keep=keep, duplicate=duplicate, by=manager)
    duplicate.refresh_from_db()
    assert not duplicate.is_archived


def test_overlapping_active_appointments_refuse(manager, keep, duplicate):
    mine = AppointmentFactory(patient=duplicate, starts_at=at(2, 10))
    AppointmentFactory(patient=keep, starts_at=mine.starts_at)
    plan = services.patient_merge_plan(keep=keep, duplicate=duplicate)
    assert len(plan.overlapping) == 1
    with pytest.raises(services.MergeRefused, match="same time"):
        services.patient_merge(keep=keep, duplicate=duplicate, by=manager)
    assert Appointment.objects.filter(patient=duplicate).count() == 1


def test_cancelled_appointments_do_not_conflict(manager, keep, duplicate):
    mine = AppointmentFactory(patient=duplicate, starts_at=at(2, 10))
    AppointmentFactory(
        patient=keep,
        starts_at=mine.starts_at,
        status=AppointmentStatus.CANCELLED,
        cancelled_at=timezone.now(),
        cancellation_reason="Booked twice",
    )
    services.patient_merge(keep=keep, duplicate=duplicate, by=manager)
    assert Appointment.objects.filter(patient=keep).count() == 2


def test_same_record_and_archived_refuse(manager, keep, duplicate):
    with pytest.raises(services.MergeRefused):
        services.patient_merge(keep=keep, duplicate=keep, by=manager)
    services.patient_archive(patient=duplicate, by=manager)
    with pytest.raises(services.MergeRefused):
        services.patient_merge(keep=keep, duplicate=duplicate, by=manager)


@pytest.mark.parametrize("client_fixture", ["front_desk_client", "physio_client"])
def test_merge_page_is_for_the_manager_only(request, client_fixture, keep, duplicate):
    client = request.getfixturevalue(client_fixture)
    url = f"/patients/{duplicate.uuid}/merge/"
    assert client.get(url).status_code == 404
    assert client.post(url, {"keep": str(keep.uuid)}).status_code == 404
    duplicate.refresh_from_db()
    assert not duplicate.is_archived


def test_manager_merges_through_the_pages(manager_client, keep, duplicate):
    url = f"/patients/{duplicate.uuid}/merge/"
    page = manager_client.get(url).content.decode()
    assert f"?keep={keep.uuid}" in page  # the same name and birth date is suggested
    page = manager_client.get(url, {"keep": str(keep.uuid)}).content.decode()
    assert "Moves to the kept record" in page and "Merge the records" in page
    response = manager_client.post(url, {"keep": str(keep.uuid)})
    assert response.status_code == 302
    assert response["Location"] == f"/patients/{keep.uuid}/"
    duplicate.refresh_from_db()
    assert duplicate.merged_into == keep


def test_merge_page_shows_refusals(manager_client, keep, duplicate):
    mine = AppointmentFactory(patient=duplicate, starts_at=at(2, 10))
    AppointmentFactory(patient=keep, starts_at=mine.starts_at)
    url = f"/patients/{duplicate.uuid}/merge/"
    response = manager_client.post(url, {"keep": str(keep.uuid)})
    assert response.status_code == 200
    page = response.content.decode()
    assert "cannot be merged yet" in page and f"/patients/appointments/{mine.uuid}/" in page
    assert Patient.objects.get(pk=duplicate.pk).merged_into is None


@pytest.mark.parametrize("keep_value", ["", "nope", "00000000-0000-0000-0000-000000000000"])
def test_merge_page_bad_input(manager_client, duplicate, keep_value):
    response = manager_client.post(f"/patients/{duplicate.uuid}/merge/", {"keep": keep_value})
    assert response.status_code == 200


def test_merged_record_cannot_be_restored(manager_client, manager, keep, duplicate):
    services.patient_merge(keep=keep, duplicate=duplicate, by=manager)
    assert manager_client.post(f"/patients/{duplicate.uuid}/restore/").status_code == 404


def test_same_day_check_ins_refuse(manager, keep, duplicate):
    today = timezone.localdate()
    CheckIn.objects.create(patient=duplicate, day=today)
    CheckIn.objects.create(patient=keep, day=today)
    with pytest.raises(services.MergeRefused, match="one check-in a day"):
        services.patient_merge(keep=keep, duplicate=duplicate, by=manager)
    assert CheckIn.objects.filter(patient=duplicate).count() == 1
