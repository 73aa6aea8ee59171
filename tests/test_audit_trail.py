"""The history (pghistory) of every create, update and delete, with the actor and the request;
the database refuses to delete a patient; the manager's trail pages per patient and per user."""

import csv
import datetime
import io
from decimal import Decimal

import pghistory
import pytest
from django.contrib.auth.models import Group
from django.db import DatabaseError, transaction
from django.utils import timezone

from audit import selectors
from audit.models import AccessLog, UserEvent, UserGroupEvent
from patients.models import Patient, WorkingHoursEvent
from revere import roles
from tests.clinical import apply, finding, make_visit, pgcode, raw_execute, screen
from tests.factories import PatientFactory, UserFactory, WorkingHoursFactory
from tests.programs import build_program, sign
from treatments import services
from treatments.models import (
    AddendumEvent,
    AdhesionSiteEvent,
    ApplicationEvent,
    BodyRegion,
    CheckInDoneEvent,
    CheckInEvent,
    OutcomeMeasure,
    ProgramExerciseEvent,
    ScreeningFindingEvent,
)
from treatments.services import programs as program_services

pytestmark = pytest.mark.django_db


def actor(event):
    """The user id and URL that pghistory's context recorded for an event."""
    metadata = event.pgh_context.metadata if event.pgh_context_id else {}
    return metadata.get("user"), metadata.get("url")


# --- Delete events carry the actor -------------------------------------------------------------


def test_removing_an_application_leaves_a_delete_event_with_the_actor(physio, physio_client):
    visit = make_visit(physio)
    screen(visit)
    application = apply(visit, "calf", "left", seconds=75)
    url = f"/visits/{visit.uuid}/treatment/applications/{application.pk}/remove/"

    response = physio_client.post(url)

    assert response.status_code == 302
    event = ApplicationEvent.objects.get(pgh_obj_id=application.pk, pgh_label="delete")
    assert event.duration_seconds == 75  # the removed row's last values are kept
    assert actor(event) == (physio.pk, url)


def test_removing_a_program_exercise_leaves_a_delete_event_with_the_actor(physio, physio_client):
    program = build_program(physio, "tyler_twist", save=False)
    item = program.items.get()
    url = f"/visits/{program.visit.uuid}/handout/items/{item.pk}/remove/"

    physio_client.post(url)

    event = ProgramExerciseEvent.objects.get(pgh_obj_id=item.pk, pgh_label="delete")
    assert actor(event) == (physio.pk, url)


def test_removing_an_adhesion_site_leaves_a_delete_event_with_the_actor(physio):
    visit = make_visit(physio)
    calf = {"region": BodyRegion.objects.get(code="calf"), "side": "left"}
    services.assessment_save(visit=visit, fields={}, sites=[calf], scores={})
    site = visit.assessment.sites.get()

    with pghistory.context(user=physio.pk, url=f"/visits/{visit.uuid}/assessment/"):
        services.assessment_save(visit=visit, fields={}, sites=[], scores={})

    event = AdhesionSiteEvent.objects.get(pgh_obj_id=site.pk, pgh_label="delete")
    assert event.region_id == "calf"
    assert actor(event) == (physio.pk, f"/visits/{visit.uuid}/assessment/")


def test_removing_a_screening_finding_leaves_a_delete_event_with_the_actor(physio):
    visit = make_visit(physio)
    screen(visit, finding("osteoporosis"), complete=False)
    found = visit.screening.findings.get()

    with pghistory.context(user=physio.pk, url=f"/visits/{visit.uuid}/screening/"):
        screen(visit, complete=False)

    event = ScreeningFindingEvent.objects.get(pgh_obj_id=found.pk, pgh_label="delete")
    assert event.contraindication_id == "osteoporosis"
    assert actor(event)[0] == physio.pk


# --- Tables that had no history ------------------------------------------------------------------


