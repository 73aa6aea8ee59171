"""The contraindication screening decides where IASTR may be applied (DESIGN.md, "Clinical rules").

First through the services, as the physiotherapist meets the rules; then straight to the database
with raw SQL, where the ``application_screening_rules`` trigger must refuse the same rows.
"""

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction

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


@pytest.mark.parametrize(
    ("severity", "scope", "result"),
    [
        ("absolute", "systemic", "refused"),
        ("absolute", "local", "precautions"),
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


@pytest.mark.parametrize(("severity", "scope", "target", "expected"), MATRIX)
def test_rule_matrix_before_the_precaution_is_acknowledged(
    visit, severity, scope, target, expected
):
    code = ITEMS[severity, scope]
    screen(visit, finding(code, *FINDING_SITE), precaution=PRECAUTION, acknowledge=False)
    region, side = TARGETS[target]

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
    pytest.param((None, 100), "refused", id="missing-systolic/100"),
    pytest.param((160, None), "refused", id="160/missing-diastolic"),
    pytest.param((None, 90), "precautions", id="missing-systolic/90"),
    pytest.param((140, None), "precautions", id="140/missing-diastolic"),
    pytest.param((None, 89), "clear", id="missing-systolic/89"),
    pytest.param((139, None), "clear", id="139/missing-diastolic"),
    pytest.param((None, None), "clear", id="not-taken"),
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
    screening = screen(visit, bp=(None, 104))
    assert screening.result_reasons == [
        "Blood pressure ?/104 is at or above the clinic's line of 160/100: uncontrolled "
        "hypertension."
    ]


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

    screening = screen_acknowledged(visit, finding("hematoma", "calf", "right"))

    assert screening.result == "precautions"
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
        pytest.param({"findings": ["hematoma"]}, id="absolute-local-finding-elsewhere"),
        pytest.param({"bp": (146, 84)}, id="blood-pressure-over-caution-line"),
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
        Screening.objects.filter(pk=screening.pk).update(systolic=systolic, diastolic=diastolic)
    Screening.objects.filter(pk=screening.pk).update(result="clear")

    assert raw_refusal(visit, "calf", "left") == "RV005"


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
