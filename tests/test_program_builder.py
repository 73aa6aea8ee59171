"""Step 4 of a visit, the program builder: suggestions from the condition and the regions treated,
the library, adding, ordering, dosing and saving, clinic exercises, program versions across
visits, and the lock once the visit is signed."""

import json
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.clinical import (
    SIGNED,
    apply,
    make_visit,
    messages,
    pgcode,
    raw_execute,
    screen,
)
from tests.factories import PatientFactory, PractitionerFactory
from tests.programs import (
    HEEL_DROP,
    NORDIC,
    SIX_CODES,
    TYLER,
    add,
    build_program,
    builder_url,
    by_testid,
    exercise,
    formset_post,
    handout_url,
    items_of,
    shows,
    sign,
)
from treatments import services
from treatments.models import (
    BodyRegion,
    Condition,
    Exercise,
    HomeProgram,
    ProgramExercise,
    VisitStep,
)
from treatments.services import programs as program_services

pytestmark = pytest.mark.django_db

REFERENCE = Path(__file__).resolve().parent.parent / "treatments" / "reference"
CONDITIONS = json.loads((REFERENCE / "conditions.json").read_text(encoding="utf-8"))["conditions"]
# session, user, the second-factor device (issue 9), groups, the visit, its program, the
# program's exercises, the condition's exercises, the regions treated, the adhesion sites, the
# region exercises, the library page, the regions for the clinic-exercise form, and the access-log
# INSERT (issue 9).
BUILDER_MAX_QUERIES = 14
SAVED = "Program saved: it is now the patient&#x27;s active plan."


@pytest.fixture
def visit(physio):
    return make_visit(physio, PatientFactory(first_name="Noor", last_name="Haddad"))


def url(name, visit, *args):
    return reverse(f"visits:{name}", args=[visit.uuid, *args])


def set_condition(visit, code, sites=()):
    services.assessment_save(
        visit=visit,
        fields={"condition": Condition.objects.get(code=code)},
        sites=[{"region": BodyRegion.objects.get(code=r), "side": s} for r, s in sites],
        scores={},
    )


def names(exercises) -> list[str]:
    return [e.name for e in exercises]


# --- Suggestions ----------------------------------------------------------------------------


@pytest.mark.parametrize("condition", CONDITIONS, ids=[c["code"] for c in CONDITIONS])
def test_suggestions_include_the_conditions_exercises(physio_client, visit, condition):
    set_condition(visit, condition["code"])
    linked = sorted(Exercise.objects.filter(code__in=condition["exercises"]), key=lambda e: e.name)
    assert len(linked) == len(condition["exercises"]), "an exercise of the JSON is not loaded"
    # The condition's own exercises come first (by name); nothing else is suggested without a
    # region treated.
    assert program_services.suggested_exercises(visit) == linked

    html = physio_client.get(builder_url(visit)).content.decode()
    assert "Suggested for this visit" in html
    if linked:
        block = by_testid(html, "suggestions")
        for e in linked:
            assert shows(block, e.name), e.name
    else:
        assert 'data-testid="suggestions"' not in html
        assert "No suggestions: choose the condition in the assessment, or treat a region." in html


def test_regions_treated_add_their_exercises_after_the_conditions(physio_client, visit):
    set_condition(visit, "lateral_epicondylopathy")
    screen(visit)
    apply(visit, "calf", "left")
    suggested = program_services.suggested_exercises(visit)
    linked = set(Condition.objects.get(code="lateral_epicondylopathy").exercises.all())
    calf = set(Exercise.objects.filter(regions__code="calf"))
    assert set(suggested[: len(linked)]) == linked
    assert set(suggested[len(linked) :]) == calf - linked
    assert len(suggested) == len(set(suggested)), "an exercise is suggested twice"

    block = by_testid(physio_client.get(builder_url(visit)).content.decode(), "suggestions")
    for e in linked | calf:
        assert shows(block, e.name), e.name
    # The condition's exercises are listed before those of the region treated.
    assert block.index(exercise(TYLER).name) < block.index(exercise(HEEL_DROP).name)


def test_adhesion_sites_of_the_assessment_add_their_exercises(visit):
    set_condition(visit, "lateral_epicondylopathy", sites=[("ankle", "right")])
    suggested = program_services.suggested_exercises(visit)
    for e in Exercise.objects.filter(regions__code="ankle"):
        assert e in suggested
    assert exercise("median_nerve_glide") not in suggested  # wrist and hand: not involved


