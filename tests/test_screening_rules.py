"""The contraindication screening decides where IASTR may be applied (DESIGN.md, "Clinical rules").

First through the services, as the physiotherapist meets the rules; then straight to the database
with raw SQL, where the ``application_screening_rules`` trigger must refuse the same rows.
"""

import re

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, transaction

from tests.clinical import (
    NEEDS_PRECAUTION,
    NO_SCREENING,
    PRECAUTION,
    REFUSED_FOR_VISIT,
    apply,
    finding,
    make_visit,
    messages,
    pgcode,
    raw_execute,
    raw_insert_application,
    screen,
    screen_acknowledged,
    session_for,
)
from treatments.models import (
    Application,
    BloodPressurePolicy,
    Contraindication,
    Screening,
    ScreeningFinding,
)
from treatments.services import screening_evaluate

pytestmark = pytest.mark.django_db


@pytest.fixture
def visit(physio):
    return make_visit(physio)


def applications(visit):
    return list(Application.objects.filter(session__visit=visit).values_list("region_id", "side"))


# --- The rule matrix: severity x scope x where the application is --------------------------------

# One catalogue item per severity and scope (treatments/reference/contraindications.json).
ITEMS = {
    ("absolute", "systemic"): "hemophilia",
    ("absolute", "local"): "hematoma",
    ("relative", "systemic"): "anticoagulants",
    ("relative", "local"): "varicose_veins",
}
# Every finding is entered at the left calf (a systemic one has its site dropped by the service).
FINDING_SITE = ("calf", "left")
TARGETS = {
    "same_region_same_side": ("calf", "left"),
    "same_region_other_side": ("calf", "right"),
    "same_region_both_sides": ("calf", "both"),
    "other_region": ("knee", "left"),
}
ALLOWED, SITE_REFUSED, VISIT_REFUSED = "allowed", "refused at the site", "refused for the visit"


def expected_once_acknowledged(severity, scope, target):
    if severity == "absolute" and scope == "systemic":
        return VISIT_REFUSED
    if severity == "absolute" and target in ("same_region_same_side", "same_region_both_sides"):
        return SITE_REFUSED
    return ALLOWED


def expected_before_acknowledgement(severity, scope, target):
    """Only a relative finding needs the precaution; an absolute local one refuses its own site
    and leaves the rest of the body clear."""
    expected = expected_once_acknowledged(severity, scope, target)
    if expected == ALLOWED and severity == "relative":
        return NEEDS_PRECAUTION
    return expected


MATRIX = [
    pytest.param(
        severity,
        scope,
        target,
        expected_once_acknowledged(severity, scope, target),
        id=f"{severity}-{scope}-{target}",
    )
    for (severity, scope) in ITEMS
    for target in TARGETS
]
MATRIX_BEFORE_ACKNOWLEDGEMENT = [
    pytest.param(
        severity,
        scope,
        target,
        expected_before_acknowledgement(severity, scope, target),
        id=f"{severity}-{scope}-{target}",
    )
    for (severity, scope) in ITEMS
    for target in TARGETS
]


@pytest.mark.parametrize(
    ("severity", "scope", "result"),
    [
        ("absolute", "systemic", "refused"),
        # Refused at its site only (listed in the reasons); the rest of the body is clear.
        ("absolute", "local", "clear"),
        ("relative", "systemic", "precautions"),
        ("relative", "local", "precautions"),
    ],
)
def test_screening_result_for_each_severity_and_scope(visit, severity, scope, result):
    code = ITEMS[severity, scope]
    item = Contraindication.objects.get(code=code)
    assert (item.severity, item.scope) == (severity, scope)

    screening = screen(visit, finding(code, *FINDING_SITE))

    assert screening.result == result
    assert len(screening.result_reasons) == 1
    assert item.label in screening.result_reasons[0]
    stored = screening.findings.get()
    if scope == "systemic":
        # A systemic item applies to the whole body: a site typed with it is not kept.
        assert (stored.region_id, stored.side) == (None, "")
    else:
        assert (stored.region_id, stored.side) == FINDING_SITE


