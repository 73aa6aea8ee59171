"""A dose a patient could not follow (500 sets of 900 reps) is refused by the service and by the
database, not only by the builder's form; the manager edits the library and the handout's
post-care text in the admin."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from tests.clinical import make_visit, raw_execute
from tests.programs import TYLER, add
from treatments.models import Exercise, PostCare, ProgramExercise
from treatments.services import programs as program_services

pytestmark = pytest.mark.django_db


def create_clinic_exercise(physio, **dose):
    return program_services.exercise_create(
        name="Wall slide",
        kind="mobility",
        instructions="Slide the forearms up the wall, keep the shoulders down.",
        regions=[],
        by=physio,
        **dose,
    )


@pytest.mark.parametrize(
    ("dose", "message"),
    [
        ({"sets": 500}, "Sets is from 1 to 20."),
        ({"reps": 900}, "Reps is from 1 to 200."),
        ({"hold_seconds": 0}, "Hold (seconds) is from 1 to 600."),
        ({"times_per_day": 11}, "Times a day is from 1 to 10."),
        ({"days_per_week": 8}, "Days a week is from 1 to 7."),
    ],
)
def test_the_service_refuses_a_clinic_exercise_beyond_the_limits(physio, dose, message):
    with pytest.raises(ValidationError) as excinfo:
        create_clinic_exercise(physio, **dose)
    assert message in " ".join(excinfo.value.messages)
    assert not Exercise.objects.filter(name="Wall slide").exists()


def test_a_dose_within_the_limits_is_accepted(physio):
    exercise = create_clinic_exercise(physio, sets=20, reps=200, hold_seconds=600)
    assert (exercise.sets, exercise.reps, exercise.hold_seconds) == (20, 200, 600)


def test_the_service_refuses_a_program_dose_beyond_the_limits(physio):
    visit = make_visit(physio)
    (item,) = add(visit, TYLER)
    with pytest.raises(ValidationError) as excinfo:
        program_services.program_save(
            visit=visit, doses={item.pk: {"sets": 500, "reps": 900}}, by=physio
        )
    assert "Sets is from 1 to 20." in " ".join(excinfo.value.messages)
    item.refresh_from_db()
    assert (item.sets, item.reps) == (3, 15)


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE treatments_exercise SET sets = 500 WHERE code = 'tyler_twist'",
        "UPDATE treatments_exercise SET reps = 900 WHERE code = 'tyler_twist'",
        "UPDATE treatments_exercise SET times_per_day = 0 WHERE code = 'tyler_twist'",
    ],
)
def test_the_database_refuses_a_library_dose_beyond_the_limits(sql):
    with pytest.raises(IntegrityError), transaction.atomic():
        raw_execute(sql)
    assert Exercise.objects.get(code=TYLER).sets == 3


@pytest.mark.parametrize(("column", "value"), [("sets", 500), ("reps", 900), ("hold_seconds", 601)])
def test_the_database_refuses_a_program_dose_beyond_the_limits(physio, column, value):
    (item,) = add(make_visit(physio), TYLER)
    with pytest.raises(IntegrityError), transaction.atomic():
        raw_execute(
            f"UPDATE treatments_programexercise SET {column} = %s WHERE id = %s", [value, item.pk]
        )
    assert ProgramExercise.objects.get(pk=item.pk).sets == 3


def test_a_program_holds_at_most_thirty_exercises(physio):
    visit = make_visit(physio)
    while Exercise.objects.count() < 31:
        create_clinic_exercise(physio, sets=1)
    first_thirty = Exercise.objects.order_by("pk")[:30]
    extra = Exercise.objects.order_by("pk").last()
    for exercise in first_thirty:
        program_services.program_add_exercise(visit=visit, exercise=exercise, by=physio)
    with pytest.raises(ValidationError, match="at most 30 exercises"):
        program_services.program_add_exercise(visit=visit, exercise=extra, by=physio)
    assert ProgramExercise.objects.filter(program__visit=visit).count() == 30


# --- The manager's admin ------------------------------------------------------------------------


def test_manager_edits_a_library_exercise_in_the_admin(manager_client):
    exercise = Exercise.objects.get(code=TYLER)
    page = manager_client.get(f"/admin/treatments/exercise/{exercise.pk}/change/")
    assert page.status_code == 200
    assert "Tyler twist" in page.content.decode()
    listing = manager_client.get("/admin/treatments/exercise/", {"q": "tyler"})
    assert listing.status_code == 200 and "Tyler twist" in listing.content.decode()


def test_the_admin_refuses_a_dose_beyond_the_limits(manager_client):
    exercise = Exercise.objects.get(code=TYLER)
    response = manager_client.post(
        f"/admin/treatments/exercise/{exercise.pk}/change/",
        {
            "name": exercise.name,
            "kind": exercise.kind,
            "instructions": exercise.instructions,
            "sets": "500",
            "reps": "15",
            "days_per_week": "7",
            "active": "on",
        },
    )
    assert response.status_code == 200
    assert "Sets is from 1 to 20." in response.content.decode()
    assert Exercise.objects.get(code=TYLER).sets == 3


def test_manager_edits_the_post_care_text_and_cannot_delete_it(manager_client):
    post_care = PostCare.current()
    assert post_care.pk, "the data migration loads the post-care text"
    response = manager_client.post(
        f"/admin/treatments/postcare/{post_care.pk}/change/",
        {
            "expect": "Some redness for a day or two.",
            "ice": post_care.ice,
            "exercises": post_care.exercises,
            "call_us": post_care.call_us,
        },
    )
    assert response.status_code == 302
    assert PostCare.current().expect == "Some redness for a day or two."
    assert manager_client.get("/admin/treatments/postcare/add/").status_code == 403
    delete = manager_client.get(f"/admin/treatments/postcare/{post_care.pk}/delete/")
    assert delete.status_code == 403


@pytest.mark.parametrize("client_fixture", ["physio_client", "front_desk_client"])
def test_staff_without_admin_cannot_edit_the_library(request, client_fixture):
    client = request.getfixturevalue(client_fixture)
    response = client.get("/admin/treatments/exercise/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