def test_region_exercise_shared_with_the_condition_is_suggested_once(visit):
    # The wrist extensor stretch belongs to tennis elbow and to the forearm.
    set_condition(visit, "lateral_epicondylopathy", sites=[("forearm", "right")])
    suggested = program_services.suggested_exercises(visit)
    assert names(suggested).count(exercise("wrist_extensor_stretch").name) == 1


def test_inactive_exercise_is_neither_suggested_nor_in_the_library(physio_client, visit):
    set_condition(visit, "lateral_epicondylopathy")
    Exercise.objects.filter(code=TYLER).update(active=False)
    assert exercise(TYLER) not in program_services.suggested_exercises(visit)
    html = physio_client.get(builder_url(visit), {"q": "Tyler"}).content.decode()
    assert "Tyler twist (flexible bar)" not in html
    response = physio_client.post(
        url("program_add", visit), {"exercise": exercise(TYLER).pk}, follow=True
    )
    assert "Choose an exercise from the library to add it." in response.content.decode()
    assert not ProgramExercise.objects.filter(program__visit=visit).exists()


def test_exercise_in_the_program_leaves_suggestions_and_library(physio_client, visit):
    set_condition(visit, "lateral_epicondylopathy")
    add(visit, TYLER)
    html = physio_client.get(builder_url(visit)).content.decode()
    assert exercise(TYLER).name not in by_testid(html, "suggestions")
    assert exercise(TYLER).name not in by_testid(html, "library")
    assert exercise(TYLER).name in by_testid(html, "program-item", tag="tr")


@pytest.mark.parametrize(
    ("query", "found", "not_found"),
    [
        ("nerve", "Median nerve glide", "Tyler twist"),  # a name
        ("hamstrings", "Nordic hamstring curl", "Tyler twist"),  # a region's label
        ("flexible bar", "Tyler twist", "Nordic hamstring curl"),  # words of the instructions
    ],
)
def test_library_search(physio_client, visit, query, found, not_found):
    html = physio_client.get(builder_url(visit), {"q": query}).content.decode()
    library = by_testid(html, "library")
    assert found in library
    assert not_found not in library


def test_library_search_without_a_match_says_so(physio_client, visit):
    html = physio_client.get(builder_url(visit), {"q": "zzzz-no-such"}).content.decode()
    assert "No exercise matches." in html


# --- Building the program -----------------------------------------------------------------------


def test_add_exercise_with_its_default_dose(physio_client, visit):
    response = physio_client.post(url("program_add", visit), {"exercise": exercise(HEEL_DROP).pk})
    assert response["Location"] == builder_url(visit)
    item = ProgramExercise.objects.get(program__visit=visit)
    assert (item.sets, item.reps, item.hold_seconds, item.times_per_day, item.days_per_week) == (
        3,
        15,
        None,
        2,
        7,
    )
    program = HomeProgram.objects.get(visit=visit)
    assert program.activated_at is None
    assert program.created_by.practitioner == visit.practitioner
    html = physio_client.get(builder_url(visit)).content.decode()
    assert "Draft: not the patient&#x27;s plan yet" in html


def test_adding_the_same_exercise_twice_says_so(physio_client, visit):
    physio_client.post(url("program_add", visit), {"exercise": exercise(TYLER).pk})
    response = physio_client.post(
        url("program_add", visit), {"exercise": exercise(TYLER).pk}, follow=True
    )
    assert "Tyler twist (flexible bar) is already in the program." in response.content.decode()
    assert ProgramExercise.objects.filter(program__visit=visit).count() == 1
    with pytest.raises(ValidationError, match="already in the program"):
        add(visit, TYLER)


def test_reorder_and_remove(physio_client, visit):
    tyler, heel, nordic = add(visit, TYLER, HEEL_DROP, NORDIC)
    program = HomeProgram.objects.get(visit=visit)

    physio_client.post(url("program_item", visit, nordic.pk, "up"))
    assert items_of(program) == [tyler, nordic, heel]
    physio_client.post(url("program_item", visit, tyler.pk, "down"))
    assert items_of(program) == [nordic, tyler, heel]
    # At the ends, nothing moves.
    physio_client.post(url("program_item", visit, nordic.pk, "up"))
    physio_client.post(url("program_item", visit, heel.pk, "down"))
    assert items_of(program) == [nordic, tyler, heel]

    response = physio_client.post(url("program_item", visit, tyler.pk, "remove"))
    assert response["Location"] == builder_url(visit)
    assert items_of(program) == [nordic, heel]
    html = physio_client.get(builder_url(visit)).content.decode()
    assert html.index(nordic.exercise.name) < html.index(heel.exercise.name)
    assert exercise(TYLER).name in by_testid(html, "library")  # back in the library


