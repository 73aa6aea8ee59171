"""Step 4 keeps what was typed (issue 12): Search, Add, the move and remove buttons and the
autosave all post the doses typed so far; the valid ones are kept as a draft (the program is not
activated), an invalid one stays on the page as typed with its message."""

import pytest
from django.urls import reverse

from tests.clinical import SIGNED, make_visit
from tests.factories import PatientFactory
from tests.programs import (
    HEEL_DROP,
    NORDIC,
    TYLER,
    add,
    build_program,
    builder_url,
    exercise,
    formset_post,
    items_of,
    sign,
)
from treatments.models import HomeProgram, ProgramExercise, VisitStep

pytestmark = pytest.mark.django_db

AUTOSAVE = {"HTTP_X_AUTOSAVE": "1"}
KEPT_MESSAGE = "A dose below needs correcting: it is kept on the page as typed, not saved yet."


@pytest.fixture
def visit(physio):
    return make_visit(physio, PatientFactory(first_name="Ines", last_name="Moreira"))


def url(name, visit, *args):
    return reverse(f"visits:{name}", args=[visit.uuid, *args])


def doses(item: ProgramExercise) -> tuple:
    item.refresh_from_db()
    return (item.sets, item.reps, item.hold_seconds, item.times_per_day, item.days_per_week,
            item.notes)  # fmt: skip


def program_of(visit) -> HomeProgram:
    return HomeProgram.objects.get(visit=visit)


def test_search_keeps_the_typed_doses_and_the_search_words(physio_client, visit):
    (tyler,) = add(visit, TYLER)
    data = formset_post([tyler], **{"0-sets": "5", "0-notes": "Slowly, no pain"})
    data.update(action="search", q="heel drop")
    response = physio_client.post(builder_url(visit), data)

    assert response.status_code == 302
    assert response["Location"] == builder_url(visit) + "?q=heel+drop#library-heading"
    assert doses(tyler)[0] == 5 and doses(tyler)[5] == "Slowly, no pain"
    # Kept as a draft: not the patient's plan yet, and the visit stays on this step.
    assert program_of(visit).activated_at is None
    visit.refresh_from_db()
    assert visit.current_step != VisitStep.REVIEW

    html = physio_client.get(response["Location"]).content.decode()
    assert 'name="items-0-sets" value="5"' in html
    assert 'value="Slowly, no pain"' in html
    assert 'name="q" id="id_library_q" value="heel drop"' in html
    assert exercise(HEEL_DROP).name in html
    assert exercise(NORDIC).name not in html  # the library shows the search's results only


def test_add_keeps_the_typed_doses_and_appends_the_exercise(physio_client, visit):
    tyler, heel = add(visit, TYLER, HEEL_DROP)
    data = formset_post([tyler, heel], **{"0-reps": "12", "1-notes": "Straight knee"})
    data.update(exercise=str(exercise(NORDIC).pk), q="")
    response = physio_client.post(url("program_add", visit), data, follow=True)

    html = response.content.decode()
    assert f"{exercise(NORDIC).name} is added to the program." in html
    assert doses(tyler)[1] == 12
    assert doses(heel)[5] == "Straight knee"
    names = [item.exercise.code for item in items_of(program_of(visit))]
    assert names == [TYLER, HEEL_DROP, NORDIC]
    assert 'name="items-0-reps" value="12"' in html
    assert 'value="Straight knee"' in html
    assert program_of(visit).activated_at is None


def test_invalid_dose_is_kept_with_its_message_when_adding(physio_client, visit):
    tyler, heel = add(visit, TYLER, HEEL_DROP)
    data = formset_post([tyler, heel], **{"0-sets": "0", "1-reps": "20"})
    data.update(exercise=str(exercise(NORDIC).pk))
    response = physio_client.post(url("program_add", visit), data)

    assert response.status_code == 200
    html = response.content.decode()
    assert KEPT_MESSAGE in html
    assert "Sets must be between 1 and 20." in html
    # The invalid value is on the page as typed, not saved; the valid row is kept as a draft; the
    # exercise is added at the end of the list with its default dose.
    assert 'name="items-0-sets" value="0"' in html
    assert doses(tyler)[0] == 3
    assert doses(heel)[1] == 20
    assert 'name="items-1-reps" value="20"' in html
    assert [i.exercise.code for i in items_of(program_of(visit))] == [TYLER, HEEL_DROP, NORDIC]
    nordic = items_of(program_of(visit))[2]
    assert f'name="items-2-id" value="{nordic.pk}"' in html
    assert 'name="items-2-reps" value="6"' in html


def test_invalid_dose_is_kept_when_searching(physio_client, visit):
    (tyler,) = add(visit, TYLER)
    data = formset_post([tyler], **{"0-days_per_week": "9"})
    data.update(action="search", q="nordic")
    response = physio_client.post(builder_url(visit), data)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Days a week must be between 1 and 7." in html and KEPT_MESSAGE in html
    assert 'name="items-0-days_per_week" value="9"' in html
    assert 'value="nordic"' in html and exercise(NORDIC).name in html
    assert doses(tyler)[4] == 7