def test_an_addendum_has_history(physio):
    visit = sign(make_visit(physio))
    with pghistory.context(user=physio.pk, url="/x/"):
        addendum = services.addendum_add(visit=visit, text="Pain 2/10 by phone.", by=physio)
    event = AddendumEvent.objects.get(pgh_obj_id=addendum.pk)
    assert (event.pgh_label, event.text, actor(event)[0]) == ("insert", addendum.text, physio.pk)


def test_a_check_in_and_its_ticks_have_history(physio, patient_user, own_patient):
    program = build_program(physio, "tyler_twist", patient=own_patient)
    item = program.items.get()
    day = timezone.localdate()
    with pghistory.context(user=patient_user.pk, url="/portal/check-in/"):
        check_in = program_services.check_in_record(
            patient=own_patient, day=day, done=[item], pain=3
        )
    event = CheckInEvent.objects.filter(pgh_obj_id=check_in.pk).latest("pgh_id")
    assert (event.pain, actor(event)[0]) == (3, patient_user.pk)
    assert CheckInDoneEvent.objects.filter(checkin_id=check_in.pk, pgh_label="insert").exists()


def test_a_working_hours_change_has_history(manager):
    block = WorkingHoursFactory(ends=datetime.time(12, 0))
    block_id = block.pk
    with pghistory.context(user=manager.pk, url="/admin/"):
        block.ends = datetime.time(13, 0)
        block.save()
        block.delete()
    labels = list(
        WorkingHoursEvent.objects.filter(pgh_obj_id=block_id)
        .order_by("pgh_id")
        .values_list("pgh_label", "ends")
    )
    assert labels == [
        ("insert", datetime.time(12, 0)),
        ("update", datetime.time(13, 0)),
        ("delete", datetime.time(13, 0)),
    ]


def test_a_group_membership_change_has_history(manager):
    user = UserFactory(username="newdesk")
    group = Group.objects.get(name=roles.FRONT_DESK)
    with pghistory.context(user=manager.pk, url="/admin/auth/user/"):
        user.groups.add(group)
        user.groups.remove(group)
    events = UserGroupEvent.objects.filter(user_id=user.pk, group=group).order_by("pgh_id")
    assert [(e.pgh_label, actor(e)[0]) for e in events] == [
        ("insert", manager.pk),
        ("delete", manager.pk),
    ]


def test_user_history_never_copies_the_password_hash(manager):
    user = UserFactory(username="hashless")
    user.set_password("another-long-passphrase")
    user.save()
    assert "password" not in {f.name for f in UserEvent._meta.fields}
    # A password change or a login alone is not an account change.
    assert list(
        UserEvent.objects.filter(pgh_obj_id=user.pk).values_list("pgh_label", flat=True)
    ) == ["insert"]


def test_every_event_table_is_placed_with_or_without_a_patient():
    labels = {selectors.tracked_label(m) for m in selectors.event_models()}
    assert labels == set(selectors.PATIENT_PATHS) | selectors.NO_PATIENT
    assert not set(selectors.PATIENT_PATHS) & selectors.NO_PATIENT


# --- Patients are never deleted ---------------------------------------------------------------


def test_raw_delete_of_a_patient_is_refused():
    patient = PatientFactory()
    with pytest.raises(DatabaseError) as excinfo, transaction.atomic():
        raw_execute("DELETE FROM patients_patient WHERE id = %s", [patient.pk])
    assert pgcode(excinfo) == "RV020"
    assert "archive" in str(excinfo.value)
    assert Patient.objects.filter(pk=patient.pk).exists()


def test_orm_delete_of_a_patient_is_refused_with_a_clear_error():
    patient = PatientFactory()
    with pytest.raises(DatabaseError, match="never deleted: archive"), transaction.atomic():
        patient.delete()