def test_item_actions_only_on_this_visits_items(physio_client, physio, visit):
    (item,) = add(visit, TYLER)
    other = make_visit(physio)
    assert physio_client.post(url("program_item", other, item.pk, "remove")).status_code == 404
    assert physio_client.post(url("program_item", visit, item.pk, "sideways")).status_code == 404
    assert ProgramExercise.objects.filter(pk=item.pk).exists()


def test_save_doses_activates_the_program(physio_client, visit):
    tyler, nordic = add(visit, TYLER, NORDIC)
    data = formset_post(
        [tyler, nordic],
        **{"0-sets": "2", "0-reps": "12", "0-times_per_day": "2", "1-notes": "Slowly"},
    )
    response = physio_client.post(builder_url(visit), data, follow=True)
    assert SAVED in response.content.decode()
    tyler.refresh_from_db()
    nordic.refresh_from_db()
    assert (tyler.sets, tyler.reps, tyler.times_per_day) == (2, 12, 2)
    assert tyler.dose == "2 x 12, twice a day, every day"
    assert nordic.notes == "Slowly" and nordic.days_per_week == 2
    program = HomeProgram.objects.get(visit=visit)
    assert program.activated_at is not None
    assert HomeProgram.objects.active_for(visit.patient) == program
    visit.refresh_from_db()
    assert visit.current_step == VisitStep.REVIEW
    assert "Active since" in response.content.decode()


def test_save_and_continue_goes_to_review(physio_client, visit):
    items = add(visit, TYLER)
    data = formset_post(items)
    data["action"] = "continue"
    response = physio_client.post(builder_url(visit), data)
    assert response["Location"] == url("review", visit)


