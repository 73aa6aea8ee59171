"""The patient portal: "My plan" with the active program, the daily check-in, and the handout
links; and the walls around it (a patient sees only their own plan, handouts and check-ins; the
front desk sees the invitation but not the program nor its adherence)."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import PatientFactory
from tests.programs import (
    HEEL_DROP,
    NORDIC,
    SIX_CODES,
    TYLER,
    build_program,
    client_for,
    exercise,
    handout_url,
    items_of,
    pdf_url,
    portal_patient,
    shows,
    sign,
)
from treatments.models import CheckIn
from treatments.services import programs as program_services

pytestmark = pytest.mark.django_db

HOME = "/portal/"
CHECK_IN = reverse("portal:check_in")
# session, user, groups, the patient, the active program with its visit and practitioner, its
# exercises, today's check-in and its ticks (+ the next appointment, from the scheduling pages);
# issue 12's charts: one statement with the progress record (pain at visits, the check-ins with
# their ticks, the program versions and their exercises; was 5 queries, 13 in all).
PORTAL_HOME_QUERIES = 9


@pytest.fixture
def own_program(physio, own_patient):
    """Olive's active program: the Tyler twist and the straight-knee heel drop."""
    return build_program(
        physio, TYLER, HEEL_DROP, patient=own_patient, doses={TYLER: {"notes": "Slowly down"}}
    )


@pytest.fixture
def other(physio):
    """Another portal patient (Bea Bystander) with her own program, and her logged-in client."""
    patient, user = portal_patient(first_name="Bea", last_name="Bystander")
    program = build_program(physio, NORDIC, patient=patient)
    return patient, program, client_for(user)


def check_in_data(items, pain="", **extra):
    return {**{f"done_{item.pk}": "on" for item in items}, "pain": pain, **extra}


# --- My plan --------------------------------------------------------------------------------------


def test_my_plan_shows_the_active_program(patient_client, own_program, physio):
    response = patient_client.get(HOME)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Hello, Olive" in html
    assert html.count('data-testid="exercise-card"') == 2
    for code in (TYLER, HEEL_DROP):
        assert shows(html, exercise(code).name)
        assert shows(html, exercise(code).instructions)
    assert "3 x 15, once a day, every day" in html  # the Tyler twist
    assert "3 x 15, twice a day, every day" in html  # the heel drop
    assert "Slowly down" in html
    assert shows(html, physio.practitioner.display_name)
    # The check-in form and the handout links.
    assert f'action="{CHECK_IN}"' in html
    for item in items_of(own_program):
        assert f'name="done_{item.pk}"' in html
    assert 'name="pain"' in html
    assert "Save today's check-in" in html
    assert handout_url(own_program) in html
    assert pdf_url(own_program) in html


def test_my_plan_before_any_program(patient_client):
    html = patient_client.get(HOME).content.decode()
    assert "will appear here" in html
    assert 'data-testid="exercise-card"' not in html
    assert f'action="{CHECK_IN}"' not in html


def test_my_plan_leaves_out_a_program_not_saved_yet(patient_client, physio, own_patient):
    draft = build_program(physio, TYLER, patient=own_patient, save=False)
    html = patient_client.get(HOME).content.decode()
    assert "will appear here" in html
    assert handout_url(draft) not in html


def test_my_plan_shows_the_newest_version(patient_client, physio, own_patient, own_program):
    sign(own_program.visit)
    newer = build_program(physio, NORDIC, patient=own_patient)
    html = patient_client.get(HOME).content.decode()
    assert "Nordic hamstring curl" in html
    assert "Tyler twist" not in html
    assert handout_url(newer) in html
    assert handout_url(own_program) not in html


def test_my_plan_of_an_archived_record_is_not_found(patient_client, own_patient, front_desk):
    own_patient.archived_at = timezone.now()
    own_patient.archived_by = front_desk
    own_patient.save()
    assert patient_client.get(HOME).status_code == 404
    assert patient_client.post(CHECK_IN, {"pain": "3"}).status_code == 404
    assert not CheckIn.objects.exists()


@pytest.mark.parametrize("reader", ["physio_client", "front_desk_client", "manager_client"])
def test_staff_have_no_portal(request, reader):
    client = request.getfixturevalue(reader)
    assert client.get(HOME).status_code == 404
    assert client.post(CHECK_IN, {"pain": "3"}).status_code == 404
    assert not CheckIn.objects.exists()


def test_anonymous_is_sent_to_log_in(client):
    response = client.get(HOME)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={HOME}"
    assert client.post(CHECK_IN, {"pain": "3"}).status_code == 302
    assert not CheckIn.objects.exists()


