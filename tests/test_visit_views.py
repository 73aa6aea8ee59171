"""The visit in the browser's terms: steps, drafts, refusals on the form, signing, access."""

import pytest
from django.urls import reverse

from tests.clinical import give_consent
from tests.factories import PatientFactory
from treatments import services
from treatments.models import (
    Application,
    BodyRegion,
    Contraindication,
    Instrument,
    Screening,
    StrokeTechnique,
    Visit,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def patient(physio):
    """A patient who consented to IASTR at registration."""
    return give_consent(PatientFactory(first_name="Noor", last_name="Haddad"), physio)


@pytest.fixture
def visit(physio, patient):
    return services.visit_start(patient=patient, practitioner=physio.practitioner)


def url(name, visit, *args):
    return reverse(f"visits:{name}", args=[visit.uuid, *args])


def screening_post(**extra):
    return {"systolic": "120", "diastolic": "80", "all_asked": "on", "action": "continue", **extra}


def application_post(**extra):
    return {
        "region": "calf",
        "side": "left",
        "instrument": Instrument.objects.get(name="GT1").pk,
        "stroke": "sweeping",
        "direction": "transverse",
        "pressure": "moderate",
        "angle_degrees": "45",
        "duration_seconds": "90",
        **extra,
    }


def test_start_visit_from_the_patient_page(physio_client, patient):
    page = physio_client.get(f"/patients/{patient.uuid}/").content.decode()
    assert "Start visit" in page and "No visits recorded yet." in page
    response = physio_client.post(reverse("visits:start", args=[patient.uuid]))
    visit = Visit.objects.get()
    assert response["Location"] == url("assessment", visit)
    assert visit.status == "draft" and visit.patient == patient
    # Starting again resumes the open draft instead of making a second visit.
    physio_client.post(reverse("visits:start", args=[patient.uuid]))
    assert Visit.objects.count() == 1


def test_assessment_draft_survives_leaving_and_returning(physio_client, visit):
    data = {
        "condition": "plantar_fasciitis",
        "complaint": "Heel pain on first steps in the morning",
        "onset": "Gradual, 3 months ago",
        "sites-TOTAL_FORMS": "2",
        "sites-INITIAL_FORMS": "0",
        "sites-0-region": "foot_plantar",
        "sites-0-side": "left",
        "sites-0-note": "thickened fascia medially",
        "action": "save",
    }
    response = physio_client.post(url("assessment", visit), data, follow=True)
    assert "Draft saved." in response.content.decode()
    page = physio_client.get(url("assessment", visit)).content.decode()
    assert "Heel pain on first steps in the morning" in page
    assert "Gradual, 3 months ago" in page
    assert "thickened fascia medially" in page
    # The measures suggested for the condition are offered once it is chosen.
    assert "Foot Function Index" in page and "LEFS" in page


def test_score_out_of_range_is_refused_and_typing_kept(physio_client, visit):
    data = {
        "condition": "plantar_fasciitis",
        "complaint": "Heel pain",
        "score_NPRS": "11",
        "sites-TOTAL_FORMS": "0",
        "sites-INITIAL_FORMS": "0",
        "action": "continue",
    }
    response = physio_client.post(url("assessment", visit), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "NPRS is scored from 0 to 10." in html
    assert "Heel pain" in html
    assert not visit.scores.exists()


def test_adhesion_site_with_wrong_side_is_refused(physio_client, visit):
    data = {
        "complaint": "Neck stiffness",
        "sites-TOTAL_FORMS": "1",
        "sites-INITIAL_FORMS": "0",
        "sites-0-region": "neck",
        "sites-0-side": "left",
        "action": "save",
    }
    html = physio_client.post(url("assessment", visit), data).content.decode()
    assert "Neck is recorded with side: midline." in html


def test_follow_up_visit_starts_from_the_last_assessment(physio_client, physio, visit, patient):
    services.assessment_save(
        visit=visit,
        fields={"complaint": "Tennis elbow pain", "goals": "Lift the kettle"},
        sites=[
            {
                "region": BodyRegion.objects.get(code="elbow_lateral"),
                "side": "right",
                "note": "ECRB origin",
            }
        ],
        scores={},
    )
    services.screening_save(
        visit=visit,
        findings=[],
        systolic=120,
        diastolic=80,
        precaution="",
        acknowledge=False,
        complete=True,
        by=physio,
    )
    services.visit_sign(visit=visit, by=physio)
    response = physio_client.post(reverse("visits:start", args=[patient.uuid]))
    follow_up = Visit.objects.exclude(pk=visit.pk).get()
    assert response["Location"] == url("assessment", follow_up)
    page = physio_client.get(url("assessment", follow_up)).content.decode()
    assert "Tennis elbow pain" in page and "Lift the kettle" in page and "ECRB origin" in page


def test_screening_refused_says_why_and_what_to_do(physio_client, visit):
    response = physio_client.post(
        url("screening", visit), screening_post(ci_hemophilia="on"), follow=True
    )
    html = response.content.decode()
    assert "IASTR refused" in html
    assert "Hemophilia or other bleeding disorder: absolute contraindication." in html
    assert "no instrument treatment can be recorded" in html
    assert 'data-testid="application-form"' not in html


def test_blood_pressure_over_the_absolute_line_refuses(physio_client, visit):
    response = physio_client.post(
        url("screening", visit), screening_post(systolic="165", diastolic="92"), follow=True
    )
    assert "uncontrolled hypertension" in response.content.decode()


def test_local_finding_needs_region_and_side(physio_client, visit):
    response = physio_client.post(url("screening", visit), screening_post(ci_open_wound="on"))
    html = response.content.decode()
    assert "Open wound or unhealed skin at the site: choose the region." in html
    assert not Screening.objects.filter(visit=visit).exists()


def test_continue_needs_every_item_asked(physio_client, visit):
    data = screening_post()
    del data["all_asked"]
    html = physio_client.post(url("screening", visit), data).content.decode()
    assert "Confirm that you asked the patient about every item" in html


def test_precaution_must_be_written_and_acknowledged_before_treating(physio_client, visit):
    response = physio_client.post(
        url("screening", visit), screening_post(ci_anticoagulants="on"), follow=True
    )
    html = response.content.decode()
    assert "Write and acknowledge the precaution before treating." in html
    treatment = physio_client.get(url("treatment", visit)).content.decode()
    assert "Write and acknowledge the precaution on the screening step" in treatment
    refused = physio_client.post(url("application_add", visit), application_post())
    assert "Write and acknowledge the precaution" in refused.content.decode()
    assert not Application.objects.exists()

    physio_client.post(
        url("screening", visit),
        screening_post(ci_anticoagulants="on", acknowledge="on", precaution=""),
    )
    assert (
        "Write the precaution"
        in physio_client.post(
            url("screening", visit),
            screening_post(ci_anticoagulants="on", acknowledge="on", precaution=""),
        ).content.decode()
    )
    physio_client.post(
        url("screening", visit),
        screening_post(
            ci_anticoagulants="on",
            acknowledge="on",
            precaution="Light pressure only; check skin after each region.",
        ),
    )
    added = physio_client.post(url("application_add", visit), application_post(), follow=True)
    assert "Application recorded." in added.content.decode()
    assert Application.objects.count() == 1
    review = physio_client.get(url("review", visit)).content.decode()
    assert "Light pressure only; check skin after each region." in review


@pytest.mark.parametrize(
    "seconds, accepted",
    [("0", False), ("1", True), ("120", True), ("121", False), ("130", False), ("", False)],
)
def test_duration_through_the_form(physio_client, visit, seconds, accepted):
    physio_client.post(url("screening", visit), screening_post())
    response = physio_client.post(
        url("application_add", visit), application_post(duration_seconds=seconds), follow=True
    )
    html = response.content.decode()
    assert Application.objects.exists() is accepted
    if not accepted:
        assert "1 to 120 seconds" in html or "This field is required." in html
        assert 'value="45"' in html  # the angle typed is still there


def test_crafted_post_to_an_absolute_local_site_is_refused(physio_client, visit):
    physio_client.post(
        url("screening", visit),
        screening_post(
            ci_open_wound="on",
            ci_open_wound_region="calf",
            ci_open_wound_side="left",
            precaution="Avoid the left calf",
            acknowledge="on",
        ),
    )
    treatment = physio_client.get(url("treatment", visit)).content.decode()
    assert "Do not treat these sites" in treatment and "<s>Calf (left)</s>" in treatment
    refused = physio_client.post(url("application_add", visit), application_post())
    assert refused.status_code == 200
    assert "IASTR is refused at Calf (left)" in refused.content.decode()
    both = physio_client.post(url("application_add", visit), application_post(side="both"))
    assert "IASTR is refused at Calf (both)" in both.content.decode()
    assert not Application.objects.exists()
    other_side = physio_client.post(url("application_add", visit), application_post(side="right"))
    assert other_side.status_code == 302
    assert Application.objects.count() == 1


def test_crafted_application_without_screening_is_refused(physio_client, visit):
    response = physio_client.post(url("application_add", visit), application_post())
    assert "before the screening is completed" in response.content.decode()
    assert not Application.objects.exists()


def test_signing_locks_the_visit_and_addenda_append(physio_client, physio, visit):
    physio_client.post(
        url("assessment", visit),
        {
            "complaint": "Calf tightness",
            "sites-TOTAL_FORMS": "0",
            "sites-INITIAL_FORMS": "0",
            "action": "continue",
        },
    )
    physio_client.post(url("screening", visit), screening_post())
    physio_client.post(url("application_add", visit), application_post())
    signed = physio_client.post(url("sign", visit), follow=True)
    assert "Visit signed." in signed.content.decode()
    visit.refresh_from_db()
    assert visit.is_signed

    # Every write through the views is refused with the reason; nothing changes.
    for name, data in [
        (
            "assessment",
            {
                "complaint": "changed",
                "sites-TOTAL_FORMS": "0",
                "sites-INITIAL_FORMS": "0",
                "action": "save",
            },
        ),
        ("screening", screening_post(ci_hemophilia="on")),
        ("treatment", {"warm_up": "changed", "action": "save"}),
        ("application_add", application_post(side="right")),
    ]:
        response = physio_client.post(url(name, visit), data, follow=True)
        assert "This visit is signed" in response.content.decode(), name
    application = Application.objects.get()
    response = physio_client.post(url("application_remove", visit, application.pk), follow=True)
    assert "This visit is signed" in response.content.decode()
    assert Application.objects.count() == 1
    visit.assessment.refresh_from_db()
    assert visit.assessment.complaint == "Calf tightness"

    # The step pages show the record read-only.
    page = physio_client.get(url("assessment", visit)).content.decode()
    assert "Save draft" not in page and "disabled" in page

    empty = physio_client.post(url("addendum_add", visit), {"text": "  "})
    assert "Write the addendum." in empty.content.decode()
    added = physio_client.post(
        url("addendum_add", visit),
        {"text": "Patient reported mild soreness next day."},
        follow=True,
    )
    html = added.content.decode()
    assert "Addendum added." in html and "Patient reported mild soreness next day." in html


def test_sign_refuses_an_incomplete_visit_and_says_what_is_missing(physio_client, visit):
    response = physio_client.post(url("sign", visit), follow=True)
    html = response.content.decode()
    assert "Complete the contraindication screening." in html
    assert "Record the condition or the chief complaint" in html
    visit.refresh_from_db()
    assert not visit.is_signed


def all_visit_urls(visit):
    return [
        ("get", url("resume", visit)),
        ("get", url("assessment", visit)),
        ("post", url("assessment", visit)),
        ("get", url("screening", visit)),
        ("post", url("screening", visit)),
        ("get", url("treatment", visit)),
        ("post", url("treatment", visit)),
        ("post", url("application_add", visit)),
        ("post", url("application_remove", visit, 1)),
        ("get", url("review", visit)),
        ("post", url("sign", visit)),
        ("post", url("addendum_add", visit)),
        ("post", reverse("visits:start", args=[visit.patient.uuid])),
    ]


@pytest.mark.parametrize("client_fixture", ["front_desk_client", "patient_client"])
def test_front_desk_and_patients_get_404_on_every_visit_url(request, client_fixture, visit):
    client = request.getfixturevalue(client_fixture)
    for method, target in all_visit_urls(visit):
        assert getattr(client, method)(target).status_code == 404, (method, target)
    page = client.get(f"/patients/{visit.patient.uuid}/")
    assert "Start visit" not in page.content.decode()


def test_anonymous_is_sent_to_login_from_visit_urls(client, visit):
    for method, target in all_visit_urls(visit):
        response = getattr(client, method)(target)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_manager_reads_but_cannot_write(manager_client, visit):
    assert manager_client.get(url("review", visit)).status_code == 200
    page = manager_client.get(url("assessment", visit)).content.decode()
    assert "Save draft" not in page
    for method, target in all_visit_urls(visit):
        if method == "post":
            assert manager_client.post(target).status_code == 404, target
    patient_page = manager_client.get(f"/patients/{visit.patient.uuid}/").content.decode()
    assert "Start visit" not in patient_page and 'data-testid="clinical-section"' in patient_page


def test_patient_page_lists_visits_newest_first(physio_client, physio, patient):
    first = services.visit_start(patient=patient, practitioner=physio.practitioner)
    Visit.objects.filter(pk=first.pk).update(date="2026-01-10")
    second = Visit.objects.create(
        patient=patient, practitioner=physio.practitioner, date="2026-03-02"
    )
    html = physio_client.get(f"/patients/{patient.uuid}/").content.decode()
    assert html.index("2026-03-02") < html.index("2026-01-10")
    assert url("resume", second) in html


def _complete_visit(physio, visit, applications=3):
    services.assessment_save(
        visit=visit,
        fields={"complaint": "Achilles pain"},
        scores={},
        sites=[{"region": BodyRegion.objects.get(code="achilles"), "side": "left", "note": ""}],
    )
    services.screening_save(
        visit=visit,
        findings=[
            services.FindingInput(
                Contraindication.objects.get(code="varicose_veins"),
                BodyRegion.objects.get(code="calf"),
                "right",
            )
        ],
        systolic=125,
        diastolic=82,
        precaution="Avoid right calf veins",
        acknowledge=True,
        complete=True,
        by=physio,
    )
    for _ in range(applications):
        services.application_add(
            visit=visit,
            region=BodyRegion.objects.get(code="achilles"),
            side="left",
            instrument=Instrument.objects.get(name="GT5"),
            stroke=StrokeTechnique.objects.get(code="sweeping"),
            direction="parallel",
            pressure="light",
            angle_degrees=None,
            duration_seconds=60,
        )


def test_review_query_count_does_not_grow_with_applications(
    physio_client, physio, visit, django_assert_max_num_queries, django_assert_num_queries
):
    _complete_visit(physio, visit, applications=1)
    with django_assert_max_num_queries(30) as captured:
        physio_client.get(url("review", visit))
    baseline = len(captured)
    _complete_visit(physio, visit, applications=5)
    with django_assert_num_queries(baseline):
        response = physio_client.get(url("review", visit))
    assert response.content.decode().count("<td>GT5</td>") == 6


def test_patient_visit_list_query_count_is_fixed(
    physio_client, physio, patient, django_assert_max_num_queries, django_assert_num_queries
):
    Visit.objects.create(patient=patient, practitioner=physio.practitioner)
    with django_assert_max_num_queries(15) as captured:
        physio_client.get(f"/patients/{patient.uuid}/")
    baseline = len(captured)
    for _ in range(6):
        services.visit_start(patient=patient, practitioner=physio.practitioner)
        Visit.objects.create(patient=patient, practitioner=physio.practitioner)
    with django_assert_num_queries(baseline):
        response = physio_client.get(f"/patients/{patient.uuid}/")
    assert response.content.decode().count(" visit of ") == 7


def other_sites(*rows):
    data = {"sites-TOTAL_FORMS": str(len(rows)), "sites-INITIAL_FORMS": "0"}
    for n, (item, region, side) in enumerate(rows):
        data |= {
            f"sites-{n}-contraindication": item,
            f"sites-{n}-region": region,
            f"sites-{n}-side": side,
        }
    return data


def test_a_local_contraindication_at_two_sites_refuses_both(physio_client, visit):
    response = physio_client.post(
        url("screening", visit),
        screening_post(
            ci_open_wound="on",
            ci_open_wound_region="calf",
            ci_open_wound_side="left",
            precaution="Avoid both wounds",
            acknowledge="on",
            **other_sites(("open_wound", "forearm", "right")),
        ),
    )
    assert response.status_code == 302
    assert visit.screening.findings.count() == 2
    page = physio_client.get(url("screening", visit)).content.decode()
    assert 'value="forearm" selected' in page  # the second site is shown again
    for region, side in (("calf", "left"), ("forearm", "right")):
        refused = physio_client.post(
            url("application_add", visit), application_post(region=region, side=side)
        )
        assert "IASTR is refused at" in refused.content.decode()
    assert not Application.objects.exists()
    physio_client.post(url("application_add", visit), application_post(side="right"))
    assert Application.objects.count() == 1


def test_an_other_site_needs_its_item_ticked_and_a_fitting_side(physio_client, visit):
    unticked = physio_client.post(
        url("screening", visit), screening_post(**other_sites(("hematoma", "calf", "left")))
    )
    assert "not ticked above" in unticked.content.decode()
    wrong_side = physio_client.post(
        url("screening", visit),
        screening_post(
            ci_hematoma="on",
            ci_hematoma_region="calf",
            ci_hematoma_side="left",
            **other_sites(("hematoma", "neck", "left")),
        ),
    )
    assert "Neck is recorded with side: midline." in wrong_side.content.decode()
    assert not Screening.objects.filter(visit=visit).exists()


# --- Blood pressure on the screening step ---------------------------------------------------------


def test_continue_without_blood_pressure_is_refused_and_typing_kept(physio_client, visit):
    data = screening_post(systolic="", diastolic="", precaution="Lighter pressure on the calf")
    html = physio_client.post(url("screening", visit), data).content.decode()

    assert "Take the blood pressure (systolic and diastolic) to complete the screening" in html
    assert "Lighter pressure on the calf" in html
    assert not Screening.objects.filter(visit=visit, completed_at__isnull=False).exists()


def test_a_draft_screening_may_wait_for_the_blood_pressure(physio_client, visit):
    data = screening_post(systolic="", diastolic="", action="save")
    response = physio_client.post(url("screening", visit), data)

    assert response.status_code == 302
    assert Screening.objects.get(visit=visit).completed_at is None


def test_one_blood_pressure_value_alone_is_refused_and_kept(physio_client, visit):
    html = physio_client.post(
        url("screening", visit), screening_post(systolic="134", diastolic="")
    ).content.decode()

    assert "Enter both blood-pressure values, or neither." in html
    assert 'value="134"' in html
    assert not Screening.objects.filter(visit=visit).exists()


def test_blood_pressure_not_measured_needs_a_reason(physio_client, visit):
    html = physio_client.post(
        url("screening", visit),
        screening_post(systolic="", diastolic="", bp_not_measured="on", bp_not_measured_reason=" "),
    ).content.decode()

    assert "Say why the blood pressure could not be measured." in html
    assert not Screening.objects.filter(visit=visit).exists()


def test_blood_pressure_not_measured_then_needs_the_precaution(physio_client, visit):
    not_measured = {
        "systolic": "",
        "diastolic": "",
        "bp_not_measured": "on",
        "bp_not_measured_reason": "Cuff does not fit",
    }
    response = physio_client.post(
        url("screening", visit), screening_post(**not_measured), follow=True
    )
    html = response.content.decode()
    assert "Write and acknowledge the precaution before treating." in html
    assert "Blood pressure could not be measured: Cuff does not fit" in html
    assert 'value="Cuff does not fit"' in html
    screening = Screening.objects.get(visit=visit)
    assert (screening.result, screening.bp_not_measured_reason) == (
        "precautions",
        "Cuff does not fit",
    )
    refused = physio_client.post(url("application_add", visit), application_post())
    assert "Write and acknowledge the precaution" in refused.content.decode()

    physio_client.post(
        url("screening", visit),
        screening_post(**not_measured, precaution="Light pressure; recheck BP", acknowledge="on"),
    )
    added = physio_client.post(url("application_add", visit), application_post())
    assert added.status_code == 302 and Application.objects.count() == 1
    review = physio_client.get(url("review", visit)).content.decode()
    assert "blood pressure not measured (Cuff does not fit)" in review


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        pytest.param(
            {"bp_not_measured": "on", "bp_not_measured_reason": "No cuff"},
            "A reading is entered above",
            id="reading-and-not-measured",
        ),
        pytest.param(
            {"systolic": "", "diastolic": "", "bp_not_measured_reason": "No cuff"},
            "Tick “could not be measured” to record the reason",
            id="reason-without-the-tick",
        ),
    ],
)
def test_contradictory_blood_pressure_posts_are_refused(physio_client, visit, extra, message):
    html = physio_client.post(url("screening", visit), screening_post(**extra)).content.decode()

    assert message in html
    assert not Screening.objects.filter(visit=visit).exists()