def test_pgtrigger_ignore_does_not_let_a_patient_delete_through():
    patient = PatientFactory()
    names = "{revere_patient_never_deleted,patients_patient:revere_patient_never_deleted}"
    with pytest.raises(DatabaseError) as excinfo, transaction.atomic():
        raw_execute("SELECT set_config('pgtrigger.ignore', %s, true)", [names])
        raw_execute("DELETE FROM patients_patient WHERE id = %s", [patient.pk])
    assert pgcode(excinfo) == "RV020"


def test_the_admin_offers_no_patient_delete(manager_client):
    patient = PatientFactory()
    response = manager_client.get(f"/admin/patients/patient/{patient.pk}/delete/")
    assert response.status_code == 403
    assert Patient.objects.filter(pk=patient.pk).exists()


# --- The manager's pages ----------------------------------------------------------------------


def patient_url(patient, suffix=""):
    return f"/audit/patients/{patient.uuid}/{suffix}"


def user_url(user, suffix=""):
    return f"/audit/users/{user.pk}/{suffix}"


def log(user, patient, at, path="/patients/x/"):
    return AccessLog.objects.create(
        user=user,
        patient=patient,
        model="patients.patient",
        object_id=str(patient.uuid),
        path=path,
        at=at,
        ip_address="192.0.2.7",
    )


def rows(response):
    return response.context["entries"]


def test_patient_trail_shows_views_and_changes_of_the_record_and_its_visits(
    manager_client, physio, physio_client
):
    visit = make_visit(physio)
    patient = visit.patient
    physio_client.get(f"/patients/{patient.uuid}/")
    screen(visit)
    application = apply(visit, "calf", "left")
    physio_client.post(f"/visits/{visit.uuid}/treatment/applications/{application.pk}/remove/")
    other = PatientFactory()  # someone else's record stays out of this trail
    physio_client.get(f"/patients/{other.uuid}/")

    response = manager_client.get(patient_url(patient))

    assert response.status_code == 200
    entries = rows(response)
    seen = {(e["t_action"], e["t_model"]) for e in entries}
    assert ("view", "patients.patient") in seen
    assert ("insert", "treatments.visit") in seen
    assert ("delete", "treatments.application") in seen
    assert all(e["t_object"] != str(other.uuid) for e in entries)
    deleted = next(e for e in entries if e["t_action"] == "delete")
    assert deleted["user"] == physio
    assert [e["t_at"] for e in entries] == sorted((e["t_at"] for e in entries), reverse=True)
    html = response.content.decode()
    assert "Who saw or changed this record" in html
    assert f"/audit/users/{physio.pk}/" in html


def test_patient_trail_filters_by_date(manager, manager_client, front_desk):
    patient = PatientFactory()
    log(front_desk, patient, timezone.make_aware(datetime.datetime(2026, 1, 10, 12)))
    log(front_desk, patient, timezone.make_aware(datetime.datetime(2026, 2, 10, 12)))

    response = manager_client.get(patient_url(patient), {"from": "2026-01-01", "to": "2026-01-31"})

    entries = rows(response)
    assert [e["t_at"].date() for e in entries] == [datetime.date(2026, 1, 10)]
    assert 'href="/audit/patients/' in response.content.decode()
    assert "from=2026-01-01&amp;to=2026-01-31" in response.content.decode()  # kept for export


def test_the_end_date_includes_its_whole_local_day(manager_client, front_desk):
    patient = PatientFactory()
    log(front_desk, patient, timezone.make_aware(datetime.datetime(2026, 1, 31, 23, 30)))
    response = manager_client.get(patient_url(patient), {"to": "2026-01-31", "from": "2026-01-31"})
    assert len(rows(response)) == 1