@pytest.mark.parametrize(("severity", "scope", "target", "expected"), MATRIX)
def test_rule_matrix_once_the_precaution_is_acknowledged(visit, severity, scope, target, expected):
    code = ITEMS[severity, scope]
    screen_acknowledged(visit, finding(code, *FINDING_SITE))
    region, side = TARGETS[target]

    if expected == ALLOWED:
        application = apply(visit, region, side)
        assert applications(visit) == [(region, side)]
        assert application.duration_seconds == 60
        return

    with pytest.raises(ValidationError) as excinfo:
        apply(visit, region, side)
    if expected == VISIT_REFUSED:
        assert messages(excinfo.value) == REFUSED_FOR_VISIT
    else:
        label = Contraindication.objects.get(code=code).label.lower()
        assert f"IASTR is refused at Calf ({side})" in messages(excinfo.value)
        assert label in messages(excinfo.value)
    assert applications(visit) == []


@pytest.mark.parametrize(("severity", "scope", "target", "expected"), MATRIX_BEFORE_ACKNOWLEDGEMENT)
def test_rule_matrix_before_the_precaution_is_acknowledged(
    visit, severity, scope, target, expected
):
    code = ITEMS[severity, scope]
    screen(visit, finding(code, *FINDING_SITE), precaution=PRECAUTION, acknowledge=False)
    region, side = TARGETS[target]

    if expected == ALLOWED:
        # An absolute local finding elsewhere needs no precaution.
        apply(visit, region, side)
        assert applications(visit) == [(region, side)]
        return
    with pytest.raises(ValidationError) as excinfo:
        apply(visit, region, side)

    if expected == VISIT_REFUSED:
        assert messages(excinfo.value) == REFUSED_FOR_VISIT
    elif expected == SITE_REFUSED:
        assert f"IASTR is refused at Calf ({side})" in messages(excinfo.value)
    else:
        # Allowed only once the written precaution is acknowledged.
        assert messages(excinfo.value) == NEEDS_PRECAUTION
    assert applications(visit) == []


def test_absolute_local_finding_alone_is_clear_except_its_site(visit):
    screening = screen(visit, finding("open_wound", "forearm", "left"))

    assert screening.result == "clear"
    assert screening.result_reasons == [
        "Open wound or unhealed skin at the site (Forearm, left): IASTR refused at this site."
    ]
    assert screening.refused_sites == ["Forearm (left)"]
    assert screening.precaution_acknowledged_at is None
    with pytest.raises(ValidationError, match=r"IASTR is refused at Forearm \(left\)"):
        apply(visit, "forearm", "left")
    # Everywhere else without any precaution to acknowledge.
    apply(visit, "forearm", "right")
    apply(visit, "calf", "left")
    assert sorted(applications(visit)) == [("calf", "left"), ("forearm", "right")]


def test_evaluation_lists_the_refused_sites_of_a_clear_result():
    policy = BloodPressurePolicy.current()
    evaluation = screening_evaluate(
        findings=[finding("hematoma", "calf", "left"), finding("open_wound", "neck", "midline")],
        systolic=120,
        diastolic=80,
        policy=policy,
    )
    assert evaluation.result == "clear"
    assert evaluation.refused_sites == [("calf", "left"), ("neck", "midline")]
    assert len(evaluation.reasons) == 2
    assert all(r.endswith(": IASTR refused at this site.") for r in evaluation.reasons)


def test_absolute_local_finding_refuses_only_that_region_and_side(visit):
    screen_acknowledged(visit, finding("open_wound", "shoulder", "right"))

    with pytest.raises(ValidationError, match=r"IASTR is refused at Shoulder \(right\)"):
        apply(visit, "shoulder", "right")
    apply(visit, "shoulder", "left")
    apply(visit, "elbow_lateral", "right")

    assert sorted(applications(visit)) == [("elbow_lateral", "right"), ("shoulder", "left")]