def test_moving_an_exercise_keeps_the_typed_doses(physio_client, visit):
    tyler, heel = add(visit, TYLER, HEEL_DROP)
    data = formset_post([tyler, heel], **{"0-notes": "Light bar", "1-sets": "2"})
    response = physio_client.post(url("program_item", visit, heel.pk, "up"), data)
    assert response.status_code == 302
    assert [i.exercise.code for i in items_of(program_of(visit))] == [HEEL_DROP, TYLER]
    assert doses(tyler)[5] == "Light bar" and doses(heel)[0] == 2


def test_removing_with_an_invalid_dose_elsewhere_keeps_it_on_the_page(physio_client, visit):
    tyler, heel = add(visit, TYLER, HEEL_DROP)
    data = formset_post([tyler, heel], **{"1-sets": "99"})
    response = physio_client.post(url("program_item", visit, tyler.pk, "remove"), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert not ProgramExercise.objects.filter(pk=tyler.pk).exists()
    # The heel drop is now the first row, still showing what was typed for it.
    assert 'name="items-0-sets" value="99"' in html and "Sets must be between 1 and 20." in html


def test_autosave_keeps_doses_as_a_draft(physio_client, visit):
    tyler, heel = add(visit, TYLER, HEEL_DROP)
    # autosave.js posts the whole form with action=save: it must not activate the program.
    data = formset_post([tyler, heel], **{"0-hold_seconds": "10"})
    response = physio_client.post(builder_url(visit), data, **AUTOSAVE)
    assert response.status_code == 204
    assert doses(tyler)[2] == 10
    assert program_of(visit).activated_at is None
    visit.refresh_from_db()
    assert visit.current_step != VisitStep.REVIEW


def test_autosave_with_an_invalid_dose_keeps_the_valid_rows(physio_client, visit):
    tyler, heel = add(visit, TYLER, HEEL_DROP)
    data = formset_post([tyler, heel], **{"0-sets": "abc", "1-notes": "Kept"})
    response = physio_client.post(builder_url(visit), data, **AUTOSAVE)
    assert response.status_code == 422
    assert doses(tyler)[0] == 3
    assert doses(heel)[5] == "Kept"


def test_builder_is_one_form_with_autosave(physio_client, visit):
    add(visit, TYLER)
    html = physio_client.get(builder_url(visit)).content.decode()
    assert 'id="program-form"' in html and "data-autosave" in html
    builder = html[html.index('id="program-form"') :]
    builder = builder[: builder.index("</form>")]
    # The doses, the search box and the Add buttons are in the same form.
    assert 'name="items-0-sets"' in builder and 'name="q"' in builder
    assert 'data-testid="library"' in builder and 'name="exercise" value="' in builder


def test_draft_actions_on_an_activated_program_keep_it_active(physio_client, physio, visit):
    program = build_program(physio, TYLER, visit=visit)
    activated = program.activated_at
    data = formset_post(items_of(program), **{"0-sets": "4"}) | {"action": "search", "q": ""}
    assert physio_client.post(builder_url(visit), data).status_code == 302
    program.refresh_from_db()
    assert program.activated_at == activated
    assert items_of(program)[0].sets == 4


def test_rows_of_another_program_are_ignored(physio_client, physio, visit):
    (tyler,) = add(visit, TYLER)
    other = build_program(physio, HEEL_DROP, save=False)
    (foreign,) = items_of(other)
    data = formset_post([foreign], **{"0-sets": "9"}) | {"action": "search", "q": ""}
    response = physio_client.post(builder_url(visit), data)
    assert response.status_code in (200, 302)
    assert doses(foreign)[0] == 3 and doses(tyler)[0] == 3


def test_a_crafted_thousand_rows_search_is_not_a_crash(physio_client, visit):
    (tyler,) = add(visit, TYLER)
    data = formset_post([tyler]) | {"items-TOTAL_FORMS": "1000", "action": "search", "q": "x"}
    response = physio_client.post(builder_url(visit), data)
    assert response.status_code in (200, 302)


def test_manager_cannot_search_or_autosave_into_a_program(manager_client, visit):
    (tyler,) = add(visit, TYLER)
    data = formset_post([tyler], **{"0-sets": "6"}) | {"action": "search"}
    assert manager_client.post(builder_url(visit), data).status_code == 404
    assert manager_client.post(builder_url(visit), data, **AUTOSAVE).status_code == 404
    assert doses(tyler)[0] == 3


def test_search_on_a_signed_visit_is_refused(physio_client, visit):
    (tyler,) = add(visit, TYLER)
    sign(visit)
    data = formset_post([tyler], **{"0-sets": "6"}) | {"action": "search"}
    response = physio_client.post(builder_url(visit), data, follow=True)
    assert SIGNED in response.content.decode().replace("&#x27;", "'")
    assert doses(tyler)[0] == 3
