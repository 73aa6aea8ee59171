"""Issue 12 in the browser: the patient page's progress charts, the reports and the cleaning log
pass axe-core's WCAG 2.1 AA rules and break no rule of the Content-Security-Policy (the SVG uses
presentation attributes, never a style attribute)."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.e2e.test_accessibility import assert_no_violations
from tests.e2e.test_content_security_policy import console, policy_problems  # noqa: F401
from tests.factories import PASSWORD, PatientFactory, PractitionerFactory, UserFactory
from tests.programs import TYLER, build_program, items_of
from tests.support import browser_log_in
from treatments.models import OutcomeScore, Visit
from treatments.services import programs as program_services

pytestmark = pytest.mark.django_db(transaction=True)


def test_charts_reports_and_cleaning_log_are_accessible(page, console):  # noqa: F811
    physio = PractitionerFactory(
        user=UserFactory(username="physio", role="physiotherapist"), display_name="Alex Moreau, PT"
    ).user
    manager = UserFactory(username="boss", is_staff=True, is_superuser=True)
    patient = PatientFactory(first_name="Gunnar", last_name="Lindqvist")
    (item,) = items_of(build_program(physio, TYLER, patient=patient))
    today = timezone.localdate()
    for n in range(12):
        day = today - datetime.timedelta(days=n)
        program_services.check_in_record(patient=patient, day=day, done=[item], pain=2 + n // 2)
    for weeks, (nprs, lefs) in enumerate([("6", "30"), ("4", "42"), ("3", "55")]):
        visit = Visit.objects.create(
            patient=patient,
            practitioner=physio.practitioner,
            date=today - datetime.timedelta(days=7 * (2 - weeks) + 1),
        )
        OutcomeScore.objects.create(visit=visit, measure_id="NPRS", value=Decimal(nprs))
        OutcomeScore.objects.create(visit=visit, measure_id="LEFS", value=Decimal(lefs))

    page.set_viewport_size({"width": 1366, "height": 900})
    browser_log_in(page, manager, PASSWORD)
    paths = [f"/patients/{patient.uuid}/", "/reports/", "/instruments/cleaning/"]
    assert_no_violations(page, paths)
    page.goto(paths[0])
    page.locator('[data-testid="progress-charts"]').screenshot(path="/tmp/i12-charts.png")
    page.goto(paths[1])
    page.screenshot(path="/tmp/i12-reports.png", full_page=True)
    assert policy_problems(console) == []