def test_absolute_local_finding_on_both_sides_refuses_either_side(visit):
    screen_acknowledged(visit, finding("hematoma", "calf", "both"))

    for side in ("left", "right", "both"):
        with pytest.raises(ValidationError, match=r"IASTR is refused at Calf"):
            apply(visit, "calf", side)
    apply(visit, "knee", "left")

    assert applications(visit) == [("knee", "left")]


def test_absolute_local_finding_at_an_unsided_region_refuses_that_region(visit):
    screen_acknowledged(visit, finding("surgical_incision", "lower_back", "midline"))

    with pytest.raises(ValidationError, match=r"IASTR is refused at Lower back / lumbar"):
        apply(visit, "lower_back", "midline")
    apply(visit, "upper_back", "midline")

    assert applications(visit) == [("upper_back", "midline")]


def test_local_finding_without_a_site_is_refused(visit):
    with pytest.raises(ValidationError, match="give the region and side"):
        screen(visit, finding("hematoma"))
    with pytest.raises(ValidationError, match="Neck is recorded with side: midline"):
        screen(visit, finding("hematoma", "neck", "left"))
    assert not Screening.objects.filter(visit=visit).exists()


# --- Two findings at once ------------------------------------------------------------------------


def test_relative_systemic_and_absolute_local_findings_together(visit):
    both = (finding("anticoagulants"), finding("hematoma", "calf", "left"))
    screening = screen(visit, *both)
    assert screening.result == "precautions"
    assert len(screening.result_reasons) == 2

    with pytest.raises(ValidationError) as excinfo:
        apply(visit, "knee", "left")
    assert messages(excinfo.value) == NEEDS_PRECAUTION

    screen_acknowledged(visit, *both)
    with pytest.raises(ValidationError, match=r"IASTR is refused at Calf \(left\)"):
        apply(visit, "calf", "left")
    apply(visit, "calf", "right")
    apply(visit, "knee", "left")
    assert sorted(applications(visit)) == [("calf", "right"), ("knee", "left")]


def test_absolute_systemic_and_relative_local_findings_together_refuse_everywhere(visit):
    screening = screen_acknowledged(
        visit, finding("hemophilia"), finding("varicose_veins", "calf", "left")
    )
    assert screening.result == "refused"
    assert len(screening.result_reasons) == 2
    # Nothing to acknowledge on a refused screening: IASTR is off for the visit.
    assert screening.precaution_acknowledged_at is None

    for region, side in [("calf", "left"), ("calf", "right"), ("neck", "midline")]:
        with pytest.raises(ValidationError) as excinfo:
            apply(visit, region, side)
        assert messages(excinfo.value) == REFUSED_FOR_VISIT
    assert applications(visit) == []


def test_two_absolute_local_findings_refuse_both_sites_only(visit):
    screen_acknowledged(
        visit, finding("hematoma", "calf", "left"), finding("open_wound", "knee", "right")
    )

    with pytest.raises(ValidationError, match=r"Calf \(left\)"):
        apply(visit, "calf", "left")
    with pytest.raises(ValidationError, match=r"Knee \(incl. patellar tendon\) \(right\)"):
        apply(visit, "knee", "right")
    apply(visit, "calf", "right")
    apply(visit, "knee", "left")

    assert sorted(applications(visit)) == [("calf", "right"), ("knee", "left")]


def test_same_absolute_local_item_at_two_sites_refuses_both(visit):
    screen_acknowledged(
        visit, finding("open_wound", "calf", "left"), finding("open_wound", "forearm", "right")
    )

    for region, side in [("calf", "left"), ("forearm", "right")]:
        with pytest.raises(ValidationError, match="IASTR is refused at"):
            apply(visit, region, side)
    apply(visit, "calf", "right")
    assert applications(visit) == [("calf", "right")]


# --- Blood pressure at and around both lines (160/100 absolute, 140/90 caution) ------------------

BP_CASES = [
    pytest.param((120, 80), "clear", id="120/80"),
    pytest.param((139, 89), "clear", id="139/89"),
    pytest.param((140, 89), "precautions", id="140/89"),
    pytest.param((139, 90), "precautions", id="139/90"),
    pytest.param((159, 99), "precautions", id="159/99"),
    pytest.param((160, 99), "refused", id="160/99"),
    pytest.param((159, 100), "refused", id="159/100"),
    pytest.param((185, 110), "refused", id="185/110"),
]


