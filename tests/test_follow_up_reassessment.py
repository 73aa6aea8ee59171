"""A follow-up visit's assessment step is a short re-assessment (issue 12): changes since the last
visit, pain now 0-10, and the outcome measures re-scored beside the baseline and the last score,
with the change and the measure's MCID where the catalogue knows it."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from tests.clinical import give_consent, make_visit, raw_execute
from tests.factories import PatientFactory
from tests.programs import sign
from treatments import services
from treatments.models import Assessment, OutcomeMeasure, Visit

pytestmark = pytest.mark.django_db


def url(visit, **query):
    target = reverse("visits:assessment", args=[visit.uuid])
    return target + ("?full=1" if query.get("full") else "")


def measure(code):
    return OutcomeMeasure.objects.get(code=code)


@pytest.fixture
def patient(physio):
    return give_consent(PatientFactory(first_name="Maren", last_name="Solberg"), physio)


def signed_visit(physio, patient, days_ago, scores, **fields):
    """A signed visit ``days_ago`` days back with ``scores`` (code -> value)."""
    visit = make_visit(physio, patient)
    services.assessment_save(
        visit=visit,
        fields={"complaint": "Heel pain on the first steps", **fields},
        sites=[],
        scores={measure(code): Decimal(value) for code, value in scores.items()},
    )
    Visit.objects.filter(pk=visit.pk).update(date=visit.date - datetime.timedelta(days=days_ago))
    visit.refresh_from_db()
    sign(visit)
    return visit


def post(**fields):
    return {
        "condition": "",
        "changes_since_last": "",
        "pain_now": "",
        "findings": "",
        "goals": "",
        "plan": "",
        "sites-TOTAL_FORMS": "0",
        "sites-INITIAL_FORMS": "0",
        "action": "save",
        **fields,
    }


def test_first_visit_gets_the_full_assessment(physio_client, physio, patient):
    visit = make_visit(physio, patient)
    html = physio_client.get(url(visit)).content.decode()
    assert "Step 1: Assessment" in html and "Chief complaint" in html
    assert "Changes since the last visit" not in html


def test_second_visit_gets_the_short_reassessment(physio_client, physio, patient):
    signed_visit(physio, patient, 14, {"NPRS": "7"})
    visit = make_visit(physio, patient)
    html = physio_client.get(url(visit)).content.decode()
    assert "Step 1: Re-assessment (follow-up visit)" in html
    assert "Changes since the last visit" in html and "Pain now" in html
    assert "0 to 10: 0 is no pain" in html
    # The history is not re-asked; the complaint shows as carried over.
    assert 'name="complaint"' not in html and 'name="onset"' not in html
    assert "<strong>Chief complaint:</strong> Elbow pain lifting" in html
    # Adhesion sites can be picked on the body chart here too, as on the first assessment.
    assert 'data-body-chart="sites" data-prefix="sites"' in html
    # The full form is one link away.
    full = physio_client.get(url(visit, full=True)).content.decode()
    assert "Step 1: Assessment" in full and "Chief complaint" in full


def test_reassessment_saves_and_keeps_the_copied_history(physio_client, physio, patient):
    signed_visit(physio, patient, 14, {"NPRS": "7"}, onset="Gradual, March")
    visit = make_visit(physio, patient)
    data = post(changes_since_last="Walks 20 minutes now", pain_now="4", **{"score_NPRS": "4"})
    response = physio_client.post(url(visit), data)
    assert response.status_code == 302
    assessment = Assessment.objects.get(visit=visit)
    assert (assessment.changes_since_last, assessment.pain_now) == ("Walks 20 minutes now", 4)
    # Not on the short form, so untouched: still what was copied from the last assessment.
    assert assessment.complaint == "Elbow pain lifting"  # as tests.programs.sign() left it
    assert assessment.onset == "Gradual, March"
    assert visit.scores.get().value == Decimal("4")
    review = physio_client.get(reverse("visits:review", args=[visit.uuid])).content.decode()
    assert "Walks 20 minutes now" in review and "4/10" in review


def test_reassessment_fields_are_not_copied_to_the_next_visit(physio_client, physio, patient):
    first = signed_visit(physio, patient, 14, {}, changes_since_last="Old news", pain_now=6)
    assert Assessment.objects.get(visit=first).pain_now == 6
    visit = make_visit(physio, patient)
    assert (visit.assessment.changes_since_last, visit.assessment.pain_now) == ("", None)


@pytest.mark.parametrize("typed", ["11", "-1"])
def test_pain_now_out_of_range_is_refused_and_typing_kept(physio_client, physio, patient, typed):
    signed_visit(physio, patient, 14, {})
    visit = make_visit(physio, patient)
    response = physio_client.post(url(visit), post(pain_now=typed, changes_since_last="Better"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Nothing was saved: correct the fields marked below." in html
    assert "Pain now must be between 0 and 10." in html
    assert f'value="{typed}"' in html and "Better" in html
    assert Assessment.objects.get(visit=visit).pain_now is None


def test_database_refuses_pain_now_out_of_range(physio, patient):
    visit = make_visit(physio, patient)
    with pytest.raises(IntegrityError), transaction.atomic():
        raw_execute(
            "UPDATE treatments_assessment SET pain_now = 11 WHERE visit_id = %s", [visit.pk]
        )


def test_scores_beside_the_baseline_and_the_last_with_the_mcid(physio_client, physio, patient):
    signed_visit(physio, patient, 28, {"NPRS": "7", "LEFS": "40", "FFI": "60"})
    signed_visit(physio, patient, 14, {"NPRS": "6", "LEFS": "45"})
    visit = make_visit(physio, patient)
    services.assessment_save(
        visit=visit,
        fields={},
        sites=[],
        scores={measure("NPRS"): Decimal("3"), measure("LEFS"): Decimal("47")},
    )
    progress = {p.measure.code: p for p in services.score_progress(visit, {"NPRS": 3, "LEFS": 47})}
    nprs, lefs = progress["NPRS"], progress["LEFS"]
    # Pain, lower is better, MCID 2: 7 -> 3 is 4 better; 6 -> 3 is 3 better.
    assert (nprs.baseline.value, nprs.last.value) == (Decimal("7"), Decimal("6"))
    assert nprs.since_baseline == "Better by 4 (MCID 2): clinically important."
    assert nprs.since_last == "Better by 3 (MCID 2): clinically important."
    # LEFS, higher is better, MCID 9: 40 -> 47 is 7 better (below), 45 -> 47 is 2 better.
    assert lefs.since_baseline == "Better by 7 (MCID 9): below the MCID."
    assert lefs.since_last == "Better by 2 (MCID 9): below the MCID."
    # FFI: scored once, not today, no MCID in the catalogue.
    assert progress["FFI"].since_baseline == "Not scored today."

    html = physio_client.get(url(visit)).content.decode()
    assert 'data-testid="score-progress"' in html
    assert "Better by 4 (MCID 2): clinically important." in html
    # The earlier measures are offered for re-scoring, with today's values.
    assert 'name="score_FFI"' in html and 'name="score_NPRS"' in html
    assert 'name="score_NPRS" value="3.0"' in html or 'value="3.0"' in html


def test_worse_and_unknown_mcid_words(physio, patient):
    signed_visit(physio, patient, 14, {"NPRS": "3", "GRIP": "30"})
    visit = make_visit(physio, patient)
    progress = {
        p.measure.code: p
        for p in services.score_progress(visit, {"NPRS": Decimal("4.5"), "GRIP": Decimal("30")})
    }
    assert progress["NPRS"].since_baseline == "Worse by 1.5 (MCID 2): below the MCID."
    assert progress["GRIP"].since_baseline == "No change."
    progress = services.score_progress(visit, {"GRIP": Decimal("34")})
    grip = next(p for p in progress if p.measure.code == "GRIP")
    assert grip.since_baseline == "Better by 4 (MCID not known for this measure)."


def test_another_patients_scores_do_not_count(physio, patient):
    signed_visit(physio, give_consent(PatientFactory(), physio), 14, {"NPRS": "9"})
    visit = make_visit(physio, patient)
    assert services.score_progress(visit, {}) == []
    assert not services.is_follow_up(visit)


def test_manager_reads_the_reassessment_but_cannot_post_it(manager_client, physio, patient):
    signed_visit(physio, patient, 14, {"NPRS": "7"})
    visit = make_visit(physio, patient)
    html = manager_client.get(url(visit)).content.decode()
    assert "Step 1: Re-assessment (follow-up visit)" in html
    assert "Open the full assessment" not in html
    assert manager_client.post(url(visit), post(pain_now="2")).status_code == 404
    assert Assessment.objects.get(visit=visit).pain_now is None