@pytest.mark.parametrize(
    ("field", "typed", "error"),
    [
        ("sets", "0", "Sets must be between 1 and 20."),
        ("days_per_week", "8", "Days a week must be between 1 and 7."),
        ("days_per_week", "0", "Days a week must be between 1 and 7."),
        ("reps", "201", "Reps must be between 1 and 200."),
        ("hold_seconds", "601", "Hold (seconds) must be between 1 and 600."),
        ("times_per_day", "11", "Times a day must be between 1 and 10."),
        ("days_per_week", "", "This field is required."),
    ],
)
def test_dose_out_of_range_is_refused_and_typing_kept(physio_client, visit, field, typed, error):
    tyler, heel = add(visit, TYLER, HEEL_DROP)
    data = formset_post([tyler, heel], **{f"1-{field}": typed, "0-notes": "Typed note"})
    response = physio_client.post(builder_url(visit), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert error in html
    assert f'name="items-1-{field}" value="{typed}"' in html or (
        typed == "" and f'name="items-1-{field}"' in html
    )
    assert 'value="Typed note"' in html
    # Nothing is saved: not the valid row either, and the program is not activated.
    tyler.refresh_from_db()
    assert tyler.notes == ""
    assert HomeProgram.objects.get(visit=visit).activated_at is None


def test_sets_zero_and_seven_plus_days_together(physio_client, visit):
    (tyler,) = add(visit, TYLER)
    data = formset_post([tyler], **{"0-sets": "0", "0-days_per_week": "8"})
    html = physio_client.post(builder_url(visit), data).content.decode()
    assert "Sets must be between 1 and 20." in html
    assert "Days a week must be between 1 and 7." in html
    assert 'name="items-0-sets" value="0"' in html
    assert 'name="items-0-days_per_week" value="8"' in html
    tyler.refresh_from_db()
    assert (tyler.sets, tyler.days_per_week) == (3, 7)


def test_service_refuses_dose_out_of_range(visit):
    (tyler,) = add(visit, TYLER)
    with pytest.raises(ValidationError):
        program_services.program_save(
            visit=visit, doses={tyler.pk: {"days_per_week": 8}}, by=visit.practitioner.user
        )
    tyler.refresh_from_db()
    assert tyler.days_per_week == 7
    assert HomeProgram.objects.get(visit=visit).activated_at is None


def test_saving_an_empty_program_says_so(physio_client, visit):
    data = formset_post([])
    html = physio_client.post(builder_url(visit), data).content.decode()
    assert "Add at least one exercise before saving the program." in html
    assert not HomeProgram.objects.filter(visit=visit, activated_at__isnull=False).exists()


def test_formset_naming_another_programs_item_is_refused_not_a_crash(physio_client, physio, visit):
    """A crafted POST naming another visit's item must neither change it nor crash."""
    add(visit, TYLER)
    other_program = build_program(physio, HEEL_DROP, save=False)
    (theirs,) = items_of(other_program)
    response = physio_client.post(builder_url(visit), formset_post([theirs], **{"0-sets": "9"}))
    assert response.status_code in (200, 302)
    theirs.refresh_from_db()
    assert theirs.sets == 3
    assert HomeProgram.objects.get(pk=other_program.pk).activated_at is None


def test_stale_dose_form_after_a_removal_elsewhere_is_not_a_crash(physio_client, visit):
    tyler, heel = add(visit, TYLER, HEEL_DROP)
    stale = formset_post([tyler, heel], **{"0-sets": "5"})
    program_services.program_remove_exercise(visit=visit, item=heel)  # in another tab
    response = physio_client.post(builder_url(visit), stale)
    assert response.status_code in (200, 302)
    assert not ProgramExercise.objects.filter(pk=heel.pk).exists()


# --- Clinic exercises -----------------------------------------------------------------------------


def clinic_exercise(**extra):
    return {
        "name": "Doorway pec stretch",
        "kind": "stretch",
        "regions": ["shoulder", "upper_back"],
        "instructions": "Forearms on the door frame, step through until a stretch is felt.",
        "sets": "3",
        "reps": "1",
        "hold_seconds": "30",
        "times_per_day": "2",
        "days_per_week": "5",
        **extra,
    }


def test_new_clinic_exercise_joins_the_library_and_the_program(physio_client, physio, visit):
    response = physio_client.post(url("exercise_new", visit), clinic_exercise(), follow=True)
    assert "Doorway pec stretch is added to the library and to this program." in (
        response.content.decode()
    )
    new = Exercise.objects.get(name="Doorway pec stretch")
    assert new.added_by_clinic and new.active
    assert new.code == "clinic-doorway-pec-stretch"
    assert set(new.regions.values_list("code", flat=True)) == {"shoulder", "upper_back"}
    assert physio.username in new.source or physio.get_full_name() in new.source
    (item,) = items_of(HomeProgram.objects.get(visit=visit))
    assert item.exercise == new
    assert item.dose == "3 x 1, hold 30 s, twice a day, 5 days a week"
    # It is in the library for the next visit.
    later = make_visit(physio)
    html = physio_client.get(builder_url(later), {"q": "pec"}).content.decode()
    assert "Doorway pec stretch" in by_testid(html, "library")


def test_clinic_exercise_with_the_same_name_gets_its_own_code(physio_client, physio, visit):
    physio_client.post(url("exercise_new", visit), clinic_exercise())
    physio_client.post(url("exercise_new", make_visit(physio)), clinic_exercise())
    codes = set(Exercise.objects.filter(name="Doorway pec stretch").values_list("code", flat=True))
    assert codes == {"clinic-doorway-pec-stretch", "clinic-doorway-pec-stretch-2"}


@pytest.mark.parametrize(
    ("field", "typed", "error"),
    [
        ("days_per_week", "8", "Days a week must be between 1 and 7."),
        ("name", "", "This field is required."),
        ("instructions", "", "This field is required."),
    ],
)
def test_new_clinic_exercise_with_errors_is_refused(physio_client, visit, field, typed, error):
    response = physio_client.post(url("exercise_new", visit), clinic_exercise(**{field: typed}))
    assert response.status_code == 200
    html = response.content.decode()
    assert error in html
    assert "Forearms on the door frame" in html or field == "instructions"
    assert not Exercise.objects.filter(added_by_clinic=True).exists()
    assert not ProgramExercise.objects.filter(program__visit=visit).exists()


def test_new_clinic_exercise_with_a_dose_beyond_the_programs_limits_is_refused(
    physio_client, visit
):
    data = clinic_exercise(sets="50", reps="900", hold_seconds="5000", times_per_day="30")
    physio_client.post(url("exercise_new", visit), data)
    sign(visit)
    for item in ProgramExercise.objects.filter(program__visit=visit):
        assert item.sets <= 20 and item.reps <= 200, item.dose
        assert item.hold_seconds <= 600 and item.times_per_day <= 10, item.dose


def test_every_library_exercise_has_a_default_dose_the_program_accepts(physio):
    """Added and signed without a dose change, a reference exercise's dose must be valid."""
    program = build_program(physio, *Exercise.objects.values_list("code", flat=True), save=False)
    for item in items_of(program):
        item.full_clean()


# --- Who may build ------------------------------------------------------------------------------


def test_manager_reads_the_builder_but_cannot_change_it(manager_client, visit):
    (item,) = add(visit, TYLER)
    response = manager_client.get(builder_url(visit))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Tyler twist" in html
    assert "Suggested for this visit" not in html  # read-only
    assert manager_client.post(builder_url(visit), formset_post([item])).status_code == 404
    post = manager_client.post(url("program_add", visit), {"exercise": exercise(NORDIC).pk})
    assert post.status_code == 404
    assert manager_client.post(url("program_item", visit, item.pk, "remove")).status_code == 404
    assert manager_client.post(url("exercise_new", visit), clinic_exercise()).status_code == 404
    assert ProgramExercise.objects.filter(program__visit=visit).count() == 1


@pytest.mark.parametrize("reader", ["front_desk_client", "patient_client"])
def test_builder_is_not_found_for_front_desk_and_patients(request, reader, visit):
    client = request.getfixturevalue(reader)
    assert client.get(builder_url(visit)).status_code == 404
    post = client.post(url("program_add", visit), {"exercise": exercise(TYLER).pk})
    assert post.status_code == 404
    assert not HomeProgram.objects.exists()


# --- Versions across visits ---------------------------------------------------------------------


def test_second_visit_makes_a_new_active_program_and_keeps_the_first(physio_client, physio):
    patient = PatientFactory()
    first = build_program(physio, TYLER, patient=patient)
    sign(first.visit)
    second_visit = make_visit(physio, patient)
    assert second_visit != first.visit
    second = build_program(physio, NORDIC, HEEL_DROP, visit=second_visit)

    assert HomeProgram.objects.filter(patient=patient).count() == 2
    assert HomeProgram.objects.active_for(patient) == second
    first.refresh_from_db()
    assert first.activated_at is not None and first.activated_at < second.activated_at
    assert [i.exercise.code for i in items_of(first)] == [TYLER]
    # The earlier version is still the physiotherapist's to read.
    old = physio_client.get(handout_url(first)).content.decode()
    assert "Tyler twist" in old and "Nordic hamstring curl" not in old
    # The patient page points to the active version.
    page = physio_client.get(f"/patients/{patient.uuid}/").content.decode()
    assert handout_url(second) in page
    assert handout_url(first) not in page
    assert "Active program: 2 exercises" in page


def test_another_physio_in_a_later_visit_also_makes_a_new_version(physio):
    patient = PatientFactory()
    first = build_program(physio, TYLER, patient=patient)
    colleague = PractitionerFactory().user
    second = build_program(colleague, NORDIC, patient=patient)
    assert HomeProgram.objects.active_for(patient) == second
    assert second.created_by == colleague
    # Saving the first visit again makes it the active one again (the latest saved wins).
    program_services.program_save(visit=first.visit, doses={}, by=physio)
    assert HomeProgram.objects.active_for(patient) == first


def test_signing_activates_an_unsaved_program_with_exercises(physio):
    program = build_program(physio, TYLER, save=False)
    sign(program.visit)
    program.refresh_from_db()
    assert program.activated_at is not None
    assert HomeProgram.objects.active_for(program.patient) == program


def test_signing_leaves_an_emptied_program_inactive(physio, visit):
    (item,) = add(visit, TYLER)
    program_services.program_remove_exercise(visit=visit, item=item)
    sign(visit)
    assert HomeProgram.objects.active_for(visit.patient) is None


# --- The lock once signed -----------------------------------------------------------------------


@pytest.fixture
def signed_program(physio):
    program = build_program(physio, TYLER, HEEL_DROP)
    sign(program.visit)
    program.refresh_from_db()
    return program


def test_services_refuse_to_change_a_signed_visits_program(signed_program):
    visit, by = signed_program.visit, signed_program.created_by
    tyler, heel = items_of(signed_program)
    attempts = [
        lambda: program_services.program_add_exercise(
            visit=visit, exercise=exercise(NORDIC), by=by
        ),
        lambda: program_services.program_remove_exercise(visit=visit, item=tyler),
        lambda: program_services.program_move_exercise(visit=visit, item=heel, up=True),
        lambda: program_services.program_save(visit=visit, doses={tyler.pk: {"sets": 1}}, by=by),
    ]
    for attempt in attempts:
        with pytest.raises(ValidationError) as excinfo:
            attempt()
        assert "signed" in messages(excinfo.value)
        assert messages(excinfo.value) == SIGNED
    assert items_of(signed_program) == [tyler, heel]
    tyler.refresh_from_db()
    assert tyler.sets == 3


def test_views_refuse_to_change_a_signed_visits_program(physio_client, signed_program):
    visit = signed_program.visit
    tyler, heel = items_of(signed_program)
    posts = [
        (url("program_add", visit), {"exercise": exercise(NORDIC).pk}),
        (url("program_item", visit, tyler.pk, "remove"), {}),
        (url("program_item", visit, heel.pk, "up"), {}),
        (builder_url(visit), formset_post([tyler, heel], **{"0-sets": "1"})),
        (url("exercise_new", visit), clinic_exercise()),
    ]
    for target, data in posts:
        response = physio_client.post(target, data, follow=True)
        assert response.redirect_chain[-1][0] == url("review", visit), target
        assert "This visit is signed: its record is read-only." in response.content.decode()
    assert items_of(signed_program) == [tyler, heel]
    tyler.refresh_from_db()
    assert tyler.sets == 3
    assert not Exercise.objects.filter(added_by_clinic=True).exists()
    # The builder shows the program read-only.
    html = physio_client.get(builder_url(visit)).content.decode()
    assert "Tyler twist" in html
    assert "Save program" not in html
    assert "Suggested for this visit" not in html


RAW_WRITES = {
    "update-item": "UPDATE treatments_programexercise SET sets = 1 WHERE program_id = %s",
    "delete-item": "DELETE FROM treatments_programexercise WHERE program_id = %s",
    "insert-item": (
        "INSERT INTO treatments_programexercise (program_id, exercise_id, position, sets, reps, "
        "hold_seconds, times_per_day, days_per_week, notes) "
        "SELECT %s, id, 9, 1, 1, NULL, 1, 7, '' FROM treatments_exercise "
        "WHERE code = 'nordic_curl'"
    ),
    "reactivate-program": "UPDATE treatments_homeprogram SET activated_at = now() WHERE id = %s",
    "deactivate-program": "UPDATE treatments_homeprogram SET activated_at = NULL WHERE id = %s",
    "delete-program": "DELETE FROM treatments_homeprogram WHERE id = %s",
}


@pytest.mark.parametrize("sql", RAW_WRITES.values(), ids=RAW_WRITES.keys())
def test_database_refuses_raw_sql_on_a_signed_visits_program(signed_program, sql):
    activated_at = signed_program.activated_at
    with pytest.raises(DatabaseError) as excinfo, transaction.atomic():
        raw_execute(sql, [signed_program.pk])
    assert pgcode(excinfo) == "RV001"
    assert "signed" in str(excinfo.value)
    items = ProgramExercise.objects.filter(program=signed_program)
    assert sorted(items.values_list("sets", flat=True)) == [3, 3]
    assert HomeProgram.objects.get(pk=signed_program.pk).activated_at == activated_at


def test_raw_sql_on_a_draft_program_is_allowed(physio):
    """The lock is about signing, not about programs: a draft's rows can be written."""
    draft = build_program(physio, TYLER)
    with transaction.atomic():
        assert (
            raw_execute(
                "UPDATE treatments_programexercise SET sets = 1 WHERE program_id = %s", [draft.pk]
            )
            == 1
        )


# --- Query budget -------------------------------------------------------------------------------


def test_builder_queries_do_not_grow_with_the_program(
    physio_client, physio, django_assert_num_queries
):
    def builder(size):
        visit = make_visit(physio)
        set_condition(visit, "muscle_strain", sites=[("calf", "left")])
        build_program(physio, *SIX_CODES[:size], visit=visit)
        return builder_url(visit), size

    def get(url, size):
        response = physio_client.get(url)
        assert response.status_code == 200
        assert response.content.decode().count('data-testid="program-item"') == size

    two, six = builder(2), builder(6)
    with CaptureQueriesContext(connection) as queries:
        get(*two)
    with django_assert_num_queries(len(queries)):
        get(*six)
    assert len(queries) <= BUILDER_MAX_QUERIES
