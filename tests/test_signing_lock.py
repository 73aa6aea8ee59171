"""Signing locks a visit: the services refuse to change it, the database refuses raw SQL on every
clinical row of it, corrections go in append-only addenda, and pghistory keeps the earlier values.
"""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction

from tests.clinical import (
    PRECAUTION,
    SIGNED,
    apply,
    finding,
    make_visit,
    messages,
    pgcode,
    raw_execute,
    raw_insert_application,
    screen,
    signable,
)
from treatments import services
from treatments.models import (
    Addendum,
    Application,
    Assessment,
    BodyRegion,
    OutcomeMeasure,
    Screening,
    TreatmentSession,
    Visit,
)

pytestmark = pytest.mark.django_db

COMPLAINT = "Left calf tightness after running, 3 weeks"


@pytest.fixture
def signed_visit(physio):
    """A complete visit (assessment with a site and a score, a screening with an acknowledged
    precaution, a session with one application), signed by ``physio``."""
    visit = make_visit(physio)
    services.assessment_save(
        visit=visit,
        fields={"complaint": COMPLAINT},
        sites=[{"region": BodyRegion.objects.get(code="calf"), "side": "left"}],
        scores={OutcomeMeasure.objects.get(code="NPRS"): Decimal("6")},
    )
    screen(visit, finding("osteoporosis"), precaution=PRECAUTION, acknowledge=True)
    services.session_save(visit=visit, fields={"warm_up": "5 min bike", "tolerance": "good"})
    apply(visit, "calf", "left", seconds=90)
    return services.visit_sign(visit=visit, by=physio)


def test_signing_locks_the_visit_with_signer_and_time(signed_visit, physio):
    visit = Visit.objects.get(pk=signed_visit.pk)
    assert visit.is_signed
    assert visit.signed_by == physio
    assert visit.signed_at is not None
    assert visit.current_step == "review"


# --- Through the services ------------------------------------------------------------------------


def change_session(visit):
    services.session_save(visit=visit, fields={"warm_up": "changed"})


def add_application(visit):
    apply(visit, "knee", "left")


def change_assessment(visit):
    services.assessment_save(visit=visit, fields={"complaint": "changed"}, sites=[], scores={})


def change_screening(visit):
    screen(visit)


def remove_application(visit):
    application = Application.objects.get(session__visit=visit)
    services.application_remove(visit=visit, application=application)


def sign_again(visit):
    services.visit_sign(visit=visit, by=visit.practitioner.user)


@pytest.mark.parametrize(
    "change",
    [
        change_session,
        add_application,
        change_assessment,
        change_screening,
        remove_application,
        sign_again,
    ],
)
def test_signed_visit_refuses_changes_through_the_services(signed_visit, change):
    with pytest.raises(ValidationError) as excinfo:
        change(signed_visit)

    assert "signed" in messages(excinfo.value)
    assert messages(excinfo.value) == SIGNED
    assert_record_unchanged(signed_visit)


def assert_record_unchanged(visit):
    session = TreatmentSession.objects.get(visit=visit)
    assert (session.warm_up, session.tolerance) == ("5 min bike", "good")
    assessment = Assessment.objects.get(visit=visit)
    assert assessment.complaint == COMPLAINT
    assert list(assessment.sites.values_list("region_id", "side")) == [("calf", "left")]
    assert [s.value for s in visit.scores.all()] == [Decimal("6")]
    screening = Screening.objects.get(visit=visit)
    assert screening.result == "precautions"
    assert screening.precaution_acknowledged_at is not None
    assert list(screening.findings.values_list("contraindication_id", flat=True)) == [
        "osteoporosis"
    ]
    assert list(
        Application.objects.filter(session__visit=visit).values_list(
            "region_id", "side", "duration_seconds"
        )
    ) == [("calf", "left", 90)]
    assert Visit.objects.get(pk=visit.pk).status == "signed"


# --- Straight to the database --------------------------------------------------------------------

