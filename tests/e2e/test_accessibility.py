"""Every role's main pages pass axe-core's WCAG 2.1 A and AA rules (issue 10), at a laptop's
viewport (1366x768) and, for the pages used on a phone, at 390x844.

Each test signs in once and walks its role's pages; a failure lists, page by page, each
violation's rule id, its help text and the first elements it names.
"""

import pytest
from django.utils import timezone

from revere import roles
from tests.clinical import give_consent, make_visit, screen
from tests.e2e.axe import axe_violations, describe
from tests.factories import (
    PASSWORD,
    AppointmentFactory,
    AppointmentTypeFactory,
    PatientFactory,
    PractitionerFactory,
    UserFactory,
)
from tests.programs import HEEL_DROP, TYLER, build_program, portal_patient
from tests.scheduling import at, future_day, give_hours
from tests.support import browser_log_in
from treatments import services
from treatments.models import Condition

pytestmark = pytest.mark.django_db(transaction=True)

LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


def assert_no_violations(page, paths):
    """Open each path and run axe on it; fail once, listing every page's violations."""
    failures = {}
    for path in paths:
        response = page.goto(path)
        assert response is not None and response.ok, f"{path}: HTTP {response and response.status}"
        page.wait_for_load_state("load")
        assert page.url.endswith(path), f"{path}: landed on {page.url}"
        violations = axe_violations(page)
        if violations:
            failures[path] = violations
    assert not failures, "axe-core found WCAG 2.1 AA violations:\n" + "\n".join(
        f"{path}\n{describe(violations)}" for path, violations in failures.items()
    )


def _clinic():
    """A physiotherapist with hours, a patient with a visit, and appointments today and ahead."""
    physio = UserFactory(username="physio", first_name="Alex", role=roles.PHYSIOTHERAPIST)
    practitioner = give_hours(PractitionerFactory(user=physio, display_name="Alex Moreau, PT"))
    kind = AppointmentTypeFactory(name="Follow-up IASTR", minutes=30, mode="in_clinic")
    patient = PatientFactory(first_name="Gunnar", last_name="Lindqvist")
    give_consent(patient, physio)
    today = timezone.localdate()
    AppointmentFactory(
        patient=patient,
        practitioner=practitioner,
        type=kind,
        starts_at=at(today, "10:00"),
        ends_at=at(today, "10:30"),
    )
    day = future_day(1)
    AppointmentFactory(
        patient=PatientFactory(first_name="Ines", last_name="Okonkwo"),
        practitioner=practitioner,
        type=kind,
        starts_at=at(day, "09:00"),
        ends_at=at(day, "09:30"),
    )
    visit = make_visit(physio, patient)
    services.assessment_save(
        visit=visit,
        fields={
            "condition": Condition.objects.get(code="achilles_tendinopathy"),
            "complaint": "Morning stiffness in the left Achilles",
        },
        sites=[],
        scores={},
    )
    screen(visit, by=physio)
    return physio, practitioner, kind, patient, visit, day


def test_anonymous_pages_pass_axe(page):
    page.set_viewport_size(LAPTOP)
    assert_no_violations(page, ["/accounts/login/", "/accounts/password_reset/"])


def test_front_desk_pages_pass_axe(page):
    _physio, practitioner, kind, patient, _visit, day = _clinic()
    desk = UserFactory(username="desk", first_name="Dana", role=roles.FRONT_DESK)
    browser_log_in(page, desk, PASSWORD)
    page.set_viewport_size(LAPTOP)
    assert_no_violations(
        page,
        [
            "/patients/schedule/",
            f"/patients/schedule/?day={day.isoformat()}",
            f"/patients/schedule/week/{practitioner.pk}/?day={day.isoformat()}",
            "/patients/",
            f"/patients/{patient.uuid}/",
            f"/patients/appointments/book/?patient={patient.uuid}",
            f"/patients/appointments/book/?patient={patient.uuid}&type={kind.pk}"
            f"&practitioner={practitioner.pk}&day={day.isoformat()}",
            "/patients/new/",
        ],
    )


def test_physiotherapist_pages_pass_axe(page):
    physio, _practitioner, _kind, _patient, visit, _day = _clinic()
    build_program(physio, TYLER, HEEL_DROP, visit=visit, save=False)
    browser_log_in(page, physio, PASSWORD)
    steps = [
        f"/visits/{visit.uuid}/{step}/"
        for step in ("assessment", "screening", "treatment", "handout", "review")
    ]
    page.set_viewport_size(LAPTOP)
    assert_no_violations(page, ["/visits/day/", *steps])
    page.set_viewport_size(PHONE)
    assert_no_violations(page, ["/visits/day/"])


def test_manager_pages_pass_axe(page):
    _physio, _practitioner, _kind, patient, _visit, _day = _clinic()
    boss = UserFactory(username="boss", first_name="Morgan", is_staff=True, is_superuser=True)
    browser_log_in(page, boss, PASSWORD)
    page.set_viewport_size(LAPTOP)
    assert_no_violations(
        page,
        ["/patients/schedule/", f"/patients/{patient.uuid}/", f"/audit/patients/{patient.uuid}/"],
    )


def test_patient_portal_pages_pass_axe(page):
    physio = UserFactory(username="physio", role=roles.PHYSIOTHERAPIST)
    practitioner = give_hours(PractitionerFactory(user=physio))
    patient, user = portal_patient()
    program = build_program(physio, TYLER, HEEL_DROP, patient=patient)
    day = future_day(2)
    AppointmentFactory(
        patient=patient,
        practitioner=practitioner,
        starts_at=at(day, "11:00"),
        ends_at=at(day, "11:30"),
    )
    browser_log_in(page, user, PASSWORD)
    paths = ["/portal/", "/portal/appointments/", f"/programs/{program.uuid}/handout/"]
    page.set_viewport_size(LAPTOP)
    assert_no_violations(page, paths)
    page.set_viewport_size(PHONE)
    assert_no_violations(page, paths)