def test_patient_trail_paginates_fifty_rows(manager_client, front_desk):
    patient = PatientFactory()
    start = timezone.make_aware(datetime.datetime(2026, 1, 1, 9))
    AccessLog.objects.bulk_create(
        AccessLog(
            user=front_desk,
            patient=patient,
            model="patients.patient",
            object_id=str(patient.uuid),
            path="/p/",
            at=start + datetime.timedelta(minutes=n),
        )
        for n in range(60)
    )
    first = manager_client.get(patient_url(patient), {"from": "2026-01-01", "to": "2026-01-01"})
    second = manager_client.get(
        patient_url(patient), {"from": "2026-01-01", "to": "2026-01-01", "page": "2"}
    )
    assert len(rows(first)) == 50
    assert len(rows(second)) == 10
    assert rows(first)[0]["t_at"] == start + datetime.timedelta(minutes=59)
    assert "page=2" in first.content.decode()


def test_patient_trail_query_count_is_fixed(manager_client, front_desk, django_assert_num_queries):
    patient = PatientFactory()
    for n in range(3):
        log(UserFactory(), patient, timezone.now() - datetime.timedelta(hours=n))
    # session, user, the second-factor device, the patient, the access-log INSERT, the count, the
    # page, its users, and the manager's groups (navigation)
    with django_assert_num_queries(9):
        manager_client.get(patient_url(patient))
    for n in range(20):
        log(UserFactory(), patient, timezone.now() - datetime.timedelta(days=n))
    with django_assert_num_queries(9):
        manager_client.get(patient_url(patient))


def test_patient_trail_exports_csv_with_the_same_filters(manager_client, front_desk):
    patient = PatientFactory(first_name="Quentin", last_name="Quill")
    log(front_desk, patient, timezone.make_aware(datetime.datetime(2026, 1, 10, 12)))
    log(front_desk, patient, timezone.make_aware(datetime.datetime(2026, 3, 10, 12)))

    response = manager_client.get(
        patient_url(patient, "export.csv"), {"from": "2026-01-01", "to": "2026-01-31"}
    )

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Cache-Control"] == "no-store"
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="audit-trail-patient-')
    assert "Quill" not in disposition and str(patient.uuid) not in disposition
    table = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert table[0][:4] == ["time", "action", "record type", "record id"]
    assert len(table) == 2
    assert table[1][1:3] == ["Opened", "patients.patient"]
    assert table[1][4] == str(patient.uuid)
    assert table[1][5:7] == [str(front_desk.pk), "desk"]
    assert not any("Quill" in cell for line in table for cell in line)


def test_user_trail_shows_what_the_user_opened_and_changed(manager_client, physio, physio_client):
    visit = make_visit(physio)
    someone_else = UserFactory(username="someone")
    PatientFactory()  # made outside any request: in nobody's trail
    physio_client.get(f"/visits/{visit.uuid}/review/")
    calf = {"region": BodyRegion.objects.get(code="calf"), "side": "left"}
    with pghistory.context(user=physio.pk, url=f"/visits/{visit.uuid}/assessment/"):
        services.assessment_save(
            visit=visit,
            fields={"complaint": "Calf"},
            sites=[calf],
            scores={OutcomeMeasure.objects.get(code="NPRS"): Decimal("5")},
        )

    response = manager_client.get(user_url(physio))

    assert response.status_code == 200
    entries = rows(response)
    assert {e["t_user"] for e in entries} == {physio.pk}
    seen = {(e["t_action"], e["t_model"]) for e in entries}
    assert ("view", "treatments.visit") in seen
    assert ("update", "treatments.assessment") in seen
    assert ("insert", "treatments.adhesionsite") in seen
    assert {e["t_patient"] for e in entries} == {str(visit.patient.uuid)}
    assert rows(manager_client.get(user_url(someone_else))) == []