RAW_WRITES = {
    "update session": (
        "UPDATE treatments_treatmentsession SET warm_up = 'changed', tolerance = 'poor' "
        "WHERE visit_id = %(visit)s"
    ),
    "delete application": (
        "DELETE FROM treatments_application WHERE session_id IN "
        "(SELECT id FROM treatments_treatmentsession WHERE visit_id = %(visit)s)"
    ),
    "update application": (
        "UPDATE treatments_application SET duration_seconds = 30 WHERE session_id IN "
        "(SELECT id FROM treatments_treatmentsession WHERE visit_id = %(visit)s)"
    ),
    "update assessment": (
        "UPDATE treatments_assessment SET complaint = 'changed' WHERE visit_id = %(visit)s"
    ),
    "delete adhesion site": (
        "DELETE FROM treatments_adhesionsite WHERE assessment_id IN "
        "(SELECT id FROM treatments_assessment WHERE visit_id = %(visit)s)"
    ),
    "update outcome score": (
        "UPDATE treatments_outcomescore SET value = 2 WHERE visit_id = %(visit)s"
    ),
    "update screening": (
        "UPDATE treatments_screening SET precaution = 'changed' WHERE visit_id = %(visit)s"
    ),
    "delete screening finding": (
        "DELETE FROM treatments_screeningfinding WHERE screening_id IN "
        "(SELECT id FROM treatments_screening WHERE visit_id = %(visit)s)"
    ),
    "insert screening finding": (
        "INSERT INTO treatments_screeningfinding (screening_id, contraindication_id, side, note) "
        "SELECT id, 'hemophilia', '', '' FROM treatments_screening WHERE visit_id = %(visit)s"
    ),
}


@pytest.mark.parametrize("sql", RAW_WRITES.values(), ids=RAW_WRITES.keys())
def test_database_refuses_raw_writes_to_a_signed_visit(signed_visit, sql):
    with pytest.raises(DatabaseError) as excinfo, transaction.atomic():
        raw_execute(sql, {"visit": signed_visit.pk})

    assert pgcode(excinfo) == "RV001"
    assert "This visit is signed" in str(excinfo.value)
    assert_record_unchanged(signed_visit)


def test_database_refuses_a_raw_insert_of_a_new_application(signed_visit):
    session = TreatmentSession.objects.get(visit=signed_visit)

    with pytest.raises(DatabaseError) as excinfo, transaction.atomic():
        raw_insert_application(session.pk, "knee", "left")

    assert pgcode(excinfo) == "RV001"
    assert_record_unchanged(signed_visit)


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE treatments_visit SET status = 'draft', signed_at = NULL, signed_by_id = NULL "
        "WHERE id = %(visit)s",
        "UPDATE treatments_visit SET date = date - 1 WHERE id = %(visit)s",
        "DELETE FROM treatments_visit WHERE id = %(visit)s",
    ],
    ids=["unsign", "change date", "delete"],
)
def test_database_refuses_raw_changes_to_the_signed_visit_row(signed_visit, sql):
    with pytest.raises(DatabaseError), transaction.atomic():
        raw_execute(sql, {"visit": signed_visit.pk})

    visit = Visit.objects.get(pk=signed_visit.pk)
    assert (visit.status, visit.date) == ("signed", signed_visit.date)


def test_saving_the_signed_visit_through_the_orm_is_refused(signed_visit):
    signed_visit.current_step = "treatment"
    with pytest.raises(DatabaseError), transaction.atomic():
        signed_visit.save()

    assert Visit.objects.get(pk=signed_visit.pk).current_step == "review"


def test_a_draft_visit_stays_writable_by_raw_sql(physio):
    visit = signable(make_visit(physio))
    services.session_save(visit=visit, fields={"warm_up": "5 min bike"})

    rows = raw_execute(
        "UPDATE treatments_treatmentsession SET warm_up = 'changed' WHERE visit_id = %s",
        [visit.pk],
    )

    assert rows == 1
    assert TreatmentSession.objects.get(visit=visit).warm_up == "changed"


# --- Addenda -------------------------------------------------------------------------------------


def test_addendum_on_a_signed_visit_is_stored_with_author_and_time(signed_visit, physio):
    addendum = services.addendum_add(
        visit=signed_visit, text="  Patient phoned: mild bruising on day 2, resolved.  ", by=physio
    )

    stored = Addendum.objects.get(pk=addendum.pk)
    assert stored.visit == signed_visit
    assert stored.text == "Patient phoned: mild bruising on day 2, resolved."
    assert stored.author == physio
    assert stored.created_at is not None
    assert stored.created_at >= Visit.objects.get(pk=signed_visit.pk).signed_at
    assert list(signed_visit.addenda.values_list("text", flat=True)) == [stored.text]
    assert_record_unchanged(signed_visit)


def test_addenda_are_kept_in_order(signed_visit, physio):
    for text in ("First note.", "Second note."):
        services.addendum_add(visit=signed_visit, text=text, by=physio)

    assert list(signed_visit.addenda.values_list("text", flat=True)) == [
        "First note.",
        "Second note.",
    ]


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE treatments_addendum SET text = 'rewritten' WHERE id = %(id)s",
        "DELETE FROM treatments_addendum WHERE id = %(id)s",
    ],
    ids=["update", "delete"],
)
def test_addendum_cannot_be_changed_or_deleted_by_raw_sql(signed_visit, physio, sql):
    addendum = services.addendum_add(visit=signed_visit, text="Bruising resolved.", by=physio)

    with pytest.raises(DatabaseError), transaction.atomic():
        raw_execute(sql, {"id": addendum.pk})

    assert Addendum.objects.get(pk=addendum.pk).text == "Bruising resolved."