@pytest.mark.parametrize(("bp", "result"), BP_CASES)
def test_blood_pressure_lines(visit, bp, result):
    policy = BloodPressurePolicy.current()
    assert (policy.absolute_systolic, policy.absolute_diastolic) == (160, 100)
    assert (policy.caution_systolic, policy.caution_diastolic) == (140, 90)

    evaluation = screening_evaluate(findings=[], systolic=bp[0], diastolic=bp[1], policy=policy)
    assert evaluation.result == result
    assert not Screening.objects.exists()  # evaluating writes nothing

    screening = screen(visit, bp=bp)
    assert screening.result == result
    if result == "clear":
        assert screening.result_reasons == []
        apply(visit, "calf", "left")
        assert applications(visit) == [("calf", "left")]
        return
    reasons = " ".join(screening.result_reasons)
    if result == "refused":
        assert "160/100: uncontrolled hypertension" in reasons
        screen_acknowledged(visit, bp=bp)
        with pytest.raises(ValidationError) as excinfo:
            apply(visit, "calf", "left")
        assert messages(excinfo.value) == REFUSED_FOR_VISIT
        assert applications(visit) == []
        return
    assert "caution line of 140/90" in reasons
    with pytest.raises(ValidationError) as excinfo:
        apply(visit, "calf", "left")
    assert messages(excinfo.value) == NEEDS_PRECAUTION
    screen_acknowledged(visit, bp=bp)
    apply(visit, "calf", "left")
    assert applications(visit) == [("calf", "left")]


def test_blood_pressure_reading_is_named_in_the_reason(visit):
    screening = screen(visit, bp=(150, 104))
    assert screening.result_reasons == [
        "Blood pressure 150/104 is at or above the clinic's line of 160/100: uncontrolled "
        "hypertension."
    ]


# --- Blood pressure is required to complete the screening ----------------------------------------

BP_REQUIRED = re.escape(
    "Take the blood pressure (systolic and diastolic) to complete the screening"
)


@pytest.mark.parametrize("bp", [(None, 100), (160, None), (None, 89), (139, None)])
@pytest.mark.parametrize("complete", [True, False], ids=["complete", "draft"])
def test_one_blood_pressure_value_alone_is_refused(visit, bp, complete):
    with pytest.raises(ValidationError, match="one alone is not a reading"):
        screen(visit, bp=bp, complete=complete)
    assert not Screening.objects.filter(visit=visit).exists()


def test_completing_without_blood_pressure_is_refused(visit):
    with pytest.raises(ValidationError, match=BP_REQUIRED):
        screen(visit, bp=(None, None))
    assert not Screening.objects.filter(visit=visit).exists()

    # A draft may wait for the reading.
    draft = screen(visit, bp=(None, None), complete=False)
    assert (draft.systolic, draft.diastolic, draft.completed_at) == (None, None, None)
    with pytest.raises(ValidationError, match=BP_REQUIRED):
        screen(visit, bp=(None, None))
    assert Screening.objects.get(visit=visit).completed_at is None


@pytest.mark.parametrize("reason", ["", "   "], ids=["empty", "blank"])
def test_not_measured_needs_a_reason(visit, reason):
    with pytest.raises(ValidationError, match=BP_REQUIRED):
        screen(visit, bp=(None, None), bp_not_measured=reason)
    assert not Screening.objects.filter(visit=visit).exists()


def test_a_reading_and_not_measured_together_are_refused(visit):
    with pytest.raises(ValidationError, match="keep one of them"):
        screen(visit, bp=(120, 80), bp_not_measured="Cuff too small")
    assert not Screening.objects.filter(visit=visit).exists()


