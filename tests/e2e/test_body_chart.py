"""The body chart in a real browser: sites chosen on it with the mouse and the keyboard fill the
form's own rows, so what is stored equals what the dropdowns store; the steps with the chart and
the record with its marks pass axe-core."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from revere import roles
from tests.clinical import NORMAL_BP, apply, finding, make_visit, screen, screen_acknowledged
from tests.e2e.axe import axe_violations, describe
from tests.factories import PASSWORD, PractitionerFactory, UserFactory
from tests.support import browser_log_in, verified_client
from treatments.models import AdhesionSite, Application, BodyRegion, ScreeningFinding

pytestmark = pytest.mark.django_db(transaction=True)

KNEE = "Knee (incl. patellar tendon) (left)"


@pytest.fixture
def physio():
    user = UserFactory(username="physio", first_name="Alex", role=roles.PHYSIOTHERAPIST)
    PractitionerFactory(user=user)
    return user


def step(name, visit):
    return reverse(f"visits:{name}", args=[visit.uuid])


def region(page, label):
    return page.get_by_test_id("body-chart-picker").get_by_label(label, exact=True)


def site_rows(visit):
    return [
        (s.region_id, s.side, s.note)
        for s in AdhesionSite.objects.filter(assessment__visit=visit).order_by("pk")
    ]


def finding_rows(visit):
    return sorted(
        (f.contraindication_id, f.region_id, f.side, f.note)
        for f in ScreeningFinding.objects.filter(screening__visit=visit)
    )


def test_adhesion_sites_chosen_on_the_chart_are_the_rows_the_dropdowns_make(page, physio):
    on_chart, by_dropdown = make_visit(physio), make_visit(physio)
    browser_log_in(page, physio, PASSWORD)
    page.goto(step("assessment", on_chart))
    page.get_by_label("Chief complaint").fill("Tight forearm and calf")
    chart = page.get_by_test_id("body-chart-picker")
    expect(chart).to_be_visible()

    region(page, "Forearm (left)").click()  # mouse
    expect(region(page, "Forearm (left)")).to_have_attribute("aria-checked", "true")
    expect(page.locator('[name="sites-0-region"]')).to_have_value("forearm")
    expect(page.locator('[name="sites-0-side"]')).to_have_value("left")
    region(page, "Calf (right)").focus()  # keyboard: Space
    page.keyboard.press("Space")
    region(page, "Neck (midline)").focus()  # keyboard: Enter; a third row is added
    page.keyboard.press("Enter")
    expect(chart.get_by_role("status")).to_contain_text("Neck (midline) added to the sites (row 3)")
    region(page, KNEE).click()  # chosen, then taken off again
    region(page, KNEE).click()
    expect(region(page, KNEE)).to_have_attribute("aria-checked", "false")
    expect(page.locator('[name="sites-TOTAL_FORMS"]')).to_have_value("4")
    page.locator('[name="sites-1-note"]').fill("thickened band")
    # A dropdown changed by hand shows on the chart too.
    page.locator('[name="sites-0-side"]').select_option("both")
    expect(region(page, "Forearm (right)")).to_have_attribute("aria-checked", "true")
    page.locator('[name="sites-0-side"]').select_option("left")
    expect(region(page, "Forearm (right)")).to_have_attribute("aria-checked", "false")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Draft saved.")).to_be_visible()

    # The same sites typed in the dropdown rows, posted as the page without JavaScript does.
    client = verified_client(physio)
    response = client.post(
        step("assessment", by_dropdown),
        {
            "complaint": "Tight forearm and calf",
            "sites-TOTAL_FORMS": "3",
            "sites-INITIAL_FORMS": "0",
            "sites-0-region": "forearm",
            "sites-0-side": "left",
            "sites-1-region": "calf",
            "sites-1-side": "right",
            "sites-1-note": "thickened band",
            "sites-2-region": "neck",
            "sites-2-side": "midline",
            "action": "save",
        },
    )
    assert response.status_code == 302
    assert site_rows(on_chart) == site_rows(by_dropdown)
    assert site_rows(on_chart) == [
        ("forearm", "left", ""),
        ("calf", "right", "thickened band"),
        ("neck", "midline", ""),
    ]
    # Back on the page, the chart shows what was saved.
    page.reload()
    for label in ("Forearm (left)", "Calf (right)", "Neck (midline)"):
        expect(region(page, label)).to_have_attribute("aria-checked", "true")
    expect(region(page, KNEE)).to_have_attribute("aria-checked", "false")


def test_local_contraindications_chosen_on_the_chart_are_the_dropdowns_findings(page, physio):
    on_chart, by_dropdown = make_visit(physio), make_visit(physio)
    browser_log_in(page, physio, PASSWORD)
    page.goto(step("screening", on_chart))
    picker = page.get_by_label("Sites on the chart are for")
    picker.select_option("open_wound")
    region(page, "Forearm (left)").click()
    wound = page.get_by_role("checkbox", name="Open wound or unhealed skin at the site")
    expect(wound).to_be_checked()
    expect(page.locator('[name="ci_open_wound_region"]')).to_have_value("forearm")
    expect(page.locator('[name="ci_open_wound_side"]')).to_have_value("left")
    region(page, "Calf (right)").focus()  # a second wound: an "other sites" row
    page.keyboard.press("Space")
    expect(page.locator('[name="sites-0-contraindication"]')).to_have_value("open_wound")
    expect(page.locator('[name="sites-0-region"]')).to_have_value("calf")
    picker.select_option("varicose_veins")
    expect(region(page, "Forearm (left)")).to_have_attribute("aria-checked", "false")
    region(page, "Thigh, back (hamstrings) (left)").click()
    page.get_by_label("Blood pressure, systolic (mmHg)").fill(str(NORMAL_BP[0]))
    page.get_by_label("Blood pressure, diastolic (mmHg)").fill(str(NORMAL_BP[1]))
    page.get_by_label("Precaution", exact=True).fill("Avoid the veins.")
    page.get_by_label("I have written the precaution above").check()
    page.get_by_label("I asked the patient about every item above.").check()
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Draft saved.")).to_be_visible()

    client = verified_client(physio)
    response = client.post(
        step("screening", by_dropdown),
        {
            "ci_open_wound": "on",
            "ci_open_wound_region": "forearm",
            "ci_open_wound_side": "left",
            "ci_varicose_veins": "on",
            "ci_varicose_veins_region": "thigh_posterior",
            "ci_varicose_veins_side": "left",
            "sites-TOTAL_FORMS": "1",
            "sites-INITIAL_FORMS": "0",
            "sites-0-contraindication": "open_wound",
            "sites-0-region": "calf",
            "sites-0-side": "right",
            "systolic": str(NORMAL_BP[0]),
            "diastolic": str(NORMAL_BP[1]),
            "precaution": "Avoid the veins.",
            "acknowledge": "on",
            "all_asked": "on",
            "action": "save",
        },
    )
    assert response.status_code == 302
    assert finding_rows(on_chart) == finding_rows(by_dropdown)
    assert finding_rows(on_chart) == [
        ("open_wound", "calf", "right", ""),
        ("open_wound", "forearm", "left", ""),
        ("varicose_veins", "thigh_posterior", "left", ""),
    ]

    # Taking the first wound off the chart moves the second one into the item's own row.
    page.reload()
    picker.select_option("open_wound")
    region(page, "Forearm (left)").click()
    expect(page.locator('[name="ci_open_wound_region"]')).to_have_value("calf")
    expect(page.locator('[name="sites-0-region"]')).to_have_value("")
    expect(region(page, "Calf (right)")).to_have_attribute("aria-checked", "true")


def test_the_treated_region_chosen_on_the_chart_is_the_application_stored(page, physio):
    on_chart, by_dropdown = make_visit(physio), make_visit(physio)
    for visit in (on_chart, by_dropdown):
        screen(visit, finding("open_wound", "forearm", "left", "grazed"))
    browser_log_in(page, physio, PASSWORD)
    page.goto(step("treatment", on_chart))
    form = page.get_by_test_id("application-form")
    # A refused site cannot be chosen; the chart says why.
    refused = form.get_by_label("Forearm (left); refused: Open wound or unhealed skin at the site")
    expect(refused).to_be_disabled()  # aria-disabled: still focusable, to hear why
    refused.focus()
    page.keyboard.press("Enter")
    expect(form.get_by_test_id("body-chart-picker").get_by_role("status")).to_contain_text(
        "refused by the screening"
    )
    expect(form.locator("[name=region]")).to_have_value("")
    region(page, "Calf (right)").focus()
    page.keyboard.press("Enter")
    expect(region(page, "Calf (right)")).to_have_attribute("aria-pressed", "true")
    expect(form.locator("[name=region]")).to_have_value("calf")
    expect(form.locator("[name=side]")).to_have_value("right")
    region(page, "Forearm (right)").click()  # another choice replaces it
    expect(region(page, "Calf (right)")).to_have_attribute("aria-pressed", "false")
    expect(form.locator("[name=region]")).to_have_value("forearm")
    form.get_by_label("Instrument").select_option(label="GT1")
    form.get_by_label("Stroke technique").select_option(label="Sweeping")
    form.get_by_label("Direction").select_option(label="Transverse (cross-fibre)")
    form.get_by_label("Pressure").select_option(label="Light")
    form.get_by_label("Duration (seconds, 1–120)").fill("80")
    form.get_by_role("button", name="Record application").click()
    expect(page.get_by_text("Application recorded.")).to_be_visible()
    # Now numbered on the chart.
    expect(region(page, "Forearm (right); treated 1: 80 s (1:20) with GT1")).to_be_visible()

    client = verified_client(physio)
    data = {
        "region": "forearm",
        "side": "right",
        "instrument": Application.objects.get().instrument_id,
        "stroke": "sweeping",
        "direction": "transverse",
        "pressure": "light",
        "duration_seconds": "80",
    }
    assert client.post(step("application_add", by_dropdown), data).status_code == 302

    def stored(visit):
        return list(
            Application.objects.filter(session__visit=visit).values_list(
                "region",
                "side",
                "instrument",
                "stroke",
                "direction",
                "pressure",
                "angle_degrees",
                "duration_seconds",
            )
        )

    assert stored(on_chart) == stored(by_dropdown)
    assert stored(on_chart)[0][:2] == ("forearm", "right")


def test_the_steps_with_the_chart_and_the_marked_record_pass_axe(page, physio):
    visit = make_visit(physio)
    screen_acknowledged(
        visit,
        finding("open_wound", "forearm", "left", "grazed"),
        finding("varicose_veins", "calf", "both"),
    )
    apply(visit, "achilles", "left", seconds=75)
    browser_log_in(page, physio, PASSWORD)
    failures = {}
    for path in [
        step("assessment", visit),
        step("screening", visit),
        step("treatment", visit),
        step("review", visit),
        f"/patients/{visit.patient.uuid}/",
    ]:
        page.goto(path)
        if "/patients/" in path:
            expect(page.get_by_test_id("patient-body-chart")).to_be_visible()
        elif "review" in path:
            expect(page.get_by_test_id("chart-refused")).to_contain_text(
                "Refused: Forearm (left) — Open wound or unhealed skin at the site: grazed"
            )
        else:
            expect(page.get_by_test_id("body-chart-picker")).to_be_visible()
        violations = axe_violations(page)
        if violations:
            failures[path] = describe(violations)
    assert not failures, failures
    assert BodyRegion.objects.exists()