def test_addendum_on_a_draft_visit_is_refused(physio):
    visit = signable(make_visit(physio))

    with pytest.raises(ValidationError) as excinfo:
        services.addendum_add(visit=visit, text="A note.", by=physio)

    assert "Addenda are for signed visits" in messages(excinfo.value)
    assert not Addendum.objects.exists()


def test_empty_addendum_is_refused(signed_visit, physio):
    with pytest.raises(ValidationError, match="Write the addendum"):
        services.addendum_add(visit=signed_visit, text="   ", by=physio)
    assert not Addendum.objects.exists()


# --- Signing an incomplete visit -----------------------------------------------------------------


def test_signing_an_empty_visit_lists_what_is_missing(physio):
    visit = make_visit(physio)

    with pytest.raises(ValidationError) as excinfo:
        services.visit_sign(visit=visit, by=physio)

    assert excinfo.value.messages == [
        "Record the condition or the chief complaint in the assessment.",
        "Complete the contraindication screening.",
    ]
    assert Visit.objects.get(pk=visit.pk).status == "draft"


def test_signing_with_an_incomplete_screening_is_refused(physio):
    visit = make_visit(physio)
    services.assessment_save(visit=visit, fields={"complaint": COMPLAINT}, sites=[], scores={})
    screen(visit, complete=False)

    with pytest.raises(ValidationError) as excinfo:
        services.visit_sign(visit=visit, by=physio)

    assert excinfo.value.messages == ["Complete the contraindication screening."]


def test_signing_with_an_unacknowledged_precaution_is_refused(physio):
    visit = make_visit(physio)
    screen(visit, bp=(148, 88))

    with pytest.raises(ValidationError) as excinfo:
        services.visit_sign(visit=visit, by=physio)

    assert excinfo.value.messages == [
        "Record the condition or the chief complaint in the assessment.",
        "Write and acknowledge the precaution on the screening step.",
    ]
    assert Visit.objects.get(pk=visit.pk).status == "draft"


def test_a_blank_complaint_does_not_count(physio):
    visit = make_visit(physio)
    services.assessment_save(visit=visit, fields={"complaint": "   "}, sites=[], scores={})
    screen(visit)

    with pytest.raises(ValidationError) as excinfo:
        services.visit_sign(visit=visit, by=physio)

    assert excinfo.value.messages == [
        "Record the condition or the chief complaint in the assessment."
    ]


def test_a_visit_with_iastr_refused_can_still_be_signed(physio):
    visit = make_visit(physio)
    services.assessment_save(visit=visit, fields={"complaint": COMPLAINT}, sites=[], scores={})
    screen(visit, finding("hemophilia"))

    services.visit_sign(visit=visit, by=physio)

    assert Visit.objects.get(pk=visit.pk).is_signed


# --- History -------------------------------------------------------------------------------------


def test_history_keeps_the_sessions_earlier_values(signed_visit):
    session = TreatmentSession.objects.get(visit=signed_visit)
    history = list(session.events.order_by("pgh_id").values_list("pgh_label", "warm_up"))

    assert history[0] == ("insert", "")
    assert ("update", "5 min bike") in history
    assert TreatmentSession.pgh_event_model.objects.filter(pgh_obj=session).count() == len(history)


def test_history_shows_each_draft_edit_and_nothing_after_signing(physio):
    visit = signable(make_visit(physio))
    for warm_up in ("5 min bike", "10 min bike", "Foam roller"):
        services.session_save(visit=visit, fields={"warm_up": warm_up})
    services.visit_sign(visit=visit, by=physio)
    session = TreatmentSession.objects.get(visit=visit)

    with pytest.raises(DatabaseError), transaction.atomic():
        raw_execute(
            "UPDATE treatments_treatmentsession SET warm_up = 'tampered' WHERE id = %s",
            [session.pk],
        )

    warm_ups = list(session.events.order_by("pgh_id").values_list("warm_up", flat=True))
    assert warm_ups == ["", "5 min bike", "10 min bike", "Foam roller"]
    assert session.warm_up == "Foam roller"


def test_history_keeps_a_removed_application(physio):
    visit = signable(make_visit(physio))
    application = apply(visit, "calf", "left", seconds=45)
    pk = application.pk
    services.application_remove(visit=visit, application=application)

    events = Application.pgh_event_model.objects.filter(pgh_obj_id=pk)
    assert not Application.objects.filter(pk=pk).exists()
    # The removal is an event too (issue 9), with the row's last values.
    assert list(
        events.order_by("pgh_id").values_list("pgh_label", "region_id", "duration_seconds")
    ) == [("insert", "calf", 45), ("delete", "calf", 45)]