def test_blood_pressure_not_measured_needs_an_acknowledged_precaution(visit, physio):
    screening = screen(visit, bp=(None, None), bp_not_measured="  Both arms in casts  ")

    assert screening.is_complete
    assert screening.bp_not_measured_reason == "Both arms in casts"
    assert screening.result == "precautions"
    assert screening.result_reasons == ["Blood pressure could not be measured: Both arms in casts"]
    with pytest.raises(ValidationError) as excinfo:
        apply(visit, "calf", "left")
    assert messages(excinfo.value) == NEEDS_PRECAUTION

    with pytest.raises(ValidationError, match="Write the precaution"):
        screen(visit, bp=(None, None), bp_not_measured="Both arms in casts", acknowledge=True)
    screening = screen(
        visit,
        bp=(None, None),
        bp_not_measured="Both arms in casts",
        precaution=PRECAUTION,
        acknowledge=True,
    )
    assert screening.precaution_acknowledged_by == physio
    apply(visit, "calf", "left")
    assert applications(visit) == [("calf", "left")]


def test_a_reading_taken_later_replaces_not_measured(visit):
    screen(visit, bp=(None, None), bp_not_measured="Cuff too small")
    screening = screen(visit, bp=(128, 82))
    assert (screening.bp_not_measured_reason, screening.result) == ("", "clear")
    apply(visit, "calf", "left")


@pytest.mark.parametrize(
    "sql",
    [
        pytest.param(
            "UPDATE treatments_screening SET systolic = NULL, diastolic = NULL WHERE id = %s",
            id="completed-without-reading-or-reason",
        ),
        pytest.param(
            "UPDATE treatments_screening SET diastolic = NULL WHERE id = %s", id="systolic-alone"
        ),
        pytest.param(
            "UPDATE treatments_screening SET bp_not_measured_reason = 'No cuff' WHERE id = %s",
            id="reading-and-reason",
        ),
    ],
)
def test_database_refuses_a_completed_screening_without_a_proper_blood_pressure(visit, sql):
    screening = screen(visit)

    with pytest.raises(IntegrityError), transaction.atomic():
        raw_execute(sql, [screening.pk])
    stored = Screening.objects.get(pk=screening.pk)
    assert (stored.systolic, stored.diastolic, stored.bp_not_measured_reason) == (120, 80, "")


def test_database_accepts_a_draft_without_blood_pressure_and_not_measured_with_reason(visit):
    screening = screen(visit, bp=(None, None), complete=False)
    raw_execute(
        "UPDATE treatments_screening SET completed_at = now(), result = 'precautions', "
        "bp_not_measured_reason = 'Cuff too small' WHERE id = %s",
        [screening.pk],
    )
    assert Screening.objects.get(pk=screening.pk).is_complete


# --- Completion and acknowledgement --------------------------------------------------------------


def test_no_screening_refuses_application(visit):
    with pytest.raises(ValidationError) as excinfo:
        apply(visit, "calf", "left")
    assert messages(excinfo.value) == NO_SCREENING
    assert applications(visit) == []


def test_incomplete_screening_refuses_application(visit):
    screening = screen(visit, complete=False)
    assert screening.completed_at is None

    with pytest.raises(ValidationError) as excinfo:
        apply(visit, "calf", "left")
    assert messages(excinfo.value) == NO_SCREENING

    screen(visit, complete=True)
    apply(visit, "calf", "left")
    assert applications(visit) == [("calf", "left")]


@pytest.mark.parametrize("text", ["", "   \n "], ids=["empty", "blank"])
def test_precaution_acknowledged_without_text_is_refused(visit, text):
    with pytest.raises(ValidationError, match="Write the precaution"):
        screen(visit, finding("anticoagulants"), precaution=text, acknowledge=True)
    assert not Screening.objects.filter(visit=visit).exists()

    with pytest.raises(ValidationError) as excinfo:
        apply(visit, "calf", "left")
    assert messages(excinfo.value) == NO_SCREENING


def test_written_but_unacknowledged_precaution_refuses_application(visit):
    screening = screen(visit, finding("osteoporosis"), precaution=PRECAUTION)
    assert screening.precaution == PRECAUTION
    assert screening.precaution_acknowledged_at is None

    with pytest.raises(ValidationError) as excinfo:
        apply(visit, "calf", "left")
    assert messages(excinfo.value) == NEEDS_PRECAUTION