def test_patient_has_no_staff_pages(patient_client, own_patient, own_program):
    for url in (
        "/patients/",
        f"/patients/{own_patient.uuid}/",
        reverse("visits:handout", args=[own_program.visit.uuid]),
        reverse("visits:review", args=[own_program.visit.uuid]),
    ):
        assert patient_client.get(url).status_code == 404, url


# --- The check-in ---------------------------------------------------------------------------------


def test_check_in_records_today(patient_client, own_patient, own_program):
    tyler, heel = items_of(own_program)
    response = patient_client.post(CHECK_IN, check_in_data([tyler], pain="4"), follow=True)
    assert response.redirect_chain == [(HOME, 302)]
    html = response.content.decode()
    assert "Today&#x27;s check-in is saved. Well done!" in html
    check_in = CheckIn.objects.get(patient=own_patient)
    assert check_in.day == timezone.localdate()
    assert check_in.pain == 4
    assert list(check_in.done.all()) == [tyler]
    # The page shows what was saved, ready to update.
    assert "Update today's check-in" in html
    assert f'name="done_{tyler.pk}" class="form-check-input" id="id_done_{tyler.pk}" checked' in (
        html
    )
    assert f'id="id_done_{heel.pk}" checked' not in html
    assert 'class="form-control" value="4"' in html


def test_check_in_again_replaces_the_days_ticks(patient_client, own_patient, own_program):
    tyler, heel = items_of(own_program)
    patient_client.post(CHECK_IN, check_in_data([tyler], pain="6"))
    patient_client.post(CHECK_IN, check_in_data([heel], pain="2"))
    check_in = CheckIn.objects.get(patient=own_patient)
    assert list(check_in.done.all()) == [heel]
    assert check_in.pain == 2


@pytest.mark.parametrize("pain", ["11", "-1", "4.5", "lots"])
def test_pain_out_of_range_is_refused_and_nothing_saved(
    patient_client, own_patient, own_program, pain
):
    tyler, _ = items_of(own_program)
    response = patient_client.post(CHECK_IN, check_in_data([tyler], pain=pain))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Not saved:" in html
    assert "is-invalid" in html
    expected = {
        "11": "Pain must be between 0 and 10.",
        "-1": "Pain must be between 0 and 10.",
    }.get(pain, "Enter a whole number.")
    assert expected in html
    assert not CheckIn.objects.exists()


def test_pain_alone_is_a_check_in(patient_client, own_patient, own_program):
    patient_client.post(CHECK_IN, {"pain": "0"})
    check_in = CheckIn.objects.get(patient=own_patient)
    assert check_in.pain == 0
    assert not check_in.done.exists()


def test_service_refuses_pain_out_of_range(own_patient, own_program):
    with pytest.raises(ValidationError):
        program_services.check_in_record(
            patient=own_patient, day=timezone.localdate(), done=[], pain=11
        )
    assert not CheckIn.objects.exists()


def test_service_refuses_a_day_to_come(own_patient, own_program):
    tomorrow = timezone.localdate() + timezone.timedelta(days=1)
    with pytest.raises(ValidationError, match="has not come yet"):
        program_services.check_in_record(patient=own_patient, day=tomorrow, done=[], pain=2)
    assert not CheckIn.objects.exists()


def test_check_in_on_a_signed_visits_program(patient_client, own_patient, own_program):
    """Signing locks the program's rows, not the patient's ticks on them."""
    sign(own_program.visit)
    tyler, heel = items_of(own_program)
    response = patient_client.post(CHECK_IN, check_in_data([tyler, heel], pain="3"))
    assert response.status_code == 302
    assert set(CheckIn.objects.get(patient=own_patient).done.all()) == {tyler, heel}


def test_ticks_of_an_earlier_version_are_ignored(patient_client, physio, own_patient, own_program):
    old_tyler, _ = items_of(own_program)
    sign(own_program.visit)
    newer = build_program(physio, NORDIC, patient=own_patient)
    (nordic,) = items_of(newer)
    patient_client.post(CHECK_IN, check_in_data([old_tyler, nordic], pain="1"))
    assert list(CheckIn.objects.get(patient=own_patient).done.all()) == [nordic]
    with pytest.raises(ValidationError, match="current plan"):
        program_services.check_in_record(
            patient=own_patient, day=timezone.localdate(), done=[old_tyler], pain=1
        )


# --- One patient, not another -------------------------------------------------------------------


@pytest.mark.parametrize("kind", [handout_url, pdf_url], ids=["html", "pdf"])
def test_patient_cannot_open_another_patients_handout(patient_client, own_program, other, kind):
    _, their_program, their_client = other
    assert patient_client.get(kind(their_program)).status_code == 404
    assert their_client.get(kind(own_program)).status_code == 404
    # Each opens their own.
    assert patient_client.get(kind(own_program)).status_code == 200
    assert their_client.get(kind(their_program)).status_code == 200