# --- An absolute local finding alone: clear except its site ---------------------------------------


def test_absolute_local_finding_alone_says_clear_except_that_site(physio_client, visit):
    response = physio_client.post(
        url("screening", visit),
        screening_post(
            ci_open_wound="on", ci_open_wound_region="forearm", ci_open_wound_side="left"
        ),
    )
    # Nothing to acknowledge: straight on to the treatment.
    assert response["Location"] == url("treatment", visit)
    assert Screening.objects.get(visit=visit).result == "clear"

    treatment = physio_client.get(url("treatment", visit)).content.decode()
    assert "Clear except: Forearm (left)" in treatment
    assert "Screening clear" not in treatment
    assert "<s>Forearm (left)</s>" in treatment
    screening_page = physio_client.get(url("screening", visit)).content.decode()
    assert (
        "Open wound or unhealed skin at the site (Forearm, left): IASTR refused at this site."
        in screening_page
    )
    review = physio_client.get(url("review", visit)).content.decode()
    assert "Clear except: Forearm (left)" in review

    refused = physio_client.post(
        url("application_add", visit), application_post(region="forearm", side="left")
    )
    assert "IASTR is refused at Forearm (left)" in refused.content.decode()
    allowed = physio_client.post(url("application_add", visit), application_post())
    assert allowed.status_code == 302
    assert list(Application.objects.values_list("region_id", "side")) == [("calf", "left")]