def test_after_acknowledgement_application_is_allowed(visit, physio):
    screening = screen(visit, finding("osteoporosis"), precaution=PRECAUTION, acknowledge=True)
    assert screening.precaution_acknowledged_at is not None
    assert screening.precaution_acknowledged_by == physio

    apply(visit, "calf", "left")
    assert applications(visit) == [("calf", "left")]


def test_clear_screening_needs_no_acknowledgement(visit):
    screening = screen(visit, precaution="", acknowledge=False)
    assert screening.result == "clear"
    apply(visit, "neck", "midline")
    assert applications(visit) == [("neck", "midline")]


# --- Changing the screening after treating -------------------------------------------------------


@pytest.mark.parametrize(
    ("new_findings", "acknowledge"),
    [
        pytest.param([("hematoma", "calf", "left")], True, id="absolute-local-at-treated-site"),
        pytest.param([("hematoma", "calf", "both")], True, id="absolute-local-both-sides"),
        pytest.param([("hemophilia",)], True, id="absolute-systemic"),
        pytest.param([("anticoagulants",)], False, id="precaution-not-acknowledged"),
    ],
)
def test_screening_change_that_would_refuse_an_existing_application_raises(
    visit, new_findings, acknowledge
):
    screen(visit)
    apply(visit, "calf", "left")

    with pytest.raises(ValidationError) as excinfo:
        screen(
            visit,
            *(finding(*f) for f in new_findings),
            precaution=PRECAUTION,
            acknowledge=acknowledge,
        )

    assert "would refuse an application already recorded (Calf)" in messages(excinfo.value)
    assert "remove that application first" in messages(excinfo.value)
    screening = Screening.objects.get(visit=visit)
    assert screening.result == "clear"
    assert not screening.findings.exists()
    assert applications(visit) == [("calf", "left")]


def test_screening_change_that_still_allows_existing_applications_is_saved(visit):
    screen(visit)
    apply(visit, "calf", "left")

    screening = screen(visit, finding("hematoma", "calf", "right"))

    assert screening.result == "clear"
    assert screening.refused_sites == ["Calf (right)"]
    assert applications(visit) == [("calf", "left")]


# --- The same rules straight to the database (raw SQL, no services) ------------------------------


def raw_refusal(visit, region, side):
    """Try a raw INSERT; return the SQLSTATE the database refused it with."""
    session = session_for(visit)
    with pytest.raises(DatabaseError) as excinfo, transaction.atomic():
        raw_insert_application(session.pk, region, side)
    return pgcode(excinfo)


def test_database_refuses_systemic_absolute_finding_even_with_result_forced_clear(visit):
    screening = screen(visit)
    ScreeningFinding.objects.create(
        screening=screening, contraindication=Contraindication.objects.get(code="hemophilia")
    )
    Screening.objects.filter(pk=screening.pk).update(result="clear")

    assert raw_refusal(visit, "calf", "left") == "RV003"
    # The service misses the hidden finding; the database has the last word, in the same words.
    with pytest.raises(ValidationError) as excinfo:
        apply(visit, "calf", "left")
    assert messages(excinfo.value) == REFUSED_FOR_VISIT
    assert applications(visit) == []


def test_database_refuses_uncontrolled_blood_pressure_with_result_forced_clear(visit):
    screening = screen(visit)
    Screening.objects.filter(pk=screening.pk).update(systolic=172, diastolic=96, result="clear")

    assert raw_refusal(visit, "calf", "left") == "RV003"


def test_database_refuses_refused_screening(visit):
    screen(visit, finding("patient_intolerance"))

    assert raw_refusal(visit, "knee", "left") == "RV003"


@pytest.mark.parametrize(
    ("side", "code"),
    [("left", "RV004"), ("both", "RV004")],
    ids=["same-side", "both-sides"],
)
def test_database_refuses_absolute_local_finding_at_same_region_and_side(visit, side, code):
    screen_acknowledged(visit, finding("hematoma", "calf", "left"))

    assert raw_refusal(visit, "calf", side) == code