def test_user_trail_filters_paginates_and_exports(manager_client, front_desk):
    patient = PatientFactory()
    start = timezone.make_aware(datetime.datetime(2026, 4, 1, 9))
    AccessLog.objects.bulk_create(
        AccessLog(
            user=front_desk,
            patient=patient,
            model="patients.patient",
            object_id=str(patient.uuid),
            path="/p/",
            at=start + datetime.timedelta(minutes=n),
        )
        for n in range(55)
    )
    log(front_desk, patient, timezone.make_aware(datetime.datetime(2026, 5, 1, 9)))
    params = {"from": "2026-04-01", "to": "2026-04-30"}
    assert len(rows(manager_client.get(user_url(front_desk), params))) == 50
    assert len(rows(manager_client.get(user_url(front_desk), {**params, "page": 2}))) == 5
    response = manager_client.get(user_url(front_desk, "export.csv"), params)
    assert response["Cache-Control"] == "no-store"
    assert 'filename="audit-trail-user-' in response["Content-Disposition"]
    assert len(list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))) == 56


def test_user_trail_query_count_is_fixed(manager_client, front_desk, django_assert_num_queries):
    patient = PatientFactory()
    log(front_desk, patient, timezone.now())
    # session, user, the second-factor device, the subject, the count, the page, its users, the
    # manager's groups
    with django_assert_num_queries(8):
        manager_client.get(user_url(front_desk))
    for _ in range(20):
        log(front_desk, PatientFactory(), timezone.now())
    with django_assert_num_queries(8):
        manager_client.get(user_url(front_desk))


@pytest.mark.parametrize(
    "params, message",
    [
        ({"from": "2026-02-30"}, "Enter the start date as YYYY-MM-DD"),
        ({"to": "yesterday"}, "Enter the end date as YYYY-MM-DD"),
        ({"from": "2026-03-01", "to": "2026-02-01"}, "The start date is after the end date."),
        ({"from": "0001-01-01"}, "Choose a date from 2000 to 2100."),
        ({"to": "9999-12-31"}, "Choose a date from 2000 to 2100."),
        ({"from": "2026-01-01\x00"}, "Enter the start date as YYYY-MM-DD"),
    ],
)
@pytest.mark.parametrize("suffix", ["", "export.csv"])
def test_bad_dates_are_a_message_not_an_error(manager, manager_client, params, message, suffix):
    patient = PatientFactory()
    for url in (patient_url(patient, suffix), user_url(manager, suffix)):
        response = manager_client.get(url, params)
        assert response.status_code == 200
        assert message in response.content.decode()
        assert response.context["entries"] == []


def test_a_bad_page_number_is_the_first_or_last_page(manager_client, front_desk):
    patient = PatientFactory()
    log(front_desk, patient, timezone.now())
    for page in ("0", "-1", "abc", "99999999999999999999"):
        response = manager_client.get(patient_url(patient), {"page": page})
        assert response.status_code == 200
        assert len(rows(response)) >= 1


@pytest.mark.parametrize("client_fixture", ["physio_client", "front_desk_client", "patient_client"])
@pytest.mark.parametrize("suffix", ["", "export.csv"])
def test_every_other_role_gets_a_404(request, client_fixture, suffix, own_patient, physio):
    client = request.getfixturevalue(client_fixture)
    assert client.get(patient_url(own_patient, suffix)).status_code == 404
    assert client.get(user_url(physio, suffix)).status_code == 404


def test_anonymous_visitors_are_sent_to_the_login_page(client, own_patient):
    response = client.get(patient_url(own_patient))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_unknown_patient_or_user_is_a_404(manager_client):
    assert (
        manager_client.get("/audit/patients/00000000-0000-0000-0000-000000000000/").status_code
        == 404
    )
    assert manager_client.get("/audit/users/999999/").status_code == 404


def test_the_patient_page_links_the_trail_for_the_manager_only(
    manager_client, front_desk_client, physio_client
):
    patient = PatientFactory()
    link = f'href="/audit/patients/{patient.uuid}/"'
    assert link in manager_client.get(f"/patients/{patient.uuid}/").content.decode()
    assert link not in front_desk_client.get(f"/patients/{patient.uuid}/").content.decode()
    assert link not in physio_client.get(f"/patients/{patient.uuid}/").content.decode()