def test_patient_does_not_see_another_patients_plan_or_check_ins(
    patient_client, own_program, other
):
    their_patient, their_program, their_client = other
    (nordic,) = items_of(their_program)
    their_client.post(CHECK_IN, check_in_data([nordic], pain="9"))
    assert CheckIn.objects.filter(patient=their_patient).exists()

    html = patient_client.get(HOME).content.decode()
    assert "Bea" not in html and "Bystander" not in html
    assert "Nordic hamstring curl" not in html
    assert f"done_{nordic.pk}" not in html
    assert handout_url(their_program) not in html
    assert 'value="9"' not in html
    assert "Save today's check-in" in html  # Olive has not checked in today


def test_ticking_another_patients_exercise_records_nothing_of_theirs(
    patient_client, own_patient, own_program, other
):
    their_patient, their_program, _ = other
    (nordic,) = items_of(their_program)
    response = patient_client.post(CHECK_IN, check_in_data([nordic], pain="5"))
    assert response.status_code in (200, 302)
    assert not CheckIn.objects.filter(patient=their_patient).exists()
    assert not nordic.check_ins.exists()
    mine = CheckIn.objects.filter(patient=own_patient).first()
    assert mine is None or not mine.done.exists()
    # The service refuses it outright.
    with pytest.raises(ValidationError, match="current plan"):
        program_services.check_in_record(
            patient=own_patient, day=timezone.localdate(), done=[nordic], pain=5
        )
    assert not nordic.check_ins.exists()


def test_patient_without_a_program_cannot_tick_anothers(patient_client, own_patient, other):
    _, their_program, _ = other
    (nordic,) = items_of(their_program)
    patient_client.post(CHECK_IN, check_in_data([nordic], pain="5"))
    assert not nordic.check_ins.exists()


# --- The patient page: what each role sees ------------------------------------------------------


def test_front_desk_sees_the_invitation_but_not_the_program(
    front_desk_client, own_patient, own_program
):
    patient = PatientFactory()
    build_program(own_program.created_by, TYLER, patient=patient)
    html = front_desk_client.get(f"/patients/{patient.uuid}/").content.decode()
    assert 'data-testid="portal-section"' in html
    assert "Invite to portal" in html
    assert 'data-testid="adherence"' not in html
    assert "Adherence" not in html
    assert 'data-testid="pain-trend"' not in html
    assert "Active program" not in html
    assert "Tyler twist" not in html
    assert "/handout/" not in html
    # Nor can the front desk open the handout itself.
    program = patient.programs.get()
    assert front_desk_client.get(handout_url(program)).status_code == 404
    assert front_desk_client.get(pdf_url(program)).status_code == 404


@pytest.mark.parametrize("reader", ["physio_client", "manager_client"])
def test_clinicians_see_the_program_and_its_adherence(request, reader, own_patient, own_program):
    client = request.getfixturevalue(reader)
    html = client.get(f"/patients/{own_patient.uuid}/").content.decode()
    assert "Active program: 2 exercises" in html
    assert handout_url(own_program) in html
    assert 'data-testid="adherence"' in html
    assert 'data-testid="pain-trend"' in html


def test_patient_page_without_a_program(physio_client, own_patient):
    html = physio_client.get(f"/patients/{own_patient.uuid}/").content.decode()
    assert "No active home program." in html
    assert 'data-testid="adherence"' not in html


# --- Query budget -------------------------------------------------------------------------------


@pytest.mark.parametrize("checked_in", [False, True], ids=["before-check-in", "after-check-in"])
def test_my_plan_queries_do_not_grow_with_the_program(
    physio, own_patient, patient_client, django_assert_num_queries, checked_in
):
    def my_plan_queries(size):
        program = build_program(physio, *SIX_CODES[:size], patient=own_patient)
        if checked_in:
            program_services.check_in_record(
                patient=own_patient, day=timezone.localdate(), done=items_of(program), pain=2
            )
        with CaptureQueriesContext(connection) as queries:
            response = patient_client.get(HOME)
        assert response.content.decode().count('data-testid="exercise-card"') == size
        sign(program.visit)  # so that the next version is made in a new visit
        return len(queries)

    with_two = my_plan_queries(2)
    with django_assert_num_queries(with_two):
        response = patient_client.get(HOME)
    # A newer version with six exercises: the same number of queries.
    assert my_plan_queries(6) == with_two
    assert with_two == PORTAL_HOME_QUERIES
    assert response.status_code == 200