def test_database_allows_absolute_local_finding_elsewhere_once_acknowledged(visit):
    screen_acknowledged(visit, finding("hematoma", "calf", "left"))
    session = session_for(visit)

    raw_insert_application(session.pk, "calf", "right")
    raw_insert_application(session.pk, "knee", "left")

    assert sorted(applications(visit)) == [("calf", "right"), ("knee", "left")]


def test_database_refuses_moving_an_application_onto_a_refused_site(visit):
    screen_acknowledged(visit, finding("hematoma", "calf", "left"))
    application = apply(visit, "calf", "right")

    with pytest.raises(DatabaseError) as excinfo, transaction.atomic():
        raw_execute(
            "UPDATE treatments_application SET side = 'left' WHERE id = %s", [application.pk]
        )
    assert pgcode(excinfo) == "RV004"
    assert applications(visit) == [("calf", "right")]


def test_database_refuses_unacknowledged_precautions(visit):
    screen(visit, finding("anticoagulants"), precaution=PRECAUTION)

    assert raw_refusal(visit, "calf", "left") == "RV005"


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"findings": ["varicose_veins"]}, id="relative-finding"),
        pytest.param({"bp": (146, 84)}, id="blood-pressure-over-caution-line"),
        pytest.param({"bp": (None, None), "reason": "Cuff too small"}, id="bp-not-measured"),
    ],
)
def test_database_refuses_precautions_hidden_behind_clear_result(visit, change):
    screening = screen(visit)
    for code in change.get("findings", []):
        ScreeningFinding.objects.create(
            screening=screening,
            contraindication=Contraindication.objects.get(code=code),
            region_id="knee",
            side="right",
        )
    if "bp" in change:
        systolic, diastolic = change["bp"]
        Screening.objects.filter(pk=screening.pk).update(
            systolic=systolic,
            diastolic=diastolic,
            bp_not_measured_reason=change.get("reason", ""),
        )
    Screening.objects.filter(pk=screening.pk).update(result="clear")

    assert raw_refusal(visit, "calf", "left") == "RV005"


def test_database_allows_elsewhere_and_refuses_the_site_of_an_absolute_local_finding_unacknowledged(
    visit,
):
    # The RV005 branch no longer counts absolute local findings: only RV004 at their site.
    screen(visit, finding("hematoma", "knee", "right"))
    session = session_for(visit)

    assert raw_refusal(visit, "knee", "right") == "RV004"
    raw_insert_application(session.pk, "calf", "left")
    raw_insert_application(session.pk, "knee", "left")
    assert sorted(applications(visit)) == [("calf", "left"), ("knee", "left")]


def test_database_refuses_application_without_screening(visit):
    assert not Screening.objects.filter(visit=visit).exists()

    assert raw_refusal(visit, "calf", "left") == "RV002"


def test_database_refuses_application_with_incomplete_screening(visit):
    screen(visit, complete=False)

    assert raw_refusal(visit, "calf", "left") == "RV002"


def test_database_accepts_an_allowed_raw_insert(visit):
    screen(visit)
    session = session_for(visit)

    new_id = raw_insert_application(session.pk, "calf", "left", seconds=90)

    application = Application.objects.get(pk=new_id)
    assert (application.region_id, application.side) == ("calf", "left")
    assert application.duration_display == "1:30"
    assert application.session.visit == visit


@pytest.mark.parametrize(
    ("site", "side"),
    [
        pytest.param(("neck", "midline"), "left", id="unsided-region-given-a-side"),
        pytest.param(("calf", "left"), "midline", id="sided-region-given-midline"),
        pytest.param(("calf", "left"), "", id="sided-region-given-no-side"),
    ],
)
def test_database_refuses_absolute_local_site_whatever_side_is_written(visit, site, side):
    screen_acknowledged(visit, finding("hematoma", *site))
    session = session_for(visit)

    with pytest.raises(DatabaseError), transaction.atomic():
        raw_insert_application(session.pk, site[0], side)
    assert applications(visit) == []
